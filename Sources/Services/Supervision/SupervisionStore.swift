import Foundation

/// One version of a supervision record (an inspector, a seed commitment, a plan, an
/// inspection, a complaint, a decision on a finding): the record's whole state after a write,
/// as JSON, never updated. Its SHA-256 is the write's audit entry's record digest, so the log
/// covers every version (`CoveredTable.supervisionRecord`).
public struct SupervisionRecordRow: Sendable, Equatable {
  /// `ipr-000001`, `seed-000001`, `plan-000001`, `insp-000001`, `cmp-000001`, `case-000001`,
  /// or a finding's id for the decisions on it.
  public var id: String
  public var version: Int
  public var content: String
  public var recordedAt: Date
  public var recordedBy: String
  public var audit: AuditLog.Entry

  public init(id: String, version: Int, content: String, recordedAt: Date, recordedBy: String, audit: AuditLog.Entry) {
    self.id = id
    self.version = version
    self.content = content
    self.recordedAt = recordedAt
    self.recordedBy = recordedBy
    self.audit = audit
  }
}

/// What lists of supervision records filter on, kept beside their versions: one row per
/// record, its current state.
public struct SupervisionIndex: Sendable, Equatable {
  public enum Kind: String, Sendable, CaseIterable {
    case inspector, commitment, plan, inspection, complaint, investigationCase = "case"
  }

  public var id: String
  public var kind: Kind
  /// The number in the id: lists go newest first by it.
  public var number: Int64
  /// The latest version.
  public var version: Int
  /// The agency concerned; empty for inspectors, commitments and plans.
  public var creditCode: String
  /// The district; empty for the city.
  public var districtCode: String
  /// A kind's own state: a complaint's status, a plan's `replaced`.
  public var status: String
  /// A day the lists filter on (`YYYY-MM-DD`): an inspection's day, a complaint's day to decide by.
  public var day: String
  /// A unique key of the kind: an inspector's badge number.
  public var key: String

  public init(
    id: String, kind: Kind, number: Int64, version: Int, creditCode: String = "", districtCode: String = "", status: String = "",
    day: String = "", key: String = ""
  ) {
    self.id = id
    self.kind = kind
    self.number = number
    self.version = version
    self.creditCode = creditCode
    self.districtCode = districtCode
    self.status = status
    self.day = day
    self.key = key
  }
}

/// What a list of supervision records is narrowed to.
public struct SupervisionFilter: Sendable, Equatable {
  public var kind: SupervisionIndex.Kind
  public var creditCode = ""
  public var districtCode = ""
  public var statuses: [String] = []
  /// `day` in [from, through], `YYYY-MM-DD`.
  public var dayFrom: String?
  public var dayThrough: String?
  /// `day` before this, for the statuses in `statuses` (the overdue list).
  public var dayBefore: String?

  public init(kind: SupervisionIndex.Kind) {
    self.kind = kind
  }
}

/// Reading supervision records.
public protocol SupervisionReads {
  /// A version of a record (the latest when `version` is nil), nil when there is none.
  func supervisionRecord(id: String, version: Int?) async throws -> SupervisionRecordRow?
  /// Every version of a record, oldest first.
  func supervisionRecords(id: String) async throws -> [SupervisionRecordRow]
  /// The latest versions of the records a filter selects, newest first, before `before`.
  func supervisionRecords(_ filter: SupervisionFilter, before: Int64?, limit: Int) async throws -> [SupervisionRecordRow]
  /// The index row of a record.
  func supervisionIndex(id: String) async throws -> SupervisionIndex?
  /// The record of a kind with this unique key (an inspector's badge number).
  func supervisionID(kind: SupervisionIndex.Kind, key: String) async throws -> String?
  /// A finding, nil when there is none.
  func finding(id: String) async throws -> FindingRow?
  /// What makes an agency's work in a district the district's to supervise (Art. 7).
  func presence(of creditCode: String, in districtCode: String, samplingSince: Date) async throws -> DistrictPresence
  /// Listed agencies that worked in a district (the same grounds as `presence`), or all listed
  /// agencies when `districtCode` is empty; sorted.
  func agenciesInScope(districtCode: String, samplingSince: Date) async throws -> [String]
  /// Agencies with a complaint verified at or after `since`.
  func agenciesWithVerifiedComplaints(since: Date) async throws -> Set<String>
}

/// An agency's ties to a district (Art. 7).
public struct DistrictPresence: Sendable, Equatable {
  public var registered: Bool
  /// The end of its latest filed sampling there since the bound asked for.
  public var lastSampling: Date?
  public var openComplaints: Int
  public var openFindings: Int

  public init(registered: Bool, lastSampling: Date?, openComplaints: Int, openFindings: Int) {
    self.registered = registered
    self.lastSampling = lastSampling
    self.openComplaints = openComplaints
    self.openFindings = openFindings
  }

  public var any: Bool { registered || lastSampling != nil || openComplaints > 0 || openFindings > 0 }
}

/// A write transaction of supervision (registry and filing reads included).
public protocol SupervisionTransaction: SupervisionReads, FilingReads, RegistryTransaction {
  func insertSupervisionRecord(_ row: SupervisionRecordRow) async throws
  /// Inserts or replaces the index row of a record.
  func putSupervisionIndex(_ index: SupervisionIndex) async throws
  /// A seed commitment's secret seed (hex), kept apart from its record until a plan reveals it.
  func insertSeed(commitmentID: String, seedHex: String) async throws
  func seed(commitmentID: String) async throws -> String?
  /// A finding's status after a decision.
  func updateFinding(id: String, status: String, verified: Bool) async throws
}

public protocol SupervisionStore: SupervisionReads, FilingReads, FindingReads, RegistryStore {
  /// Runs `body` in one serialised write transaction (see `WriteTransaction`).
  func writeSupervision<T: Sendable>(_ body: (any SupervisionTransaction) async throws -> T) async throws -> T
}

extension IDSequence {
  public static let inspector = IDSequence(name: "inspector", prefix: "ipr")
  public static let commitment = IDSequence(name: "commitment", prefix: "seed")
  public static let plan = IDSequence(name: "plan", prefix: "plan")
  public static let inspection = IDSequence(name: "inspection", prefix: "insp")
  public static let complaint = IDSequence(name: "complaint", prefix: "cmp")
  public static let investigationCase = IDSequence(name: "case", prefix: "case")
}
