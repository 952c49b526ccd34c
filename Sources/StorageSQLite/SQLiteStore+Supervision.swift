import Foundation
import GRDB
import Services

// Supervision records: the same queries inside and outside a write transaction.
extension SQLiteAccess {
  public func supervisionRecord(id: String, version: Int?) async throws -> SupervisionRecordRow? {
    try await run { db in
      if let version {
        return try Row.fetchOne(cached: db, sql: "\(SupervisionRows.select) WHERE r.id = ? AND r.version = ?", arguments: [id, version])
          .map(SupervisionRows.record)
      }
      return try Row.fetchOne(cached: db, sql: "\(SupervisionRows.select) WHERE r.id = ? ORDER BY r.version DESC LIMIT 1", arguments: [id])
        .map(SupervisionRows.record)
    }
  }

  public func supervisionRecords(id: String) async throws -> [SupervisionRecordRow] {
    try await run { db in
      try Row.fetchAll(cached: db, sql: "\(SupervisionRows.select) WHERE r.id = ? ORDER BY r.version", arguments: [id]).map(SupervisionRows.record)
    }
  }

  /// One query on the index, its latest versions joined, newest first.
  public func supervisionRecords(_ filter: SupervisionFilter, before: Int64?, limit: Int) async throws -> [SupervisionRecordRow] {
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
      SELECT r.*, \(AuditLog.Entry.joined) FROM supervision_index i
      JOIN supervision_record r ON r.id = i.id AND r.version = i.version JOIN audit_log a ON a.sequence = r.audit_sequence
      WHERE \(conditions.joined(separator: " AND ")) ORDER BY i.number DESC LIMIT ?
      """
    let bound = arguments
    return try await run { db in try Row.fetchAll(db, sql: sql, arguments: bound).map(SupervisionRows.record) }
  }

  public func supervisionIndex(id: String) async throws -> SupervisionIndex? {
    try await run { db in
      try Row.fetchOne(cached: db, sql: "SELECT * FROM supervision_index WHERE id = ?", arguments: [id]).map { row in
        SupervisionIndex(
          id: row["id"], kind: SupervisionIndex.Kind(rawValue: row["kind"]) ?? .inspection, number: row["number"], version: row["version"],
          creditCode: row["credit_code"], districtCode: row["district_code"], status: row["status"], day: row["day"], key: row["key"])
      }
    }
  }

  public func supervisionID(kind: SupervisionIndex.Kind, key: String) async throws -> String? {
    try await run { db in
      try String.fetchOne(cached: db, sql: "SELECT id FROM supervision_index WHERE kind = ? AND key = ?", arguments: [kind.rawValue, key])
    }
  }

  public func finding(id: String) async throws -> FindingRow? {
    try await run { db in try FindingRow.fetchOne(cached: db, sql: "SELECT * FROM finding WHERE id = ?", arguments: [id]) }
  }

  public func presence(of creditCode: String, in districtCode: String, samplingSince: Date) async throws -> DistrictPresence {
    try await run { db in
      let row = try Row.fetchOne(
        cached: db,
        sql: """
          SELECT
            EXISTS (SELECT 1 FROM agency WHERE credit_code = ?1 AND district_code = ?2) AS registered,
            (SELECT max(a.sampled_until) FROM activity a JOIN activity_district d ON d.activity_id = a.id
             WHERE a.credit_code = ?1 AND d.district_code = ?2 AND a.status = 'filed' AND a.sampled_until >= ?3) AS last_sampling,
            (SELECT count(*) FROM supervision_index WHERE kind = 'complaint' AND credit_code = ?1 AND district_code = ?2
             AND status IN ('received', 'open')) AS open_complaints,
            (SELECT count(*) FROM finding f WHERE f.credit_code = ?1 AND f.status = 'open'
             AND (f.district_code = ?2 OR f.activity_id IN (SELECT activity_id FROM activity_district WHERE district_code = ?2))) AS open_findings
          """,
        arguments: [creditCode, districtCode, Timestamps.format(samplingSince)])!
      return DistrictPresence(
        registered: row["registered"], lastSampling: row.optionalInstant("last_sampling"), openComplaints: row["open_complaints"],
        openFindings: row["open_findings"])
    }
  }

  public func agenciesInScope(districtCode: String, samplingSince: Date) async throws -> [String] {
    try await run { db in
      if districtCode.isEmpty {
        return try String.fetchAll(cached: db, sql: "SELECT credit_code FROM agency WHERE status = 'listed' ORDER BY credit_code")
      }
      return try String.fetchAll(
        cached: db,
        sql: """
          SELECT credit_code FROM agency WHERE status = 'listed' AND (
            district_code = ?1
            OR credit_code IN (SELECT a.credit_code FROM activity_district d JOIN activity a ON a.number = d.number
                               WHERE d.district_code = ?1 AND a.status = 'filed' AND a.sampled_until >= ?2)
            OR credit_code IN (SELECT credit_code FROM supervision_index WHERE kind = 'complaint' AND district_code = ?1
                               AND status IN ('received', 'open'))
            OR credit_code IN (SELECT credit_code FROM finding WHERE status = 'open' AND (district_code = ?1
                               OR activity_id IN (SELECT activity_id FROM activity_district WHERE district_code = ?1))))
          ORDER BY credit_code
          """,
        arguments: [districtCode, Timestamps.format(samplingSince)])
    }
  }

  public func agenciesWithVerifiedComplaints(since: Date) async throws -> Set<String> {
    let day = CalendarDate(chinaDayOf: since).description
    return try await run { db in
      Set(
        try String.fetchAll(
          cached: db, sql: "SELECT credit_code FROM supervision_index WHERE kind = 'complaint' AND status = 'verified' AND day >= ?",
          arguments: [day]))
    }
  }
}

extension SQLiteStore: SupervisionStore {
  public func writeSupervision<T: Sendable>(_ body: (any SupervisionTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension SQLiteTransaction: SupervisionTransaction {
  func insertSupervisionRecord(_ row: SupervisionRecordRow) async throws {
    try await run { db in
      try db.executeCached(
        sql: "INSERT INTO supervision_record (id, version, content, recorded_at, recorded_by, audit_sequence) VALUES (?, ?, ?, ?, ?, ?)",
        arguments: [row.id, row.version, row.content, Timestamps.format(row.recordedAt), row.recordedBy, row.audit.sequence])
    }
  }

  func putSupervisionIndex(_ index: SupervisionIndex) async throws {
    try await run { db in
      try db.executeCached(
        sql: """
          INSERT INTO supervision_index (id, kind, number, version, credit_code, district_code, status, day, key)
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

  func insertSeed(commitmentID: String, seedHex: String) async throws {
    try await run { db in
      try db.executeCached(sql: "INSERT INTO draw_seed (commitment_id, seed) VALUES (?, ?)", arguments: [commitmentID, seedHex])
    }
  }

  func seed(commitmentID: String) async throws -> String? {
    try await run { db in try String.fetchOne(cached: db, sql: "SELECT seed FROM draw_seed WHERE commitment_id = ?", arguments: [commitmentID]) }
  }

  func updateFinding(id: String, status: String, verified: Bool) async throws {
    try await run { db in
      try db.executeCached(sql: "UPDATE finding SET status = ?, verified = ? WHERE id = ?", arguments: [status, verified, id])
    }
  }
}

enum SupervisionRows {
  static let select = "SELECT r.*, \(AuditLog.Entry.joined) FROM supervision_record r JOIN audit_log a ON a.sequence = r.audit_sequence"

  static func record(_ row: Row) -> SupervisionRecordRow {
    SupervisionRecordRow(
      id: row["id"], version: row["version"], content: row["content"], recordedAt: row.instant("recorded_at"), recordedBy: row["recorded_by"],
      audit: row.joinedAudit)
  }
}
