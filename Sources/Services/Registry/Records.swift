import Foundation

/// Proof of an accepted write (CROMERR-style): what arrived, when, and where it sits in the
/// audit chain.
public struct Receipt: Codable, Sendable, Equatable {
  public var id: String
  public var receivedAt: Date
  public var requestSHA256: String
  public var recordSHA256: String
  public var auditSequence: Int64
  public var auditHash: String
  /// The bureau key's Ed25519 signature over `signedBytes`, made when the write was committed.
  public var signature: [UInt8]
  /// The signing key, `NAME+HASH`.
  public var keyID: String

  public init(
    id: String, receivedAt: Date, requestSHA256: String, recordSHA256: String, auditSequence: Int64, auditHash: String,
    signature: [UInt8] = [], keyID: String = ""
  ) {
    self.id = id
    self.receivedAt = receivedAt
    self.requestSHA256 = requestSHA256
    self.recordSHA256 = recordSHA256
    self.auditSequence = auditSequence
    self.auditHash = auditHash
    self.signature = signature
    self.keyID = keyID
  }

  /// The write's leaf in the audit log's Merkle tree.
  public var leafIndex: Int64 { auditSequence - 1 }

  /// What is signed: `receipt_id|received_at|request_sha256|record_sha256|audit_sequence|audit_hash|leaf_index`,
  /// `received_at` in RFC 3339 (UTC, milliseconds) exactly as stored.
  public var signedBytes: [UInt8] {
    Array([
      id, Timestamps.format(receivedAt), requestSHA256, recordSHA256, String(auditSequence), auditHash, String(leafIndex),
    ].joined(separator: "|").utf8)
  }
}

/// Who is reading, for the ownership rules the policy table cannot express.
public enum Viewer: Sendable, Equatable {
  case cityOfficer
  case districtOfficer(district: String)
  case partner
  case agency(CreditCode)

  var isOfficer: Bool {
    switch self {
    case .cityOfficer, .districtOfficer: true
    case .partner, .agency: false
    }
  }

  /// Whose documents the viewer's uploads are: an agency's credit code, or a bureau office.
  public var documentOwner: String {
    switch self {
    case .agency(let code): code.rawValue
    case .cityOfficer: "bureau:city"
    case .districtOfficer(let district): "bureau:district:\(district)"
    case .partner: "partner"
    }
  }

  /// Whether the viewer may see the records of `agency`.
  func mayRead(_ agency: CreditCode) -> Bool {
    switch self {
    case .cityOfficer, .districtOfficer: true
    case .partner: false
    case .agency(let own): own == agency
    }
  }

  /// PERMISSION_DENIED unless the viewer may see the records of `agency`. Decided from the
  /// request alone, before looking anything up (AIP-211): an agency learns nothing of whether
  /// another agency's records exist.
  func requireRead(_ agency: CreditCode, field: String = "credit_code") throws(ServiceError) {
    guard !mayRead(agency) else { return }
    throw ServiceError(
      .permissionDenied, "you may read only your own agency's records, not \(agency)'s", reason: "NOT_YOUR_AGENCY",
      violations: [FieldViolation(field, "must be your own credit code", reason: "NOT_YOUR_AGENCY")])
  }
}

public struct IssuedCertificate: Codable, Sendable, Equatable {
  public var serial: String
  public var creditCode: String
  public var subject: String
  public var notBefore: Date
  public var notAfter: Date
  public var revokedAt: Date?
  public var revocationReason: String?
  public var sha256Fingerprint: String
}

public struct Enrolment: Codable, Sendable {
  public var certificate: IssuedCertificate
  public var certificatePEM: String
  public var caCertificatePEM: String
  public var receipt: Receipt
}

public struct ApplicationRecord: Codable, Sendable {
  public enum Status: String, Codable, Sendable { case pending, approved, rejected, returned }
  public enum Decision: String, Codable, Sendable { case approve, reject, returnForMore = "return" }

  public var id: String
  public var creditCode: String
  public var status: Status
  public var materials: ApplicationMaterials
  public var warnings: [String]
  public var submittedAt: Date
  public var submittedBy: String
  public var decision: Decision?
  public var reasons: [String]
  public var reviewedBy: String?
  public var reviewedAt: Date?
  public var receipt: Receipt
}

public struct AgencyRecord: Codable, Sendable {
  public enum Status: String, Codable, Sendable { case enrolled, listed, removed }

  public var creditCode: String
  public var name: String
  public var status: Status
  public var version: Int64
  public var record: ApplicationMaterials?
  public var listedAt: Date?
  public var versionSince: Date
  public var removedAt: Date?
}

public enum ChangeKind: Int, Sendable, Codable, CaseIterable {
  case unspecified = 0, name, address, legalNature, keyPersonnel, accreditation, staff, equipment
}

/// The value a change sets, matching its kind.
public enum ChangeValue: Sendable, Codable, Equatable {
  case name(String)
  case address(Address)
  case legalNature(LegalNature)
  case keyPersonnel(KeyPersonnel)
  case accreditation(CmaCertificate)
  case staff([StaffMember])
  case equipment([Equipment])

  var kind: ChangeKind {
    switch self {
    case .name: .name
    case .address: .address
    case .legalNature: .legalNature
    case .keyPersonnel: .keyPersonnel
    case .accreditation: .accreditation
    case .staff: .staff
    case .equipment: .equipment
    }
  }
}

public struct ChangeRecord: Codable, Sendable {
  public var id: String
  public var creditCode: String
  public var kind: ChangeKind
  public var effectiveOn: CalendarDate
  public var dueOn: CalendarDate
  public var late: Bool
  public var filedAt: Date
  public var filedBy: String
  public var before: ChangeValue
  public var after: ChangeValue
  public var documents: [DocumentRef]
  public var note: String
  public var version: Int64
  public var receipt: Receipt
}

public struct BanRecord: Codable, Sendable, Equatable {
  public enum Subject: Codable, Sendable, Equatable {
    case agency(String)
    case person(idNumber: String)
  }
  public var subject: Subject
  public var personName: String
  public var startsOn: CalendarDate
  public var endsOn: CalendarDate
  public var art16Case: Int
  public var repeatOffence: Bool
  public var removalID: String

  public init(
    subject: Subject, personName: String, startsOn: CalendarDate, endsOn: CalendarDate, art16Case: Int, repeatOffence: Bool,
    removalID: String
  ) {
    self.subject = subject
    self.personName = personName
    self.startsOn = startsOn
    self.endsOn = endsOn
    self.art16Case = art16Case
    self.repeatOffence = repeatOffence
    self.removalID = removalID
  }
}

public struct RemovalRecord: Codable, Sendable {
  public var id: String
  public var agency: AgencyRecord
  public var art16Case: Int
  public var decidedOn: CalendarDate
  public var description: String
  public var evidence: [DocumentRef]
  public var bans: [BanRecord]
  public var removalCount: Int
  public var receipt: Receipt
}

extension Viewer {
  /// Narrows a list's agency and district to what this viewer may see: an agency its own
  /// (naming another is PERMISSION_DENIED, NOT_YOUR_AGENCY), a district officer its district
  /// (NOT_YOUR_DISTRICT); the city and partners as asked.
  func narrow(creditCode: inout String, districtCode: inout String, listing what: String) throws(ServiceError) {
    switch self {
    case .agency(let own):
      if !creditCode.isEmpty, creditCode != own.rawValue {
        throw ServiceError(
          .permissionDenied, "an agency lists only its own \(what)", reason: "NOT_YOUR_AGENCY",
          violations: [FieldViolation("credit_code", "must be empty or your own credit code", reason: "NOT_YOUR_AGENCY")])
      }
      creditCode = own.rawValue
    case .districtOfficer(let district):
      if !districtCode.isEmpty, districtCode != district {
        throw ServiceError(
          .permissionDenied, "a district officer lists the \(what) of its own district (\(district))", reason: "NOT_YOUR_DISTRICT",
          violations: [FieldViolation("district_code", "must be empty or \(district)", reason: "NOT_YOUR_DISTRICT")])
      }
      districtCode = district
    case .cityOfficer, .partner:
      break
    }
  }
}
