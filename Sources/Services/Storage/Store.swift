import Foundation

/// Everything the server keeps, behind one engine: the registry, the documents and the audit
/// log, whose writes share a transaction. `SQLiteStore` (embedded) and `PostgresStore` (more
/// than one server) implement it; `StoreContractTests` is the contract both pass.
public protocol Store: RegistryStore, DocumentStore, FilingStore, FindingStore, SupervisionStore, CreditStore {
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
public protocol WriteTransaction: AuditTransaction {
  /// The result an earlier write with this key recorded, if any.
  func idempotencyRecord(actor: String, method: String, requestID: String) async throws -> IdempotencyRecord?
  func insertIdempotencyRecord(_ record: IdempotencyRecord) async throws
  /// The next number of the named sequence (1, 2, 3 …); a rolled-back transaction leaves no gap.
  func nextNumber(in sequence: IDSequence) async throws -> Int64
}

/// A write's idempotency key and what it created.
public struct IdempotencyRecord: Sendable, Equatable {
  public var actor: String
  public var method: String
  public var requestID: String
  public var requestSHA256: String
  public var resultID: String

  public init(actor: String, method: String, requestID: String, requestSHA256: String, resultID: String) {
    self.actor = actor
    self.method = method
    self.requestID = requestID
    self.requestSHA256 = requestSHA256
    self.resultID = resultID
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

extension WriteTransaction {
  /// The id of what an earlier call with this request id created, if any. A different request
  /// under the same id is refused: a retry must send the same request.
  public func replayed(_ context: WriteContext) async throws -> String? {
    guard let earlier = try await idempotencyRecord(actor: context.actor, method: context.method, requestID: context.requestID)
    else { return nil }
    guard earlier.requestSHA256 == context.requestSHA256 else {
      throw ServiceError(
        .alreadyExists, "request_id \(context.requestID) was already used for a different request",
        reason: "REQUEST_ID_REUSED",
        violations: [FieldViolation("request_id", "already used for a different request; a retry must send the same request", reason: "REQUEST_ID_REUSED")])
    }
    return earlier.resultID
  }

  /// Records a write's idempotency key and appends its audit entry, the receipt signed by `key`;
  /// returns the entry.
  public func record(
    _ context: WriteContext, resultID: String, recordSHA256: String, at instant: Date, key: SigningKey
  ) async throws -> AuditLog.Entry {
    try await insertIdempotencyRecord(IdempotencyRecord(
      actor: context.actor, method: context.method, requestID: context.requestID, requestSHA256: context.requestSHA256,
      resultID: resultID))
    return try await AuditLog.append(
      self, key: key, actor: context.actor, method: context.method, requestSHA256: context.requestSHA256,
      recordSHA256: recordSHA256, at: instant)
  }
}
