import Foundation
import PostgresNIO
import Services

// Supervision records: the same queries inside and outside a write transaction, with the
// meaning of SQLite's (the contract suite holds both to it).
extension PostgresAccess {
  public func supervisionRecord(id: String, version: Int?) async throws -> SupervisionRecordRow? {
    try await run { connection in
      if let version {
        return try await connection.one(
          .with("\(SupervisionRows.select) WHERE r.id = ? AND r.version = ?", [id, Int64(version)]), SupervisionRows.record)
      }
      return try await connection.one(
        .with("\(SupervisionRows.select) WHERE r.id = ? ORDER BY r.version DESC LIMIT 1", [id]), SupervisionRows.record)
    }
  }

  public func supervisionRecords(id: String) async throws -> [SupervisionRecordRow] {
    try await run { try await $0.all(.with("\(SupervisionRows.select) WHERE r.id = ? ORDER BY r.version", [id]), SupervisionRows.record) }
  }

  public func supervisionRecords(_ filter: SupervisionFilter, before: Int64?, limit: Int) async throws -> [SupervisionRecordRow] {
    var sql = SQL(
      """
      SELECT r.*, \(Rows.joinedAudit) FROM supervision_index i
      JOIN supervision_record r ON r.id = i.id AND r.version = i.version JOIN audit_log a ON a.sequence = r.audit_sequence
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
    return try await run { try await $0.all(query, SupervisionRows.record) }
  }

  public func supervisionIndex(id: String) async throws -> SupervisionIndex? {
    try await run {
      try await $0.one(.with("SELECT * FROM supervision_index WHERE id = ?", [id])) { c in
        SupervisionIndex(
          id: try c.string("id"), kind: SupervisionIndex.Kind(rawValue: try c.string("kind")) ?? .inspection, number: try c.int64("number"),
          version: try c.int("version"), creditCode: try c.string("credit_code"), districtCode: try c.string("district_code"),
          status: try c.string("status"), day: try c.string("day"), key: try c.string("key"))
      }
    }
  }

  public func supervisionID(kind: SupervisionIndex.Kind, key: String) async throws -> String? {
    try await run {
      try await $0.one(.with("SELECT id FROM supervision_index WHERE kind = ? AND key = ?", [kind.rawValue, key])) { try $0.string("id") }
    }
  }

  public func finding(id: String) async throws -> FindingRow? {
    try await run { try await $0.one(.with("SELECT * FROM finding WHERE id = ?", [id]), Rows.finding) }
  }

  public func presence(of creditCode: String, in districtCode: String, samplingSince: Date) async throws -> DistrictPresence {
    let since = Timestamps.format(samplingSince)
    return try await run { connection in
      try await connection.one(
        .with(
          """
          SELECT
            EXISTS (SELECT 1 FROM agency WHERE credit_code = ? AND district_code = ?) AS registered,
            (SELECT max(a.sampled_until) FROM activity a JOIN activity_district d ON d.activity_id = a.id
             WHERE a.credit_code = ? AND d.district_code = ? AND a.status = 'filed' AND a.sampled_until >= ?) AS last_sampling,
            (SELECT count(*) FROM supervision_index WHERE kind = 'complaint' AND credit_code = ? AND district_code = ?
             AND status IN ('received', 'open')) AS open_complaints,
            (SELECT count(*) FROM finding f WHERE f.credit_code = ? AND f.status = 'open'
             AND (f.district_code = ? OR f.activity_id IN (SELECT activity_id FROM activity_district WHERE district_code = ?))) AS open_findings
          """,
          [creditCode, districtCode, creditCode, districtCode, since, creditCode, districtCode, creditCode, districtCode, districtCode])
      ) { c in
        DistrictPresence(
          registered: try c.bool("registered"), lastSampling: try c.optionalInstant("last_sampling"),
          openComplaints: try c.int("open_complaints"), openFindings: try c.int("open_findings"))
      }!
    }
  }

  public func agenciesInScope(districtCode: String, samplingSince: Date) async throws -> [String] {
    if districtCode.isEmpty {
      return try await run {
        try await $0.all(SQL("SELECT credit_code FROM agency WHERE status = 'listed' ORDER BY credit_code")) { try $0.string("credit_code") }
      }
    }
    let since = Timestamps.format(samplingSince)
    return try await run {
      try await $0.all(
        .with(
          """
          SELECT credit_code FROM agency WHERE status = 'listed' AND (
            district_code = ?
            OR credit_code IN (SELECT a.credit_code FROM activity_district d JOIN activity a ON a.number = d.number
                               WHERE d.district_code = ? AND a.status = 'filed' AND a.sampled_until >= ?)
            OR credit_code IN (SELECT credit_code FROM supervision_index WHERE kind = 'complaint' AND district_code = ?
                               AND status IN ('received', 'open'))
            OR credit_code IN (SELECT credit_code FROM finding WHERE status = 'open' AND (district_code = ?
                               OR activity_id IN (SELECT activity_id FROM activity_district WHERE district_code = ?))))
          ORDER BY credit_code
          """, [districtCode, districtCode, since, districtCode, districtCode, districtCode])
      ) { try $0.string("credit_code") }
    }
  }

  public func agenciesWithVerifiedComplaints(since: Date) async throws -> Set<String> {
    let day = CalendarDate(chinaDayOf: since).description
    return Set(
      try await run {
        try await $0.all(
          .with("SELECT credit_code FROM supervision_index WHERE kind = 'complaint' AND status = 'verified' AND day >= ?", [day])
        ) { try $0.string("credit_code") }
      })
  }
}

extension PostgresStore: SupervisionStore {
  public func writeSupervision<T: Sendable>(_ body: (any SupervisionTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension PostgresTransaction: SupervisionTransaction {
  func insertSupervisionRecord(_ row: SupervisionRecordRow) async throws {
    try await connection.run(.with(
      "INSERT INTO supervision_record (id, version, content, recorded_at, recorded_by, audit_sequence) VALUES (?, ?, ?, ?, ?, ?)",
      [row.id, Int64(row.version), row.content, Timestamps.format(row.recordedAt), row.recordedBy, row.audit.sequence]))
  }

  func putSupervisionIndex(_ index: SupervisionIndex) async throws {
    try await connection.run(.with(
      """
      INSERT INTO supervision_index (id, kind, number, version, credit_code, district_code, status, day, key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, number = excluded.number, version = excluded.version,
        credit_code = excluded.credit_code, district_code = excluded.district_code, status = excluded.status, day = excluded.day,
        key = excluded.key
      """,
      [index.id, index.kind.rawValue, index.number, Int64(index.version), index.creditCode, index.districtCode, index.status, index.day, index.key]))
  }

  func insertSeed(commitmentID: String, seedHex: String) async throws {
    try await connection.run(.with("INSERT INTO draw_seed (commitment_id, seed) VALUES (?, ?)", [commitmentID, seedHex]))
  }

  func seed(commitmentID: String) async throws -> String? {
    try await connection.one(.with("SELECT seed FROM draw_seed WHERE commitment_id = ?", [commitmentID])) { try $0.string("seed") }
  }

  func updateFinding(id: String, status: String, verified: Bool) async throws {
    try await connection.run(.with("UPDATE finding SET status = ?, verified = ? WHERE id = ?", [status, verified, id]))
  }
}

enum SupervisionRows {
  static let select = "SELECT r.*, \(Rows.joinedAudit) FROM supervision_record r JOIN audit_log a ON a.sequence = r.audit_sequence"

  static func record(_ c: Columns) throws -> SupervisionRecordRow {
    SupervisionRecordRow(
      id: try c.string("id"), version: try c.int("version"), content: try c.string("content"), recordedAt: try c.instant("recorded_at"),
      recordedBy: try c.string("recorded_by"), audit: try Rows.audit(c))
  }
}
