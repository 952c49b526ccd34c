import Foundation

// The registry's rows as stored. Structured values (materials, reasons, documents) are kept as
// the JSON the registry wrote, byte for byte: record digests are taken over that text.

/// An agency's registry entry as it is now.
public struct AgencyRow: Sendable, Equatable {
  public var creditCode: String
  public var name: String
  public var status: AgencyRecord.Status
  /// The district of its current address; empty before it is listed. Indexed, for filters.
  public var districtCode: String
  public var enrolledAt: Date
  public var listedAt: Date?
  public var removedAt: Date?
  public var removalCount: Int
  /// Its newest version; 0 before it is listed.
  public var version: Int64

  public init(
    creditCode: String, name: String, status: AgencyRecord.Status, districtCode: String = "", enrolledAt: Date,
    listedAt: Date? = nil, removedAt: Date? = nil, removalCount: Int = 0, version: Int64 = 0
  ) {
    self.creditCode = creditCode
    self.name = name
    self.status = status
    self.districtCode = districtCode
    self.enrolledAt = enrolledAt
    self.listedAt = listedAt
    self.removedAt = removedAt
    self.removalCount = removalCount
    self.version = version
  }
}

/// One registry version of an agency; never changed once written.
public struct AgencyVersionRow: Sendable, Equatable {
  public var creditCode: String
  public var version: Int64
  public var since: Date
  public var name: String
  public var status: AgencyRecord.Status
  /// The JSON of its `ApplicationMaterials`.
  public var record: String
  public var recordSHA256: String

  public init(creditCode: String, version: Int64, since: Date, name: String, status: AgencyRecord.Status, record: String, recordSHA256: String) {
    self.creditCode = creditCode
    self.version = version
    self.since = since
    self.name = name
    self.status = status
    self.record = record
    self.recordSHA256 = recordSHA256
  }
}

/// An agency with its current version, as a list returns it.
public struct AgencyListing: Sendable, Equatable {
  public var agency: AgencyRow
  public var current: AgencyVersionRow?

  public init(agency: AgencyRow, current: AgencyVersionRow?) {
    self.agency = agency
    self.current = current
  }
}

public struct CertificateRow: Sendable, Equatable {
  public var serial: String
  public var creditCode: String
  public var subject: String
  public var notBefore: Date
  public var notAfter: Date
  public var sha256Fingerprint: String
  public var issuedAt: Date
  public var revokedAt: Date?
  public var revocationReason: String?
  public var audit: AuditLog.Entry

  public init(
    serial: String, creditCode: String, subject: String, notBefore: Date, notAfter: Date, sha256Fingerprint: String,
    issuedAt: Date, revokedAt: Date? = nil, revocationReason: String? = nil, audit: AuditLog.Entry
  ) {
    self.serial = serial
    self.creditCode = creditCode
    self.subject = subject
    self.notBefore = notBefore
    self.notAfter = notAfter
    self.sha256Fingerprint = sha256Fingerprint
    self.issuedAt = issuedAt
    self.revokedAt = revokedAt
    self.revocationReason = revocationReason
    self.audit = audit
  }
}

public struct ApplicationRow: Sendable, Equatable {
  public var id: String
  public var creditCode: String
  public var status: ApplicationRecord.Status
  /// JSON of the `ApplicationMaterials`.
  public var materials: String
  /// JSON array of warnings.
  public var warnings: String
  public var submittedAt: Date
  public var submittedBy: String
  public var decision: ApplicationRecord.Decision?
  /// JSON array of reasons, once decided.
  public var reasons: String?
  public var reviewedBy: String?
  public var reviewedAt: Date?
  /// The submission's audit entry (its receipt).
  public var audit: AuditLog.Entry

  public init(
    id: String, creditCode: String, status: ApplicationRecord.Status, materials: String, warnings: String, submittedAt: Date,
    submittedBy: String, decision: ApplicationRecord.Decision? = nil, reasons: String? = nil, reviewedBy: String? = nil,
    reviewedAt: Date? = nil, audit: AuditLog.Entry
  ) {
    self.id = id
    self.creditCode = creditCode
    self.status = status
    self.materials = materials
    self.warnings = warnings
    self.submittedAt = submittedAt
    self.submittedBy = submittedBy
    self.decision = decision
    self.reasons = reasons
    self.reviewedBy = reviewedBy
    self.reviewedAt = reviewedAt
    self.audit = audit
  }
}

public struct ChangeRow: Sendable, Equatable {
  public var id: String
  public var creditCode: String
  public var kind: ChangeKind
  public var effectiveOn: CalendarDate
  public var dueOn: CalendarDate
  public var late: Bool
  public var filedAt: Date
  public var filedBy: String
  /// JSON of the `ChangeValue` before and after.
  public var before: String
  public var after: String
  /// JSON array of `DocumentRef`.
  public var documents: String
  public var note: String
  public var version: Int64
  public var audit: AuditLog.Entry

  public init(
    id: String, creditCode: String, kind: ChangeKind, effectiveOn: CalendarDate, dueOn: CalendarDate, late: Bool, filedAt: Date,
    filedBy: String, before: String, after: String, documents: String, note: String, version: Int64, audit: AuditLog.Entry
  ) {
    self.id = id
    self.creditCode = creditCode
    self.kind = kind
    self.effectiveOn = effectiveOn
    self.dueOn = dueOn
    self.late = late
    self.filedAt = filedAt
    self.filedBy = filedBy
    self.before = before
    self.after = after
    self.documents = documents
    self.note = note
    self.version = version
    self.audit = audit
  }
}

public struct FindingRow: Codable, Sendable, Equatable {
  public var id: String
  public var creditCode: String
  /// Art. 9(1) category.
  public var category: Int
  public var source: Int
  public var sourceID: String
  public var description: String
  public var raisedAt: Date
  public var verified: Bool
  /// The off-site check's rule id (`CMA_SCOPE`); empty for other sources.
  public var rule: String
  /// The activity and version it was raised on, if one.
  public var activityID: String?
  public var activityVersion: Int?
  /// JSON array of the fields involved (paths in the filed activity).
  public var fields: String
  /// `fields` read: the paths of the fields involved.
  public var fieldPaths: [String] { Registry.decode([String].self, fields) ?? [] }
  /// `open` until an officer confirms or dismisses it (the supervision issue).
  public var status: String
  /// The district it was raised in (an inspection's or a complaint's); empty for off-site checks.
  public var districtCode: String
  /// The investigation case a 9(2) finding opened; empty otherwise.
  public var caseID: String

  public init(
    id: String, creditCode: String, category: Int, source: Int, sourceID: String, description: String, raisedAt: Date, verified: Bool,
    rule: String = "", activityID: String? = nil, activityVersion: Int? = nil, fields: String = "[]", status: String = "open",
    districtCode: String = "", caseID: String = ""
  ) {
    self.id = id
    self.creditCode = creditCode
    self.category = category
    self.source = source
    self.sourceID = sourceID
    self.description = description
    self.raisedAt = raisedAt
    self.verified = verified
    self.rule = rule
    self.activityID = activityID
    self.activityVersion = activityVersion
    self.fields = fields
    self.status = status
    self.districtCode = districtCode
    self.caseID = caseID
  }
}

public struct RemovalRow: Sendable, Equatable {
  public var id: String
  public var creditCode: String
  public var art16Case: Int
  public var decidedOn: CalendarDate
  public var description: String
  /// JSON array of `DocumentRef`.
  public var evidence: String
  public var removalCount: Int
  public var removedAt: Date
  public var audit: AuditLog.Entry

  public init(
    id: String, creditCode: String, art16Case: Int, decidedOn: CalendarDate, description: String, evidence: String,
    removalCount: Int, removedAt: Date, audit: AuditLog.Entry
  ) {
    self.id = id
    self.creditCode = creditCode
    self.art16Case = art16Case
    self.decidedOn = decidedOn
    self.description = description
    self.evidence = evidence
    self.removalCount = removalCount
    self.removedAt = removedAt
    self.audit = audit
  }
}
