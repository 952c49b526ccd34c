import Foundation
import PostgresNIO
import Services

// Filed activities: the same queries inside and outside a write transaction, with the meaning
// of SQLite's (the contract suite holds both to it).
extension PostgresAccess {
  public func activity(id: String) async throws -> ActivityRow? {
    try await run { try await $0.one(.with("SELECT * FROM activity WHERE id = ?", [id]), FilingRows.activity) }
  }

  public func activityVersion(id: String, version: Int) async throws -> ActivityVersionRow? {
    try await run {
      try await $0.one(.with("\(FilingRows.versionSelect) WHERE v.activity_id = ? AND v.version = ?", [id, Int64(version)]), FilingRows.version)
    }
  }

  public func activityVersions(id: String) async throws -> [ActivityVersionRow] {
    try await run { try await $0.all(.with("\(FilingRows.versionSelect) WHERE v.activity_id = ? ORDER BY v.version", [id]), FilingRows.version) }
  }

  public func activities(_ filter: ActivityFilter, before: Int64?, limit: Int) async throws -> [ActivityListing] {
    var sql = SQL(
      """
      SELECT a.*, v.content, v.content_sha256, v.version_at, v.version_by, v.reason, \(FilingRows.audit(as: "al"))
      FROM activity a JOIN activity_version v ON v.activity_id = a.id AND v.version = a.version
      JOIN audit_log al ON al.sequence = v.audit_sequence WHERE true
      """)
    if let before { sql.add(" AND a.number < "); sql.bind(before) }
    if !filter.creditCode.isEmpty { sql.add(" AND a.credit_code = "); sql.bind(filter.creditCode) }
    if !filter.districtCode.isEmpty {
      sql.add(" AND a.number IN (SELECT number FROM activity_district WHERE district_code = ")
      sql.bind(filter.districtCode)
      sql.add(")")
    }
    if !filter.parameter.isEmpty {
      sql.add(" AND a.number IN (SELECT number FROM activity_parameter WHERE parameter = ")
      sql.bind(filter.parameter)
      sql.add(")")
    }
    if let from = filter.sampledFrom { sql.add(" AND a.sampled_until >= "); sql.bind(Timestamps.format(from)) }
    if let before = filter.sampledBefore { sql.add(" AND a.sampled_from < "); sql.bind(Timestamps.format(before)) }
    if !filter.clientName.isEmpty { sql.add(" AND a.client_name = "); sql.bind(filter.clientName) }
    if let status = filter.status { sql.add(" AND a.status = "); sql.bind(status.rawValue) }
    if let hasFindings = filter.hasFindings { sql.add(hasFindings ? " AND a.finding_count > 0" : " AND a.finding_count = 0") }
    sql.add(" ORDER BY a.number DESC LIMIT ")
    sql.bind(Int64(limit))
    let query = sql
    return try await run {
      try await $0.all(query) { ActivityListing(activity: try FilingRows.activity($0), latest: try FilingRows.latest($0)) }
    }
  }

  public func activityID(reportNumber: String, creditCode: String) async throws -> String? {
    try await run {
      try await $0.one(.with("SELECT id FROM activity WHERE credit_code = ? AND report_number = ?", [creditCode, reportNumber])) { try $0.string("id") }
    }
  }

  public func findings(ofActivities ids: [String]) async throws -> [FindingRow] {
    guard !ids.isEmpty else { return [] }
    return try await run {
      try await $0.all(.with("SELECT * FROM finding WHERE activity_id = ANY(?::text[]) ORDER BY raised_at, id", [ids]), Rows.finding)
    }
  }

  // The cross-activity lookups below probe their index once per key: `unnest` joined
  // laterally, `OFFSET 0` keeping the subquery from being merged into the join. With
  // `key = ANY(…)`, or the join merged, the planner was seen to read the agency's whole range
  // of the index and filter it by key when the table had grown faster than its statistics
  // (7 ms a filing at 17,000 samples, and growing with them).

  public func samplings(of idNumbers: [String], startedFrom from: Date, before: Date) async throws -> [OtherSampling] {
    guard !idNumbers.isEmpty else { return [] }
    return try await run {
      try await $0.all(.with(
        """
        SELECT s.* FROM unnest(?::text[]) AS k(id_number) CROSS JOIN LATERAL (
          SELECT * FROM activity_sampling WHERE id_number = k.id_number AND started_at >= ? AND started_at < ? OFFSET 0) s
        """,
        [idNumbers, Timestamps.format(from), Timestamps.format(before)])) { c in
        OtherSampling(
          activityID: try c.string("activity_id"), creditCode: try c.string("credit_code"),
          sampling: ActivityFacts.Sampling(
            idNumber: try c.string("id_number"), startedAt: try c.instant("started_at"), endedAt: try c.instant("ended_at"),
            location: GeoPoint(latitude: try c.double("latitude"), longitude: try c.double("longitude"))))
      }
    }
  }

  public func instrumentUses(creditCode: String, instrumentIDs: [String], overlapping from: Date, until: Date, endedBefore latest: Date) async throws
    -> [OtherInstrumentUse]
  {
    guard !instrumentIDs.isEmpty else { return [] }
    return try await run {
      try await $0.all(.with(
        """
        SELECT u.* FROM unnest(?::text[]) AS k(instrument_id) CROSS JOIN LATERAL (
          SELECT * FROM activity_instrument
          WHERE credit_code = ? AND instrument_id = k.instrument_id AND ended_at > ? AND ended_at < ? AND started_at < ? OFFSET 0) u
        """,
        [instrumentIDs, creditCode, Timestamps.format(from), Timestamps.format(latest), Timestamps.format(until)])) { c in
        OtherInstrumentUse(
          activityID: try c.string("activity_id"),
          use: ActivityFacts.InstrumentUse(instrumentID: try c.string("instrument_id"), startedAt: try c.instant("started_at"), endedAt: try c.instant("ended_at")))
      }
    }
  }

  public func sampleUses(creditCode: String, sampleIDs: [String]) async throws -> [(sampleID: String, activityID: String)] {
    guard !sampleIDs.isEmpty else { return [] }
    return try await run {
      try await $0.all(.with(
        """
        SELECT s.sample_id, s.activity_id FROM unnest(?::text[]) AS k(sample_id) CROSS JOIN LATERAL (
          SELECT sample_id, activity_id FROM activity_sample WHERE credit_code = ? AND sample_id = k.sample_id OFFSET 0) s
        """,
        [sampleIDs, creditCode])) {
        (sampleID: try $0.string("sample_id"), activityID: try $0.string("activity_id"))
      }
    }
  }

  public func resultSeriesUses(_ series: [String]) async throws -> [(series: String, activityID: String)] {
    guard !series.isEmpty else { return [] }
    return try await run {
      try await $0.all(.with("SELECT series, activity_id FROM activity_result_series WHERE series = ANY(?::text[])", [series])) {
        (series: try $0.string("series"), activityID: try $0.string("activity_id"))
      }
    }
  }
}

extension PostgresStore {
  public func writeFiling<T: Sendable>(_ body: (any FilingTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension PostgresTransaction: FilingTransaction {
  func insertActivity(_ row: ActivityRow, districts: [String], parameters: [String]) async throws {
    insert(
      """
      INSERT INTO activity (id, number, credit_code, status, version, filed_at, report_number, client_name, sampled_from,
                            sampled_until, finding_count)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [row.id, IDSequence.activity.number(of: row.id), row.creditCode, row.status.rawValue, Int64(row.version), Timestamps.format(row.filedAt),
       row.reportNumber, row.clientName, Timestamps.format(row.sampledFrom), Timestamps.format(row.sampledUntil), Int64(row.findingCount)])
    try await index(row, districts: districts, parameters: parameters)
  }

  func updateActivity(_ row: ActivityRow, districts: [String], parameters: [String]) async throws {
    try await execute(.with(
      """
      UPDATE activity SET status = ?, version = ?, report_number = ?, client_name = ?, sampled_from = ?, sampled_until = ?,
             finding_count = ? WHERE id = ?
      """,
      [row.status.rawValue, Int64(row.version), row.reportNumber, row.clientName, Timestamps.format(row.sampledFrom),
       Timestamps.format(row.sampledUntil), Int64(row.findingCount), row.id]))
    try await execute(.with("DELETE FROM activity_district WHERE activity_id = ?", [row.id]))
    try await execute(.with("DELETE FROM activity_parameter WHERE activity_id = ?", [row.id]))
    try await index(row, districts: districts, parameters: parameters)
  }

  func insertActivityVersion(_ row: ActivityVersionRow) async throws {
    insert(
      """
      INSERT INTO activity_version (activity_id, version, content, content_sha256, version_at, version_by, reason, audit_sequence)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [row.activityID, Int64(row.version), row.content, row.contentSHA256, Timestamps.format(row.versionAt), row.versionBy, row.reason,
       row.audit.sequence])
  }

  func replaceActivityFacts(activityID: String, creditCode: String, facts: ActivityFacts) async throws {
    for table in ["activity_sampling", "activity_instrument", "activity_sample", "activity_result_series"] {
      try await execute(.with("DELETE FROM \(table) WHERE activity_id = ?", [activityID]))
    }
    try await insertActivityFacts(activityID: activityID, creditCode: creditCode, facts: facts)
  }

  func insertActivityFacts(activityID: String, creditCode: String, facts: ActivityFacts) async throws {
    if !facts.samplings.isEmpty {
      insert(
        """
        INSERT INTO activity_sampling (activity_id, credit_code, id_number, started_at, ended_at, latitude, longitude)
        SELECT ?, ?, * FROM unnest(?::text[], ?::text[], ?::text[], ?::double precision[], ?::double precision[])
        """,
        [activityID, creditCode, facts.samplings.map(\.idNumber), facts.samplings.map { Timestamps.format($0.startedAt) },
         facts.samplings.map { Timestamps.format($0.endedAt) }, facts.samplings.map(\.location.latitude), facts.samplings.map(\.location.longitude)])
    }
    if !facts.instrumentUses.isEmpty {
      insert(
        """
        INSERT INTO activity_instrument (activity_id, credit_code, instrument_id, started_at, ended_at)
        SELECT ?, ?, * FROM unnest(?::text[], ?::text[], ?::text[])
        """,
        [activityID, creditCode, facts.instrumentUses.map(\.instrumentID), facts.instrumentUses.map { Timestamps.format($0.startedAt) },
         facts.instrumentUses.map { Timestamps.format($0.endedAt) }])
    }
    if !facts.sampleIDs.isEmpty {
      insert(
        "INSERT INTO activity_sample (credit_code, sample_id, activity_id) SELECT ?, s, ? FROM unnest(?::text[]) AS s",
        [creditCode, activityID, Set(facts.sampleIDs).sorted()])
    }
    if !facts.resultSeries.isEmpty {
      insert(
        "INSERT INTO activity_result_series (series, activity_id) SELECT s, ? FROM unnest(?::text[]) AS s",
        [activityID, Set(facts.resultSeries).sorted()])
    }
  }

  private func index(_ row: ActivityRow, districts: [String], parameters: [String]) async throws {
    let number = IDSequence.activity.number(of: row.id) ?? 0
    let districts = Set(districts).sorted(), parameters = Set(parameters).sorted()
    if !districts.isEmpty {
      insert(
        "INSERT INTO activity_district (district_code, number, activity_id) SELECT d, ?, ? FROM unnest(?::text[]) AS d",
        [number, row.id, districts])
    }
    if !parameters.isEmpty {
      insert(
        "INSERT INTO activity_parameter (parameter, number, activity_id) SELECT p, ?, ? FROM unnest(?::text[]) AS p",
        [number, row.id, parameters])
    }
  }
}

/// Activities' rows read from result columns.
enum FilingRows {
  /// A version with its receipt joined as `a_*`.
  static let versionSelect = "SELECT v.*, \(Rows.joinedAudit) FROM activity_version v JOIN audit_log a ON a.sequence = v.audit_sequence"

  /// The receipt's columns (`a_*`) from the audit log joined under another alias than `a`.
  static func audit(as alias: String) -> String {
    Rows.joinedAudit.replacingOccurrences(of: "a.", with: alias + ".")
  }

  static func activity(_ c: Columns) throws -> ActivityRow {
    ActivityRow(
      id: try c.string("id"), creditCode: try c.string("credit_code"),
      status: ActivityRow.Status(rawValue: try c.string("status")) ?? .filed, version: try c.int("version"),
      filedAt: try c.instant("filed_at"), reportNumber: try c.string("report_number"), clientName: try c.string("client_name"),
      sampledFrom: try c.instant("sampled_from"), sampledUntil: try c.instant("sampled_until"), findingCount: try c.int("finding_count"))
  }

  static func version(_ c: Columns) throws -> ActivityVersionRow { try version(c, activityColumn: "activity_id") }

  /// The latest version of a listing row (`a.*` with the version's columns).
  static func latest(_ c: Columns) throws -> ActivityVersionRow { try version(c, activityColumn: "id") }

  private static func version(_ c: Columns, activityColumn: String) throws -> ActivityVersionRow {
    ActivityVersionRow(
      activityID: try c.string(activityColumn), version: try c.int("version"), content: try c.string("content"),
      contentSHA256: try c.string("content_sha256"), versionAt: try c.instant("version_at"), versionBy: try c.string("version_by"),
      reason: try c.string("reason"), audit: try Rows.audit(c))
  }
}
