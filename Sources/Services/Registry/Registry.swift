import Foundation
public import GRDB

/// The registry of agencies (Art. 4, 5, 20): enrolment and certificates, applications and
/// review, the listed agency with its versions, changes, removal and bans.
///
/// Every write runs in one transaction that also appends its audit entry; the caller's reply
/// is built only after the commit. A write's `request_id` makes it idempotent: the same id from
/// the same caller for the same method returns the first result.
public final class Registry: Sendable {
  let database: AppDatabase
  let authority: CertificateAuthority?
  let now: @Sendable () -> Date
  /// Told of every certificate revoked, so the server refuses it at once.
  let onRevoke: @Sendable (String) -> Void

  public init(
    database: AppDatabase, authority: CertificateAuthority?, now: @escaping @Sendable () -> Date = Date.init,
    onRevoke: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.database = database
    self.authority = authority
    self.now = now
    self.onRevoke = onRevoke
  }

  var writer: any DatabaseWriter { database.writer }

  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }()

  static func json<T: Encodable>(_ value: T) -> String {
    String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
  }

  static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
    try? JSONDecoder().decode(type, from: Data(text.utf8))
  }

  func today() -> CalendarDate {
    CalendarDate(chinaTimeOf: Int64(now().timeIntervalSince1970.rounded(.down)))
  }

  // MARK: - Idempotency and audit

  /// The id of what an earlier call with this request id created, if any. A different request
  /// under the same id is refused: a retry must send the same request.
  func replayed(_ db: Database, _ context: WriteContext) throws -> String? {
    guard let row = try Row.fetchOne(
      db, sql: "SELECT request_sha256, result_id FROM idempotency WHERE actor = ? AND method = ? AND request_id = ?",
      arguments: [context.actor, context.method, context.requestID])
    else { return nil }
    let digest: String = row["request_sha256"]
    guard digest == context.requestSHA256 else {
      throw ServiceError(
        .alreadyExists, "request_id \(context.requestID) was already used for a different request",
        reason: "REQUEST_ID_REUSED",
        violations: [FieldViolation("request_id", "already used for a different request; a retry must send the same request", reason: "REQUEST_ID_REUSED")])
    }
    return row["result_id"]
  }

  /// Records the write's idempotency key and audit entry; returns the receipt.
  func record(_ db: Database, _ context: WriteContext, resultID: String, recordSHA256: String, at instant: Date) throws -> Receipt {
    try db.execute(
      sql: "INSERT INTO idempotency (actor, method, request_id, request_sha256, result_id) VALUES (?, ?, ?, ?, ?)",
      arguments: [context.actor, context.method, context.requestID, context.requestSHA256, resultID])
    let entry = try AuditLog.append(
      db, actor: context.actor, method: context.method, requestSHA256: context.requestSHA256,
      recordSHA256: recordSHA256, at: instant)
    return Self.receipt(entry)
  }

  static func receipt(_ entry: AuditLog.Entry) -> Receipt {
    Receipt(
      id: "rcpt-\(entry.sequence)", receivedAt: Timestamps.parse(entry.recordedAt) ?? Date(timeIntervalSince1970: 0),
      requestSHA256: entry.requestSHA256, recordSHA256: entry.recordSHA256, auditSequence: entry.sequence,
      auditHash: entry.hash)
  }

  static func receipt(_ db: Database, sequence: Int64) throws -> Receipt {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_log WHERE sequence = ?", arguments: [sequence]) else {
      throw ServiceError(.internalError, "audit entry \(sequence) is missing", reason: "AUDIT_MISSING")
    }
    return receipt(AuditLog.Entry(
      sequence: row["sequence"], recordedAt: row["recorded_at"], actor: row["actor"], method: row["method"],
      requestSHA256: row["request_sha256"], recordSHA256: row["record_sha256"], previousHash: row["previous_hash"],
      hash: row["hash"]))
  }

  /// A new id like `app-000042`, from the count of rows so far.
  static func nextID(_ db: Database, prefix: String, table: String) throws -> String {
    let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
    let digits = String(count + 1)
    return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
  }

  // MARK: - Audit

  /// Recomputes the audit chain (Art. 13's evidence is only as good as this).
  public func verifyAuditLog() async throws -> AuditLog.Verification {
    try await writer.read { try AuditLog.verify($0) }
  }
}

extension ServiceError {
  static func required(_ field: String, _ what: String) -> ServiceError {
    .invalid([FieldViolation(field, "\(what) is required", reason: "REQUIRED")])
  }
}
