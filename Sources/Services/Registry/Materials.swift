/// The materials of an application to be listed (Art. 4(1)), as the domain sees them: plain
/// values, kept as the agency sent them (the validator reports what is wrong with them; nothing
/// is silently corrected except the documented normalisation of method standards).
public struct ApplicationMaterials: Codable, Sendable, Equatable {
  public var commitmentLetter: CommitmentLetter?
  public var licence: Licence?
  public var cmaCertificate: CmaCertificate?
  public var keyPersonnel: KeyPersonnel?
  public var staff: [StaffMember] = []
  public var equipment: [Equipment] = []
  public var otherDocuments: [DocumentRef] = []
  public var address: Address?
  public var legalNature: LegalNature = .unspecified

  public init() {}

  /// The ID numbers of everyone the materials name: the signer, the key personnel, the staff.
  public var namedPersons: Set<String> {
    var people = [commitmentLetter?.signer, keyPersonnel?.legalRepresentative, keyPersonnel?.topManager,
                  keyPersonnel?.technicalLead, keyPersonnel?.qualityLead].compactMap { $0 }
    people += keyPersonnel?.authorisedSignatories ?? []
    people += staff.compactMap(\.person)
    return Set(people.map(\.idNumber))
  }
}

public struct PersonRef: Codable, Sendable, Equatable {
  public var name: String
  public var idNumber: String

  public init(name: String, idNumber: String) {
    self.name = name
    self.idNumber = idNumber
  }
}

public struct DocumentRef: Codable, Sendable, Equatable {
  public var sha256: String
  public var title: String

  public init(sha256: String, title: String = "") {
    self.sha256 = sha256
    self.title = title
  }
}

public struct CommitmentLetter: Codable, Sendable, Equatable {
  public enum Capacity: Int, Codable, Sendable { case unspecified = 0, legalRepresentative = 1, authorisedPerson = 2 }
  public var signer: PersonRef?
  public var capacity: Capacity = .unspecified
  public var signedOn: CalendarDate?
  public var document: DocumentRef?
  public var authorisation: DocumentRef?

  public init() {}
}

public struct Licence: Codable, Sendable, Equatable {
  public enum Kind: Int, Codable, Sendable { case unspecified = 0, businessLicence = 1, publicInstitutionCertificate = 2 }
  public var kind: Kind = .unspecified
  public var creditCode: String = ""
  public var name: String = ""
  public var document: DocumentRef?

  public init() {}
}

public enum LegalNature: Int, Codable, Sendable { case unspecified = 0, enterprise = 1, publicInstitution = 2, other = 3 }

public struct Address: Codable, Sendable, Equatable {
  public var districtCode: String
  public var street: String

  public init(districtCode: String, street: String) {
    self.districtCode = districtCode
    self.street = street
  }
}

public struct CmaCertificate: Codable, Sendable, Equatable {
  public var number: String = ""
  public var issuedOn: CalendarDate?
  public var validUntil: CalendarDate?
  public var issuer: String = ""
  public var scope: [ScopeEntry] = []
  public var document: DocumentRef?

  public init() {}
}

public struct ScopeEntry: Codable, Sendable, Equatable {
  public var category: String
  public var parameter: String
  public var methodStandard: String
  public var limitation: String

  public init(category: String, parameter: String, methodStandard: String, limitation: String = "") {
    self.category = category
    self.parameter = parameter
    self.methodStandard = methodStandard
    self.limitation = limitation
  }
}

public struct KeyPersonnel: Codable, Sendable, Equatable {
  public var legalRepresentative: PersonRef?
  public var topManager: PersonRef?
  public var technicalLead: PersonRef?
  public var qualityLead: PersonRef?
  public var authorisedSignatories: [PersonRef] = []

  public init() {}
}

public struct StaffMember: Codable, Sendable, Equatable {
  public enum Role: Int, Codable, Sendable {
    case unspecified = 0, sampler, analyst, qualitySupervisor, signatory, manager, other
  }
  public var person: PersonRef?
  public var roles: [Role] = []
  public var qualifications: [String] = []
  public var employedSince: CalendarDate?

  public init() {}
}

public struct Equipment: Codable, Sendable, Equatable {
  public var equipmentId: String = ""
  public var name: String = ""
  public var model: String = ""
  public var serialNumber: String = ""
  public var calibrationValidUntil: CalendarDate?
  public var calibrationCertificate: DocumentRef?

  public init() {}
}
