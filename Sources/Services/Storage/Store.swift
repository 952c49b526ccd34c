import Foundation

/// Everything the server keeps, behind one engine: the registry, the documents and the audit
/// log, whose writes share a transaction. `SQLiteStore` (embedded) and `PostgresStore` (more
/// than one server) implement it; `StoreContractTests` is the contract both pass.
public protocol Store: RegistryStore, DocumentStore, FilingStore, FilingVerificationReads, SequenceVerificationReads, DocumentVerificationReads, SupervisionVerificationReads, FindingVerificationReads, FindingStore, SupervisionStore, CreditStore {
  /// Whether the database answers now; health reports NOT_SERVING while it does not.
  func isAvailable() async -> Bool
  /// How this server's writes have taken turns with the write lock since the store opened
  /// (`/metrics` reports it; `make bench-filing` subtracts two readings).
  func writeStatistics() -> WriteStatistics
}

/// What every write transaction offers, whatever the service: the audit log, idempotency keys
/// and id sequences, so that a write, its key and its audit entry commit together or not at all.
///
/// Write transactions are serialised: each sees every write committed before it began, and no
/// two run at once (on PostgreSQL, across servers too). The audit chain needs that order anyway.
public protocol WriteTransaction: AuditTransaction, IdempotencyReads {
  func insertIdempotencyRecord(_ record: IdempotencyRecord) async throws
  /// The next number of the named sequence (1, 2, 3 …); a rolled-back transaction leaves no gap.
  func nextNumber(in sequence: IDSequence) async throws -> Int64
}

/// Reading the results writes kept with their request ids, inside a write transaction or outside.
public protocol IdempotencyReads {
  /// The key an earlier write with this request id recorded, if any.
  func idempotencyRecord(actor: String, method: String, requestID: String) async throws -> IdempotencyRecord?
}

/// A write's idempotency key and the result it returned.
public struct IdempotencyRecord: Sendable, Equatable {
  public var actor: String
  public var method: String
  public var requestID: String
  public var requestSHA256: String
  /// The result the write returned, as JSON: what a retry gets back. Nil for keys written
  /// before results were kept.
  public var result: String?

  public init(actor: String, method: String, requestID: String, requestSHA256: String, result: String?) {
    self.actor = actor
    self.method = method
    self.requestID = requestID
    self.requestSHA256 = requestSHA256
    self.result = result
  }
}

/// The named sequences ids are drawn from (`app-000042` is number 42 of `application`).
public struct IDSequence: Hashable, Sendable {
  public let name: String
  public let prefix: String

  public static let application = IDSequence(name: "application", prefix: "app")
  public static let change = IDSequence(name: "change", prefix: "chg")
  public static let finding = IDSequence(name: "finding", prefix: "fnd")
  public static let removal = IDSequence(name: "removal", prefix: "rem")
  public static let all: [IDSequence] = [.application, .change, .finding, .removal, .activity]

  /// `app-000042`: at least six digits, more when needed.
  public func id(_ number: Int64) -> String {
    let digits = String(number)
    return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
  }

  /// The number inside an id of this sequence, nil when it is not one.
  public func number(of id: String) -> Int64? {
    guard id.hasPrefix(prefix + "-") else { return nil }
    return Int64(id.dropFirst(prefix.count + 1)).flatMap { $0 > 0 ? $0 : nil }
  }
}

extension IdempotencyReads {
  /// What the first call with this request id returned, nil when the id is new. Writes whose
  /// checks depend on the day look here before checking: a retry the next day gets its first
  /// result, not a refusal the first call did not get.
  public func earlier<Result: Codable & Sendable>(_ context: WriteContext, as type: Result.Type = Result.self) async throws -> Result? {
    guard let earlier = try await earlierResult(context) else { return nil }
    guard let result = try? JSONDecoder().decode(Result.self, from: Data(earlier.utf8)) else {
      throw ServiceError(.internalError, "the result kept for request_id \(context.requestID) cannot be read back", reason: "RESULT_UNREADABLE")
    }
    return result
  }

  /// `earlier` for writes that return a record and its version.
  public func earlier<First: Codable & Sendable, Second: Codable & Sendable>(
    _ context: WriteContext, as type: (First, Second).Type
  ) async throws -> (First, Second)? {
    try await earlier(context, as: Pair<First, Second>.self).map { ($0.first, $0.second) }
  }

  /// The result kept for this request id, nil when the id is new.
  fileprivate func earlierResult(_ context: WriteContext) async throws -> String? {
    guard let earlier = try await idempotencyRecord(actor: context.actor, method: context.method, requestID: context.requestID)
    else { return nil }
    guard earlier.requestSHA256 == context.requestSHA256 else {
      throw ServiceError(
        .alreadyExists, "request_id \(context.requestID) was already used for a different request",
        reason: "REQUEST_ID_REUSED",
        violations: [FieldViolation("request_id", "already used for a different request; a retry must send the same request", reason: "REQUEST_ID_REUSED")])
    }
    guard let result = earlier.result else {
      throw ServiceError(
        .alreadyExists,
        "request_id \(context.requestID) was acted on before this server kept the results of writes; read what it wrote with the service's Get or List",
        reason: "REQUEST_ID_USED",
        violations: [FieldViolation("request_id", "used before results were kept; the first call's result cannot be returned", reason: "REQUEST_ID_USED")])
    }
    return result
  }

}

extension WriteTransaction {
  /// Runs a write once per request id. The first call runs `body` and keeps what it returned
  /// with the key, in the write's transaction; the same request again gets that result back as
  /// it was, whatever was written since, and acts on nothing. A different request under the
  /// same id is refused: a retry must send the same request.
  public func once<Result: Codable & Sendable>(_ context: WriteContext, _ body: () async throws -> Result) async throws -> Result {
    if let earlier = try await earlier(context, as: Result.self) { return earlier }
    let result = try await body()
    try await insertIdempotencyRecord(IdempotencyRecord(
      actor: context.actor, method: context.method, requestID: context.requestID, requestSHA256: context.requestSHA256,
      result: String(decoding: try Self.resultEncoder.encode(result), as: UTF8.self)))
    return result
  }

  /// `once` for writes that return two values (a record and its version).
  public func once<First: Codable & Sendable, Second: Codable & Sendable>(
    _ context: WriteContext, _ body: () async throws -> (First, Second)
  ) async throws -> (First, Second) {
    let pair = try await once(context) { () async throws -> Pair<First, Second> in
      let (first, second) = try await body()
      return Pair(first: first, second: second)
    }
    return (pair.first, pair.second)
  }

  /// `once` for writes that return three values (a commitment, its version and its plan).
  public func once<First: Codable & Sendable, Second: Codable & Sendable, Third: Codable & Sendable>(
    _ context: WriteContext, _ body: () async throws -> (First, Second, Third)
  ) async throws -> (First, Second, Third) {
    let (pair, third) = try await once(context) { () async throws -> (Pair<First, Second>, Third) in
      let (first, second, third) = try await body()
      return (Pair(first: first, second: second), third)
    }
    return (pair.first, pair.second, third)
  }

  /// Results are kept with sorted keys, so the same result is always the same text.
  private static var resultEncoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }

  /// Appends a write's audit entry, the receipt signed by `key`; returns the entry.
  public func record(_ context: WriteContext, recordSHA256: String, at instant: Date, key: SigningKey) async throws -> AuditLog.Entry {
    try await AuditLog.append(
      self, key: key, actor: context.actor, method: context.method, requestSHA256: context.requestSHA256,
      recordSHA256: recordSHA256, at: instant)
  }
}

/// Two results kept as one.
struct Pair<First: Codable & Sendable, Second: Codable & Sendable>: Codable, Sendable {
  var first: First
  var second: Second
}
