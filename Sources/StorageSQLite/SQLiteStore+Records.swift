import Foundation
import GRDB
import Services

// Records and their versions (supervision's, credit's): the same queries inside and outside a
// write transaction.
extension SQLiteAccess {
  public func recordVersion(id: String, version: Int?) async throws -> RecordVersion? {
    try await run { db in
      if let version {
        return try Row.fetchOne(cached: db, sql: "\(RecordRows.select) WHERE r.id = ? AND r.version = ?", arguments: [id, version])
          .map(RecordRows.record)
      }
      return try Row.fetchOne(cached: db, sql: "\(RecordRows.select) WHERE r.id = ? ORDER BY r.version DESC LIMIT 1", arguments: [id])
        .map(RecordRows.record)
    }
  }

  public func recordVersions(id: String) async throws -> [RecordVersion] {
    try await run { db in
      try Row.fetchAll(cached: db, sql: "\(RecordRows.select) WHERE r.id = ? ORDER BY r.version", arguments: [id]).map(RecordRows.record)
    }
  }

  /// One query on the index, its latest versions joined, newest first.
  public func recordVersions(_ filter: RecordFilter, before: Int64?, limit: Int) async throws -> [RecordVersion] {
    var conditions = ["i.kind = ?"]
    var arguments: StatementArguments = [filter.kind.rawValue]
    if let before { conditions.append("i.number < ?"); arguments += [before] }
    if !filter.creditCode.isEmpty { conditions.append("i.credit_code = ?"); arguments += [filter.creditCode] }
    if !filter.districtCode.isEmpty { conditions.append("i.district_code = ?"); arguments += [filter.districtCode] }
    if !filter.statuses.isEmpty {
      conditions.append("i.status IN (\(Database.placeholders(filter.statuses.count)))")
      for status in filter.statuses { arguments += [status] }
    }
    if let from = filter.dayFrom { conditions.append("i.day >= ?"); arguments += [from] }
    if let through = filter.dayThrough { conditions.append("i.day <= ?"); arguments += [through] }
    if let dayBefore = filter.dayBefore { conditions.append("i.day <> '' AND i.day < ?"); arguments += [dayBefore] }
    arguments += [limit]
    let sql = """
      SELECT r.*, \(AuditLog.Entry.joined) FROM record_index i
      JOIN record_version r ON r.id = i.id AND r.version = i.version JOIN audit_log a ON a.sequence = r.audit_sequence
      WHERE \(conditions.joined(separator: " AND ")) ORDER BY i.number DESC LIMIT ?
      """
    let bound = arguments
    return try await run { db in try Row.fetchAll(db, sql: sql, arguments: bound).map(RecordRows.record) }
  }

  public func recordIndex(id: String) async throws -> RecordIndex? {
    try await run { db in
      try Row.fetchOne(cached: db, sql: "SELECT * FROM record_index WHERE id = ?", arguments: [id]).map { row in
        RecordIndex(
          id: row["id"], kind: RecordKind(row["kind"]), number: row["number"], version: row["version"],
          creditCode: row["credit_code"], districtCode: row["district_code"], status: row["status"], day: row["day"], key: row["key"])
      }
    }
  }

  public func latestDay(kind: RecordKind, statuses: [String]) async throws -> String? {
    let condition = statuses.isEmpty ? "" : " AND status IN (\(Database.placeholders(statuses.count)))"
    return try await run { db in
      try String.fetchOne(
        db, sql: "SELECT max(day) FROM record_index WHERE kind = ?\(condition)", arguments: StatementArguments([kind.rawValue] + statuses))
    }
  }

  public func recordID(kind: RecordKind, key: String) async throws -> String? {
    try await run { db in
      try String.fetchOne(cached: db, sql: "SELECT id FROM record_index WHERE kind = ? AND key = ?", arguments: [kind.rawValue, key])
    }
  }
}

extension SQLiteTransaction: RecordTransaction {
  func insertRecordVersion(_ row: RecordVersion) async throws {
    try await run { db in
      try db.executeCached(
        sql: "INSERT INTO record_version (id, version, content, recorded_at, recorded_by, audit_sequence) VALUES (?, ?, ?, ?, ?, ?)",
        arguments: [row.id, row.version, row.content, Timestamps.format(row.recordedAt), row.recordedBy, row.audit.sequence])
    }
  }

  func putRecordIndex(_ index: RecordIndex) async throws {
    try await run { db in
      try db.executeCached(
        sql: """
          INSERT INTO record_index (id, kind, number, version, credit_code, district_code, status, day, key)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, number = excluded.number, version = excluded.version,
            credit_code = excluded.credit_code, district_code = excluded.district_code, status = excluded.status, day = excluded.day,
            key = excluded.key
          """,
        arguments: [
          index.id, index.kind.rawValue, index.number, index.version, index.creditCode, index.districtCode, index.status, index.day, index.key,
        ])
    }
  }
}

enum RecordRows {
  static let select = "SELECT r.*, \(AuditLog.Entry.joined) FROM record_version r JOIN audit_log a ON a.sequence = r.audit_sequence"

  static func record(_ row: Row) -> RecordVersion {
    RecordVersion(
      id: row["id"], version: row["version"], content: row["content"], recordedAt: row.instant("recorded_at"), recordedBy: row["recorded_by"],
      audit: row.joinedAudit)
  }
}
