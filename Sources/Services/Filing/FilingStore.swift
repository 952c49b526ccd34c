import Foundation

/// A filed activity as the store keeps it: one row per activity (its current state, with the
/// columns lists filter on) and one per version (`ActivityVersionRow`), never updated.
public struct ActivityRow: Codable, Sendable, Equatable {
  public enum Status: String, Codable, Sendable { case filed, withdrawn }

  public var id: String
  public var creditCode: String
  public var status: Status
  /// The latest version.
  public var version: Int
  /// When version 1 arrived.
  public var filedAt: Date
  public var reportNumber: String
  public var clientName: String
  /// The span of its sampling (of its analyses, for laboratory-only work).
  public var sampledFrom: Date
  public var sampledUntil: Date
  /// Findings raised on it by the off-site checks, all versions.
  public var findingCount: Int

  public init(
    id: String, creditCode: String, status: Status, version: Int, filedAt: Date, reportNumber: String, clientName: String,
    sampledFrom: Date, sampledUntil: Date, findingCount: Int
  ) {
    self.id = id
    self.creditCode = creditCode
    self.status = status
    self.version = version
    self.filedAt = filedAt
    self.reportNumber = reportNumber
    self.clientName = clientName
    self.sampledFrom = sampledFrom
    self.sampledUntil = sampledUntil
    self.findingCount = findingCount
  }
}

/// One version of an activity, exactly as filed.
public struct ActivityVersionRow: Codable, Sendable, Equatable {
  public var activityID: String
  public var version: Int
  /// The content as the domain keeps it (JSON of `ActivityContent`); its SHA-256 is the audit
  /// entry's record digest.
  public var content: String
  /// SHA-256 (hex) of the content in canonical protobuf encoding, as the client can compute it.
  public var contentSHA256: String
  public var versionAt: Date
  public var versionBy: String
  /// Why this version (amendment, withdrawal); empty for version 1.
  public var reason: String
  public var audit: AuditLog.Entry

  public init(
    activityID: String, version: Int, content: String, contentSHA256: String, versionAt: Date, versionBy: String, reason: String,
    audit: AuditLog.Entry
  ) {
    self.activityID = activityID
    self.version = version
    self.content = content
    self.contentSHA256 = contentSHA256
    self.versionAt = versionAt
    self.versionBy = versionBy
    self.reason = reason
    self.audit = audit
  }
}

/// What a list of activities is narrowed to; each on an indexed column.
public struct ActivityFilter: Sendable, Equatable {
  public var creditCode = ""
  /// With a sampling event in this district.
  public var districtCode = ""
  /// Sampling overlapping [from, before).
  public var sampledFrom: Date?
  public var sampledBefore: Date?
  /// With an analysis of this parameter.
  public var parameter = ""
  /// For this client (its name exactly as filed).
  public var clientName = ""
  public var status: ActivityRow.Status?
  /// Only those with (true) or without (false) findings.
  public var hasFindings: Bool?

  public init() {}
}

/// An activity with its latest version.
public struct ActivityListing: Sendable, Equatable {
  public var activity: ActivityRow
  public var latest: ActivityVersionRow

  public init(activity: ActivityRow, latest: ActivityVersionRow) {
    self.activity = activity
    self.latest = latest
  }
}

/// What the checks across activities look up: the facts of the activities that stand, and the
/// staff lists of listed agencies. A filing reads them from the store in its transaction; the
/// verification from the filings replayed in the order of their entries (`FindingVerification`).
public protocol CrossCheckReads {
  /// Samplings by any of these people, by any agency, that began in [from, before).
  func samplings(of idNumbers: [String], startedFrom from: Date, before: Date) async throws -> [OtherSampling]
  /// Uses of any of these instruments of an agency that overlap [from, until) and ended before
  /// `latest` (the bound that keeps the read a short range of the index by end time).
  func instrumentUses(creditCode: String, instrumentIDs: [String], overlapping from: Date, until: Date, endedBefore latest: Date) async throws
    -> [OtherInstrumentUse]
  /// The agency's activities that used any of these sample ids: (sample id, activity id).
  func sampleUses(creditCode: String, sampleIDs: [String]) async throws -> [(sampleID: String, activityID: String)]
  /// Activities, of any agency, with any of these result series: (series, activity id).
  func resultSeriesUses(_ series: [String]) async throws -> [(series: String, activityID: String)]
  /// The listed agencies whose current staff lists name any of these people: (ID number, agency).
  func agenciesEmploying(_ idNumbers: [String]) async throws -> [(idNumber: String, creditCode: String)]
}

/// Reading filed activities.
public protocol FilingReads: CrossCheckReads {
  func activity(id: String) async throws -> ActivityRow?
  /// One version with its receipt; nil when there is none.
  func activityVersion(id: String, version: Int) async throws -> ActivityVersionRow?
  /// Every version, oldest first.
  func activityVersions(id: String) async throws -> [ActivityVersionRow]
  /// Activities newest first (by the number in their id), before `before`, at most `limit`.
  func activities(_ filter: ActivityFilter, before: Int64?, limit: Int) async throws -> [ActivityListing]
  /// The activity of the agency with this report number, if any.
  func activityID(reportNumber: String, creditCode: String) async throws -> String?
  /// Findings raised on these activities, oldest first (one query for a page of them).
  func findings(ofActivities ids: [String]) async throws -> [FindingRow]
}

/// A write transaction that files activities (registry reads included: listing, records, bans).
public protocol FilingTransaction: FilingReads, RegistryTransaction {
  /// A new activity, with the districts and parameters its lists filter on.
  func insertActivity(_ row: ActivityRow, districts: [String], parameters: [String]) async throws
  /// The activity's new state; its districts and parameters replaced.
  func updateActivity(_ row: ActivityRow, districts: [String], parameters: [String]) async throws
  func insertActivityVersion(_ row: ActivityVersionRow) async throws
  /// What the cross-activity checks look up of a new activity.
  func insertActivityFacts(activityID: String, creditCode: String, facts: ActivityFacts) async throws
  /// Replaces what the cross-activity checks look up of this activity (none: removes it).
  func replaceActivityFacts(activityID: String, creditCode: String, facts: ActivityFacts) async throws
}

public protocol FilingStore: FilingReads, RegistryStore {
  /// Runs `body` in one serialised write transaction (see `WriteTransaction`).
  func writeFiling<T: Sendable>(_ body: (any FilingTransaction) async throws -> T) async throws -> T
}

extension IDSequence {
  /// `act-000042`.
  public static let activity = IDSequence(name: "activity", prefix: "act")
}
