import Foundation
import GRDB
import Services

// Supervision's reads: the same queries inside and outside a write transaction.
extension SQLiteAccess {
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
            (SELECT count(*) FROM record_index WHERE kind = 'complaint' AND credit_code = ?1 AND district_code = ?2
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
            OR credit_code IN (SELECT credit_code FROM record_index WHERE kind = 'complaint' AND district_code = ?1
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
          cached: db, sql: "SELECT credit_code FROM record_index WHERE kind = 'complaint' AND status = 'verified' AND day >= ?",
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
