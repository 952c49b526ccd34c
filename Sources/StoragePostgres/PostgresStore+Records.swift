import Foundation
import PostgresNIO
import Services

// Records and their versions (supervision's, credit's): the same queries inside and outside a
// write transaction, with the meaning of SQLite's.
extension PostgresAccess {
  public func recordVersion(id: String, version: Int?) async throws -> RecordVersion? {
    try await run { connection in
      if let version {
        return try await connection.one(
          .with("\(RecordRows.select) WHERE r.id = ? AND r.version = ?", [id, Int64(version)]), RecordRows.record)
      }
      return try await connection.one(
        .with("\(RecordRows.select) WHERE r.id = ? ORDER BY r.version DESC LIMIT 1", [id]), RecordRows.record)
    }
  }

  public func recordVersions(id: String) async throws -> [RecordVersion] {
    try await run { try await $0.all(.with("\(RecordRows.select) WHERE r.id = ? ORDER BY r.version", [id]), RecordRows.record) }
  }

  public func recordVersions(_ filter: RecordFilter, before: Int64?, limit: Int) async throws -> [RecordVersion] {
    var sql = SQL(
      """
      SELECT r.*, \(Rows.joinedAudit) FROM record_index i
      JOIN record_version r ON r.id = i.id AND r.version = i.version JOIN audit_log a ON a.sequence = r.audit_sequence
      WHERE i.kind = 
      """)
    sql.bind(filter.kind.rawValue)
    if let before { sql.add(" AND i.number < "); sql.bind(before) }
    if !filter.creditCode.isEmpty { sql.add(" AND i.credit_code = "); sql.bind(filter.creditCode) }
    if !filter.districtCode.isEmpty { sql.add(" AND i.district_code = "); sql.bind(filter.districtCode) }
    if !filter.statuses.isEmpty { sql.add(" AND i.status = ANY("); sql.bind(filter.statuses); sql.add("::text[])") }
    if let from = filter.dayFrom { sql.add(" AND i.day >= "); sql.bind(from) }
    if let through = filter.dayThrough { sql.add(" AND i.day <= "); sql.bind(through) }
    if let dayBefore = filter.dayBefore { sql.add(" AND i.day <> '' AND i.day < "); sql.bind(dayBefore) }
    sql.add(" ORDER BY i.number DESC LIMIT ")
    sql.bind(Int64(limit))
    let query = sql
    return try await run { try await $0.all(query, RecordRows.record) }
  }

  public func recordIndex(id: String) async throws -> RecordIndex? {
    try await run {
      try await $0.one(.with("SELECT * FROM record_index WHERE id = ?", [id])) { c in
        RecordIndex(
          id: try c.string("id"), kind: RecordKind(try c.string("kind")), number: try c.int64("number"),
          version: try c.int("version"), creditCode: try c.string("credit_code"), districtCode: try c.string("district_code"),
          status: try c.string("status"), day: try c.string("day"), key: try c.string("key"))
      }
    }
  }

  public func latestDay(kind: RecordKind, statuses: [String]) async throws -> String? {
    var sql = SQL("SELECT max(day) AS day FROM record_index WHERE kind = ")
    sql.bind(kind.rawValue)
    if !statuses.isEmpty { sql.add(" AND status = ANY("); sql.bind(statuses); sql.add("::text[])") }
    let query = sql
    return try await run { try await $0.one(query) { try $0.optionalString("day") } } ?? nil
  }

  public func recordID(kind: RecordKind, key: String) async throws -> String? {
    try await run {
      try await $0.one(.with("SELECT id FROM record_index WHERE kind = ? AND key = ?", [kind.rawValue, key])) { try $0.string("id") }
    }
  }
}

extension PostgresTransaction: RecordTransaction {
  func insertRecordVersion(_ row: RecordVersion) async throws {
    insert(
      "INSERT INTO record_version (id, version, content, recorded_at, recorded_by, audit_sequence) VALUES (?, ?, ?, ?, ?, ?)",
      [row.id, Int64(row.version), row.content, Timestamps.format(row.recordedAt), row.recordedBy, row.audit.sequence])
  }

  func putRecordIndex(_ index: RecordIndex) async throws {
    try await execute(.with(
      """
      INSERT INTO record_index (id, kind, number, version, credit_code, district_code, status, day, key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, number = excluded.number, version = excluded.version,
        credit_code = excluded.credit_code, district_code = excluded.district_code, status = excluded.status, day = excluded.day,
        key = excluded.key
      """,
      [index.id, index.kind.rawValue, index.number, Int64(index.version), index.creditCode, index.districtCode, index.status, index.day, index.key]))
  }
}

enum RecordRows {
  static let select = "SELECT r.*, \(Rows.joinedAudit) FROM record_version r JOIN audit_log a ON a.sequence = r.audit_sequence"

  static func record(_ c: Columns) throws -> RecordVersion {
    RecordVersion(
      id: try c.string("id"), version: try c.int("version"), content: try c.string("content"), recordedAt: try c.instant("recorded_at"),
      recordedBy: try c.string("recorded_by"), audit: try Rows.audit(c))
  }
}
