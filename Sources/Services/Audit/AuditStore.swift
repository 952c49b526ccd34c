/// The audit log's part of a write transaction.
public protocol AuditTransaction {
  /// The newest entry; nil while the log is empty.
  func lastAuditEntry() async throws -> AuditLog.Entry?
  /// Appends an entry; its sequence is the last one's plus one.
  func insertAuditEntry(_ entry: AuditLog.Entry) async throws
}

/// Reading the audit log.
public protocol AuditStore: Sendable {
  /// Entries in sequence order, starting after `sequence`, at most `limit`.
  func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditLog.Entry]
}
