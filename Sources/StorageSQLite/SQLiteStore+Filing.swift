import Foundation
import GRDB
import Services

// Filed activities: the same queries inside and outside a write transaction.
extension SQLiteAccess {
  public func activity(id: String) async throws -> ActivityRow? {
    try await run { db in try Row.fetchOne(cached: db, sql: "SELECT * FROM activity WHERE id = ?", arguments: [id]).map(FilingRows.activity) }
  }

  public func activityVersion(id: String, version: Int) async throws -> ActivityVersionRow? {
    try await run { db in
      try Row.fetchOne(
        cached: db, sql: "\(FilingRows.versionSelect) WHERE v.activity_id = ? AND v.version = ?", arguments: [id, version]
      ).map(FilingRows.version)
    }
  }

  public func activityVersions(id: String) async throws -> [ActivityVersionRow] {
    try await run { db in
      try Row.fetchAll(cached: db, sql: "\(FilingRows.versionSelect) WHERE v.activity_id = ? ORDER BY v.version", arguments: [id]).map(FilingRows.version)
    }
  }

  /// One query: the filters on indexed columns (districts and parameters through their index
  /// tables), newest first by number, the latest version and its receipt joined.
  public func activities(_ filter: ActivityFilter, before: Int64?, limit: Int) async throws -> [ActivityListing] {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if let before { conditions.append("a.number < ?"); arguments += [before] }
    if !filter.creditCode.isEmpty { conditions.append("a.credit_code = ?"); arguments += [filter.creditCode] }
    if !filter.districtCode.isEmpty {
      conditions.append("a.number IN (SELECT number FROM activity_district WHERE district_code = ?)")
      arguments += [filter.districtCode]
    }
    if !filter.parameter.isEmpty {
      conditions.append("a.number IN (SELECT number FROM activity_parameter WHERE parameter = ?)")
      arguments += [filter.parameter]
    }
    if let from = filter.sampledFrom { conditions.append("a.sampled_until >= ?"); arguments += [Timestamps.format(from)] }
    if let before = filter.sampledBefore { conditions.append("a.sampled_from < ?"); arguments += [Timestamps.format(before)] }
    if !filter.clientName.isEmpty { conditions.append("a.client_name = ?"); arguments += [filter.clientName] }
    if let status = filter.status { conditions.append("a.status = ?"); arguments += [status.rawValue] }
    if let hasFindings = filter.hasFindings { conditions.append(hasFindings ? "a.finding_count > 0" : "a.finding_count = 0") }
    let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    arguments += [limit]
    let sql = """
      SELECT a.*, v.content, v.content_sha256, v.version_at, v.version_by, v.reason, \(FilingRows.audit(as: "al"))
      FROM activity a JOIN activity_version v ON v.activity_id = a.id AND v.version = a.version
      JOIN audit_log al ON al.sequence = v.audit_sequence
      \(condition) ORDER BY a.number DESC LIMIT ?
      """
    let bound = arguments
    return try await run { db in
      try Row.fetchAll(db, sql: sql, arguments: bound).map { row in
        ActivityListing(activity: FilingRows.activity(row), latest: FilingRows.latest(row))
      }
    }
  }

  public func activityID(reportNumber: String, creditCode: String) async throws -> String? {
    try await run { db in
      try String.fetchOne(cached: db, sql: "SELECT id FROM activity WHERE credit_code = ? AND report_number = ?", arguments: [creditCode, reportNumber])
    }
  }

  public func findings(ofActivities ids: [String]) async throws -> [FindingRow] {
    guard !ids.isEmpty else { return [] }
    return try await run { db in
      try FindingRow.fetchAll(
        db, sql: "SELECT * FROM finding WHERE activity_id IN (\(Database.placeholders(ids.count))) ORDER BY raised_at, id",
        arguments: StatementArguments(ids))
    }
  }

  public func samplings(of idNumbers: [String], startedFrom from: Date, before: Date) async throws -> [OtherSampling] {
    guard !idNumbers.isEmpty else { return [] }
    return try await run { db in
      try Row.fetchAll(
        cached: db,
        sql: """
          SELECT activity_id, credit_code, id_number, started_at, ended_at, latitude, longitude FROM activity_sampling
          WHERE id_number IN (\(Database.placeholders(idNumbers.count))) AND started_at >= ? AND started_at < ?
          """,
        arguments: StatementArguments(idNumbers + [Timestamps.format(from), Timestamps.format(before)])
      ) { row in
        OtherSampling(
          activityID: row[0], creditCode: row[1],
          sampling: ActivityFacts.Sampling(
            idNumber: row[2], startedAt: row.instant(3), endedAt: row.instant(4), location: GeoPoint(latitude: row[5], longitude: row[6])))
      }
    }
  }

  public func instrumentUses(creditCode: String, instrumentIDs: [String], overlapping from: Date, until: Date, endedBefore latest: Date) async throws
    -> [OtherInstrumentUse]
  {
    guard !instrumentIDs.isEmpty else { return [] }
    return try await run { db in
      try Row.fetchAll(
        cached: db,
        sql: """
          SELECT activity_id, instrument_id, started_at, ended_at FROM activity_instrument
          WHERE credit_code = ? AND instrument_id IN (\(Database.placeholders(instrumentIDs.count))) AND ended_at > ? AND ended_at < ?
            AND started_at < ?
          """,
        arguments: StatementArguments(
          [creditCode] + instrumentIDs + [Timestamps.format(from), Timestamps.format(latest), Timestamps.format(until)])
      ) { row in
        OtherInstrumentUse(
          activityID: row[0], use: ActivityFacts.InstrumentUse(instrumentID: row[1], startedAt: row.instant(2), endedAt: row.instant(3)))
      }
    }
  }

  public func sampleUses(creditCode: String, sampleIDs: [String]) async throws -> [(sampleID: String, activityID: String)] {
    guard !sampleIDs.isEmpty else { return [] }
    return try await run { db in
      try Row.fetchAll(
        cached: db, sql: "SELECT sample_id, activity_id FROM activity_sample WHERE credit_code = ? AND sample_id IN (\(Database.placeholders(sampleIDs.count)))",
        arguments: StatementArguments([creditCode] + sampleIDs)
      ) { (sampleID: $0[0] as String, activityID: $0[1] as String) }
    }
  }

  public func resultSeriesUses(_ series: [String]) async throws -> [(series: String, activityID: String)] {
    guard !series.isEmpty else { return [] }
    return try await run { db in
      try Row.fetchAll(
        cached: db, sql: "SELECT series, activity_id FROM activity_result_series WHERE series IN (\(Database.placeholders(series.count)))",
        arguments: StatementArguments(series)
      ) { (series: $0[0] as String, activityID: $0[1] as String) }
    }
  }
}

extension SQLiteStore {
  public func writeFiling<T: Sendable>(_ body: (any FilingTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension SQLiteTransaction: FilingTransaction {
  func insertActivity(_ row: ActivityRow, districts: [String], parameters: [String]) async throws {
    try await run { db in
      try db.executeCached(
        sql: """
          INSERT INTO activity (id, number, credit_code, status, version, filed_at, report_number, client_name, sampled_from,
                                sampled_until, finding_count)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: FilingRows.arguments(row))
      try FilingRows.index(db, row, districts: districts, parameters: parameters)
    }
  }

  func updateActivity(_ row: ActivityRow, districts: [String], parameters: [String]) async throws {
    try await run { db in
      try db.executeCached(
        sql: """
          UPDATE activity SET status = ?, version = ?, report_number = ?, client_name = ?, sampled_from = ?, sampled_until = ?,
                 finding_count = ? WHERE id = ?
          """,
        arguments: [
          row.status.rawValue, row.version, row.reportNumber, row.clientName, Timestamps.format(row.sampledFrom),
          Timestamps.format(row.sampledUntil), row.findingCount, row.id,
        ])
      try db.executeCached(sql: "DELETE FROM activity_district WHERE activity_id = ?", arguments: [row.id])
      try db.executeCached(sql: "DELETE FROM activity_parameter WHERE activity_id = ?", arguments: [row.id])
      try FilingRows.index(db, row, districts: districts, parameters: parameters)
    }
  }

  func replaceActivityFacts(activityID: String, creditCode: String, facts: ActivityFacts) async throws {
    try await run { db in
      for table in ["activity_sampling", "activity_instrument", "activity_sample", "activity_result_series"] {
        try db.executeCached(sql: "DELETE FROM \(table) WHERE activity_id = ?", arguments: [activityID])
      }
    }
    try await insertActivityFacts(activityID: activityID, creditCode: creditCode, facts: facts)
  }

  func insertActivityFacts(activityID: String, creditCode: String, facts: ActivityFacts) async throws {
    try await run { db in
      let activity = SQLiteValue.text(activityID), agency = SQLiteValue.text(creditCode)
      func instant(_ date: Date) -> SQLiteValue { .text(Timestamps.format(date)) }
      try db.insert(
        into: "activity_sampling", columns: ["activity_id", "credit_code", "id_number", "started_at", "ended_at", "latitude", "longitude"],
        rows: facts.samplings.map { sampling in
          [
            activity, agency, .text(sampling.idNumber), instant(sampling.startedAt), instant(sampling.endedAt),
            .real(sampling.location.latitude), .real(sampling.location.longitude),
          ]
        })
      try db.insert(
        into: "activity_instrument", columns: ["activity_id", "credit_code", "instrument_id", "started_at", "ended_at"],
        rows: facts.instrumentUses.map { [activity, agency, .text($0.instrumentID), instant($0.startedAt), instant($0.endedAt)] })
      try db.insert(
        into: "activity_sample", columns: ["credit_code", "sample_id", "activity_id"],
        rows: Set(facts.sampleIDs).sorted().map { [agency, .text($0), activity] })
      try db.insert(
        into: "activity_result_series", columns: ["series", "activity_id"], rows: Set(facts.resultSeries).sorted().map { [.text($0), activity] })
    }
  }

  func insertActivityVersion(_ row: ActivityVersionRow) async throws {
    try await run { db in
      try db.executeCached(
        sql: """
          INSERT INTO activity_version (activity_id, version, content, content_sha256, version_at, version_by, reason, audit_sequence)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          row.activityID, row.version, row.content, row.contentSHA256, Timestamps.format(row.versionAt), row.versionBy, row.reason,
          row.audit.sequence,
        ])
    }
  }
}

/// Activities' rows read from result columns.
enum FilingRows {
  /// A version with its receipt joined as `a_*`.
  static let versionSelect = """
    SELECT v.*, \(AuditLog.Entry.joined) FROM activity_version v JOIN audit_log a ON a.sequence = v.audit_sequence
    """

  /// The receipt's columns (`a_*`) from the audit log joined under another alias than `a`.
  static func audit(as alias: String) -> String {
    AuditLog.Entry.joined.replacingOccurrences(of: "a.", with: alias + ".")
  }

  static func activity(_ row: Row) -> ActivityRow {
    ActivityRow(
      id: row["id"], creditCode: row["credit_code"], status: ActivityRow.Status(rawValue: row["status"]) ?? .filed, version: row["version"],
      filedAt: row.instant("filed_at"), reportNumber: row["report_number"], clientName: row["client_name"],
      sampledFrom: row.instant("sampled_from"), sampledUntil: row.instant("sampled_until"), findingCount: row["finding_count"])
  }

  static func version(_ row: Row) -> ActivityVersionRow { version(row, activityColumn: "activity_id") }

  /// The latest version of a listing row (`a.*` with the version's columns).
  static func latest(_ row: Row) -> ActivityVersionRow { version(row, activityColumn: "id") }

  private static func version(_ row: Row, activityColumn: String) -> ActivityVersionRow {
    ActivityVersionRow(
      activityID: row[activityColumn], version: row["version"], content: row["content"], contentSHA256: row["content_sha256"],
      versionAt: row.instant("version_at"), versionBy: row["version_by"], reason: row["reason"], audit: row.joinedAudit)
  }

  static func arguments(_ row: ActivityRow) -> StatementArguments {
    [
      row.id, IDSequence.activity.number(of: row.id), row.creditCode, row.status.rawValue, row.version, Timestamps.format(row.filedAt),
      row.reportNumber, row.clientName, Timestamps.format(row.sampledFrom), Timestamps.format(row.sampledUntil), row.findingCount,
    ]
  }

  static func index(_ db: Database, _ row: ActivityRow, districts: [String], parameters: [String]) throws {
    let number = IDSequence.activity.number(of: row.id).map(SQLiteValue.integer) ?? .null, activity = SQLiteValue.text(row.id)
    try db.insert(
      into: "activity_district", columns: ["district_code", "number", "activity_id"],
      rows: Set(districts).sorted().map { [.text($0), number, activity] })
    try db.insert(
      into: "activity_parameter", columns: ["parameter", "number", "activity_id"],
      rows: Set(parameters).sorted().map { [.text($0), number, activity] })
  }
}
