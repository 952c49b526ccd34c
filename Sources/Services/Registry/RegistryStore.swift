import Foundation

/// What the registry reads, inside a write transaction or outside one. Each method is one
/// statement: lists are one query per page, filtered on indexed columns, in keyset order.
public protocol RegistryReads {
  func agency(_ creditCode: String) async throws -> AgencyRow?
  /// The newest version recorded at or before `asOf` (the newest of all when nil).
  func agencyVersion(_ creditCode: String, asOf: Date?) async throws -> AgencyVersionRow?
  /// Agencies by credit code, each with its current version, after `after` (a credit code).
  func agencies(_ filter: AgencyFilter, after: String?, limit: Int) async throws -> [AgencyListing]

  func certificate(serial: String) async throws -> CertificateRow?
  /// An agency's certificates, newest first, before the one with audit sequence `before`.
  func certificates(of creditCode: String, before: Int64?, limit: Int) async throws -> [CertificateRow]
  func revokedSerials() async throws -> [String]

  func application(id: String) async throws -> ApplicationRow?
  /// The id of the agency's pending application, if it has one.
  func pendingApplication(of creditCode: String) async throws -> String?
  /// Newest first (by id number), before number `before`.
  func applications(_ filter: ApplicationFilter, before: Int64?, limit: Int) async throws -> [ApplicationRow]

  func change(id: String) async throws -> ChangeRow?
  /// An agency's changes, newest first (by id number), before number `before`.
  func changes(_ filter: ChangeFilter, before: Int64?, limit: Int) async throws -> [ChangeRow]

  func findings(of creditCode: String) async throws -> [FindingRow]
  func removal(id: String) async throws -> RemovalRow?
  /// Every registry version of an agency, oldest first.
  func agencyVersions(of creditCode: String) async throws -> [AgencyVersionRow]
  /// Every row of the staff table, by agency then ID number (for the audit verification).
  func allAgencyStaff() async throws -> [(creditCode: String, idNumber: String)]
  /// The agencies some certificate was issued to (for the audit verification).
  func certifiedAgencies() async throws -> Set<String>
  /// The removal ids named by bans whose removal is not there (for the audit verification).
  func strayBans() async throws -> [String]
  /// An agency's removals, oldest first.
  func removals(of creditCode: String) async throws -> [RemovalRow]
  /// Bans on an agency or a person, latest ending first.
  func bans(on subject: BanRecord.Subject) async throws -> [BanRecord]
  func bans(ofRemoval removalID: String) async throws -> [BanRecord]

  /// Which of these document digests `owner` never uploaded (a filing cites only its filer's).
  func missingDocuments(_ digests: [String], owner: String) async throws -> Set<String>
}

/// A registry write: the reads, and the rows it adds or changes.
public protocol RegistryTransaction: RegistryReads, WriteTransaction {
  func insertAgency(_ row: AgencyRow) async throws
  func updateAgency(_ row: AgencyRow) async throws
  func insertAgencyVersion(_ row: AgencyVersionRow) async throws
  /// The people on a listed agency's current staff list (none: it has none, or is not listed).
  func replaceAgencyStaff(creditCode: String, idNumbers: [String]) async throws
  func insertCertificate(_ row: CertificateRow) async throws
  /// Marks a certificate revoked, keeping the first revocation's time and reason.
  func revokeCertificate(serial: String, at: Date, reason: String) async throws
  func insertApplication(_ row: ApplicationRow) async throws
  /// Records the decision on an application (its status, decision, reasons, reviewer).
  func updateApplication(_ row: ApplicationRow) async throws
  func insertChange(_ row: ChangeRow) async throws
  func insertFinding(_ row: FindingRow) async throws
  func insertRemoval(_ row: RemovalRow) async throws
  func insertBan(_ ban: BanRecord) async throws
}

/// The registry's storage.
public protocol RegistryStore: RegistryReads, AuditStore, IdempotencyReads {
  /// Runs `body` in one serialised write transaction: committed when it returns, rolled back
  /// when it throws.
  func writeRegistry<T: Sendable>(_ body: (any RegistryTransaction) async throws -> T) async throws -> T
}

// MARK: - Filters

public struct AgencyFilter: Sendable, Equatable {
  public var status: AgencyRecord.Status?
  /// Agencies whose current address is in this district; empty for any.
  public var districtCode: String
  /// Agencies whose name contains this text; empty for any.
  public var nameContains: String

  public init(status: AgencyRecord.Status? = nil, districtCode: String = "", nameContains: String = "") {
    self.status = status
    self.districtCode = districtCode
    self.nameContains = nameContains
  }
}

public struct ApplicationFilter: Sendable, Equatable {
  /// One agency's; empty for all.
  public var creditCode: String
  public var status: ApplicationRecord.Status?

  public init(creditCode: String = "", status: ApplicationRecord.Status? = nil) {
    self.creditCode = creditCode
    self.status = status
  }
}

public struct ChangeFilter: Sendable, Equatable {
  public var creditCode: String
  public var kind: ChangeKind?
  public var lateOnly: Bool

  public init(creditCode: String, kind: ChangeKind? = nil, lateOnly: Bool = false) {
    self.creditCode = creditCode
    self.kind = kind
    self.lateOnly = lateOnly
  }
}
