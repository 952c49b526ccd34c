import Foundation
import PostgresNIO
import Services

// Supervision's reads: the same queries inside and outside a write transaction, with the
// meaning of SQLite's (the contract suite holds both to it).
extension PostgresAccess {
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
            (SELECT count(*) FROM record_index WHERE kind = 'complaint' AND credit_code = ? AND district_code = ?
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
            OR credit_code IN (SELECT credit_code FROM record_index WHERE kind = 'complaint' AND district_code = ?
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
          .with("SELECT credit_code FROM record_index WHERE kind = 'complaint' AND status = 'verified' AND day >= ?", [day])
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
  func insertSeed(commitmentID: String, seedHex: String) async throws {
    insert("INSERT INTO draw_seed (commitment_id, seed) VALUES (?, ?)", [commitmentID, seedHex])
  }

  func seed(commitmentID: String) async throws -> String? {
    try await one(.with("SELECT seed FROM draw_seed WHERE commitment_id = ?", [commitmentID])) { try $0.string("seed") }
  }

  func updateFinding(id: String, status: String, verified: Bool) async throws {
    try await execute(.with("UPDATE finding SET status = ?, verified = ? WHERE id = ?", [status, verified, id]))
  }
}
