import Foundation

/// Reading supervision records (their versions through `RecordReads`).
public protocol SupervisionReads: RecordReads {
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
public protocol SupervisionTransaction: SupervisionReads, RecordTransaction, FilingReads, FindingReads, RegistryTransaction {
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

extension RecordKind {
  public static let inspector = RecordKind("inspector")
  public static let commitment = RecordKind("commitment")
  public static let plan = RecordKind("plan")
  public static let inspection = RecordKind("inspection")
  public static let complaint = RecordKind("complaint")
  public static let investigationCase = RecordKind("case")
}

extension IDSequence {
  public static let inspector = IDSequence(name: "inspector", prefix: "ipr")
  public static let commitment = IDSequence(name: "commitment", prefix: "seed")
  public static let plan = IDSequence(name: "plan", prefix: "plan")
  public static let inspection = IDSequence(name: "inspection", prefix: "insp")
  public static let complaint = IDSequence(name: "complaint", prefix: "cmp")
  public static let investigationCase = IDSequence(name: "case", prefix: "case")
}
