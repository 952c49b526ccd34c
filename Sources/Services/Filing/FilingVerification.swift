import Foundation

/// The rows the store keeps beside an activity's versions, as stored, each written as one line
/// of text by the functions below, so that rows of either engine compare with what the latest
/// version says they must be.
public struct ActivityIndexRows: Sendable, Equatable {
  /// The activity row's `number`.
  public var number: String?
  public var districts: [String] = []
  public var parameters: [String] = []
  public var samplings: [String] = []
  public var instruments: [String] = []
  public var samples: [String] = []
  public var series: [String] = []

  public init(number: String?) {
    self.number = number
  }

  public static func district(_ code: String, number: String?) -> String { "\(code) \(number ?? "-")" }
  public static func parameter(_ parameter: String, number: String?) -> String { "\(parameter) \(number ?? "-")" }

  public static func sampling(
    creditCode: String, idNumber: String, startedAt: String, endedAt: String, latitude: Double, longitude: Double
  ) -> String {
    "\(creditCode) \(idNumber) \(startedAt) \(endedAt) \(latitude) \(longitude)"
  }

  public static func instrument(creditCode: String, instrumentID: String, startedAt: String, endedAt: String) -> String {
    "\(creditCode) \(instrumentID) \(startedAt) \(endedAt)"
  }

  public static func sample(creditCode: String, sampleID: String) -> String { "\(creditCode) \(sampleID)" }
}

/// Reads the verification of filed activities needs besides `FilingReads`.
public protocol FilingVerificationReads: FilingReads {
  /// The ids of activity rows after `after`, in id order.
  func activityIDs(after: String, limit: Int) async throws -> [String]
  /// What the store keeps beside activity `id`'s versions.
  func activityIndexRows(id: String) async throws -> ActivityIndexRows
  /// Activities with versions and no activity row, and (table, activity) pairs of index and
  /// facts rows whose activity has no row.
  func activityOrphans() async throws -> (unlisted: [String], stray: [(table: String, activityID: String)])
}

/// Each activity's current row, its district and parameter index, and the facts the off-site
/// checks look up, rebuilt from its covered versions and compared.
public enum FilingVerification {
  static let withdrawal = "cqmon.v1.FilingService/WithdrawActivity"

  public static func verify(_ store: some FilingVerificationReads) async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    // Row by row, not through the lists: a list joins each activity with its latest version
    // by number, and would pass over a row whose version was altered.
    var after = ""
    while true {
      let ids = try await store.activityIDs(after: after, limit: 500)
      for id in ids {
        if let row = try await store.activity(id: id) { mismatches += try await verify(row, in: store) }
      }
      guard ids.count == 500, let last = ids.last else { break }
      after = last
    }
    let orphans = try await store.activityOrphans()
    for id in orphans.unlisted {
      mismatches.append(AuditLog.RecordMismatch(
        table: "activity", key: id, auditSequence: 0, problem: "versions of this activity were filed and its row is no longer there: it was deleted"))
    }
    for (table, id) in orphans.stray {
      mismatches.append(AuditLog.RecordMismatch(
        table: table, key: id, auditSequence: 0, problem: "a row for an activity that has none: a row nobody filed"))
    }
    return mismatches
  }

  /// One activity against its versions.
  static func verify(_ row: ActivityRow, in store: some FilingVerificationReads) async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    func mismatch(_ table: String, _ problem: String, entry: Int64 = 0) {
      mismatches.append(AuditLog.RecordMismatch(table: table, key: row.id, auditSequence: entry, problem: problem))
    }
    let versions = try await store.activityVersions(id: row.id)
    guard let first = versions.first, let latest = versions.last else {
      mismatch("activity", "no version of it was filed: a row nobody filed")
      return mismatches
    }
    let content = Registry.decode(ActivityContent.self, latest.content) ?? ActivityContent()
    let withdrawn = latest.audit.method == withdrawal
    let code = Self.agency(of: first.versionBy)
    let span = Filing.span(content)
    let entry = latest.audit.sequence
    func column(_ name: String, _ matches: Bool, _ what: String) {
      if !matches { mismatch("activity", "its \(name) is not \(what): the row was altered", entry: entry) }
    }
    column("credit_code", row.creditCode == code, "the agency that filed its first version")
    column("status", row.status == (withdrawn ? .withdrawn : .filed), "what its latest version's entry made it")
    column("version", row.version == latest.version, "its latest version's number")
    column("filed_at", row.filedAt == first.versionAt, "the time of its first version")
    column("report_number", row.reportNumber == content.report?.reportNumber ?? "", "its latest version's report number")
    column("client_name", row.clientName == content.client?.name ?? "", "its latest version's client")
    column("sampled_from", row.sampledFrom == span.lowerBound, "the start of its latest version's sampling")
    column("sampled_until", row.sampledUntil == span.upperBound, "the end of its latest version's sampling")
    // The off-site checks' findings (source 3) count; an inspection's on the activity do not.
    let findings = try await store.findings(ofActivities: [row.id]).filter { $0.source == 3 && $0.sourceID == row.id }.count
    column("finding_count", row.findingCount == findings, "the number of findings its filings raised (\(findings))")

    let stored = try await store.activityIndexRows(id: row.id)
    let number = IDSequence.activity.number(of: row.id).map(String.init)
    column("number", stored.number == number, "the number in its id")
    let facts = withdrawn ? ActivityFacts() : ActivityFacts(content)
    func format(_ date: Date) -> String { Timestamps.format(date) }
    let expected: [(table: String, stored: [String], rows: [String])] = [
      ("activity_district", stored.districts, Set(content.districtCodes).map { ActivityIndexRows.district($0, number: number) }),
      ("activity_parameter", stored.parameters, Set(content.analyses.map(\.parameter)).map { ActivityIndexRows.parameter($0, number: number) }),
      ("activity_sampling", stored.samplings, facts.samplings.map {
        ActivityIndexRows.sampling(
          creditCode: code, idNumber: $0.idNumber, startedAt: format($0.startedAt), endedAt: format($0.endedAt),
          latitude: $0.location.latitude, longitude: $0.location.longitude)
      }),
      ("activity_instrument", stored.instruments, facts.instrumentUses.map {
        ActivityIndexRows.instrument(creditCode: code, instrumentID: $0.instrumentID, startedAt: format($0.startedAt), endedAt: format($0.endedAt))
      }),
      ("activity_sample", stored.samples, Set(facts.sampleIDs).map { ActivityIndexRows.sample(creditCode: code, sampleID: $0) }),
      ("activity_result_series", stored.series, Array(Set(facts.resultSeries))),
    ]
    for (table, have, want) in expected where have.sorted() != want.sorted() {
      let added = Self.difference(have, want).count, missing = Self.difference(want, have).count
      mismatch(table, "its rows are not what its latest version says: \(added) not in it, \(missing) of it missing", entry: entry)
    }
    return mismatches
  }

  /// The agency of a principal URI (`spiffe://cq-monitoring/agency/CODE`); empty for another.
  static func agency(of principal: String) -> String {
    guard let range = principal.range(of: "/agency/") else { return "" }
    return String(principal[range.upperBound...])
  }

  /// The lines of `a` not matched one for one in `b`.
  static func difference(_ a: [String], _ b: [String]) -> [String] {
    var remaining = Dictionary(b.map { ($0, 1) }, uniquingKeysWith: +)
    return a.filter { line in
      guard let count = remaining[line], count > 0 else { return true }
      remaining[line] = count - 1
      return false
    }
  }
}

/// The tables kept beside each activity's versions.
public enum ActivityIndexTables {
  public static let all = [
    "activity_district", "activity_parameter", "activity_sampling", "activity_instrument", "activity_sample", "activity_result_series",
  ]

  /// Index and facts rows whose activity has no row: (table, activity id), one statement on
  /// either engine.
  public static let strayRows = all.map { table in
    "SELECT DISTINCT '\(table)' AS tbl, activity_id FROM \(table) WHERE activity_id NOT IN (SELECT id FROM activity)"
  }.joined(separator: " UNION ") + " ORDER BY 1, 2"
}
