import Foundation
import ProtoCodec
import Services

/// Conversions between the API's messages and the registry's domain values. Requests are read
/// leniently (a missing message is nil; the validator says what is required); dates that are
/// set but do not exist are field violations here, where the path is known.
struct RequestReader {
  var violations: [FieldViolation] = []

  mutating func date(_ date: Cqmon_V1_Date?, _ field: String) -> CalendarDate? {
    guard let date, date != Cqmon_V1_Date() else { return nil }
    guard let value = CalendarDate(year: Int(date.year), month: Int(date.month), day: Int(date.day)) else {
      violations.append(FieldViolation(field, "\(date.year)-\(date.month)-\(date.day) is not a real date", reason: "DATE_INVALID"))
      return nil
    }
    return value
  }

  func person(_ person: Cqmon_V1_Person?) -> PersonRef? {
    person.map { PersonRef(name: $0.name, idNumber: $0.idNumber) }
  }

  func document(_ document: Cqmon_V1_DocumentRef?) -> DocumentRef? {
    document.map { DocumentRef(sha256: $0.sha256, title: $0.title) }
  }

  mutating func materials(_ proto: Cqmon_V1_ApplicationMaterials?, _ prefix: String) -> ApplicationMaterials {
    var materials = ApplicationMaterials()
    guard let proto else { return materials }
    if let letter = proto.commitmentLetter {
      var domain = CommitmentLetter()
      domain.signer = person(letter.signer)
      domain.capacity = CommitmentLetter.Capacity(rawValue: Int(letter.capacity.rawValue)) ?? .unspecified
      domain.signedOn = date(letter.signedOn, prefix + ".commitment_letter.signed_on")
      domain.document = document(letter.document)
      domain.authorisation = document(letter.authorisation)
      materials.commitmentLetter = domain
    }
    if let licence = proto.licence {
      var domain = Licence()
      domain.kind = Licence.Kind(rawValue: Int(licence.kind.rawValue)) ?? .unspecified
      domain.creditCode = licence.creditCode
      domain.name = licence.name
      domain.document = document(licence.document)
      materials.licence = domain
    }
    materials.cmaCertificate = proto.cmaCertificate.map { cma($0, prefix + ".cma_certificate") }
    materials.keyPersonnel = proto.keyPersonnel.map(keyPersonnel)
    materials.staff = staff(proto.staff, prefix + ".staff")
    materials.equipment = equipment(proto.equipment, prefix + ".equipment")
    materials.otherDocuments = proto.otherDocuments.compactMap(document)
    materials.address = proto.address.map { Address(districtCode: $0.districtCode, street: $0.street) }
    materials.legalNature = LegalNature(rawValue: Int(proto.legalNature.rawValue)) ?? .unspecified
    return materials
  }

  mutating func cma(_ proto: Cqmon_V1_CmaCertificate, _ prefix: String) -> CmaCertificate {
    var domain = CmaCertificate()
    domain.number = proto.number
    domain.issuedOn = date(proto.issuedOn, prefix + ".issued_on")
    domain.validUntil = date(proto.validUntil, prefix + ".valid_until")
    domain.issuer = proto.issuer
    domain.scope = proto.scope.map {
      // Stored in one form: `HJ 828—2017` becomes `HJ 828-2017`.
      ScopeEntry(category: $0.category, parameter: $0.parameter, methodStandard: MethodStandard.normalised($0.methodStandard) ?? $0.methodStandard, limitation: $0.limitation)
    }
    domain.document = document(proto.document)
    return domain
  }

  func keyPersonnel(_ proto: Cqmon_V1_KeyPersonnel) -> KeyPersonnel {
    var domain = KeyPersonnel()
    domain.legalRepresentative = person(proto.legalRepresentative)
    domain.topManager = person(proto.topManager)
    domain.technicalLead = person(proto.technicalLead)
    domain.qualityLead = person(proto.qualityLead)
    domain.authorisedSignatories = proto.authorisedSignatories.compactMap(person)
    return domain
  }

  mutating func staff(_ proto: [Cqmon_V1_StaffMember], _ prefix: String) -> [StaffMember] {
    proto.enumerated().map { index, member in
      var domain = StaffMember()
      domain.person = person(member.person)
      domain.roles = member.roles.map { StaffMember.Role(rawValue: Int($0.rawValue)) ?? .unspecified }
      domain.qualifications = member.qualifications
      domain.employedSince = date(member.employedSince, "\(prefix)[\(index)].employed_since")
      return domain
    }
  }

  mutating func equipment(_ proto: [Cqmon_V1_Equipment], _ prefix: String) -> [Equipment] {
    proto.enumerated().map { index, item in
      var domain = Equipment()
      domain.equipmentId = item.equipmentId
      domain.name = item.name
      domain.model = item.model
      domain.serialNumber = item.serialNumber
      domain.calibrationValidUntil = date(item.calibrationValidUntil, "\(prefix)[\(index)].calibration_valid_until")
      domain.calibrationCertificate = document(item.calibrationCertificate)
      return domain
    }
  }

  mutating func changeValue(_ proto: Cqmon_V1_ChangeValue?, kind: Cqmon_V1_ChangeKind) throws -> ChangeValue? {
    guard let value = proto?.value else { return nil }
    let domain: ChangeValue
    switch value {
    case .name(let name): domain = .name(name)
    case .address(let address): domain = .address(Address(districtCode: address.districtCode, street: address.street))
    case .legalNature(let nature): domain = .legalNature(LegalNature(rawValue: Int(nature.rawValue)) ?? .unspecified)
    case .keyPersonnel(let key): domain = .keyPersonnel(keyPersonnel(key))
    case .cmaCertificate(let certificate): domain = .accreditation(cma(certificate, "value.cma_certificate"))
    case .staff(let list): domain = .staff(staff(list.staff, "value.staff.staff"))
    case .equipment(let list): domain = .equipment(equipment(list.equipment, "value.equipment.equipment"))
    }
    guard kind.rawValue == Int32(domainKind(domain).rawValue) else {
      throw ServiceError.field("value", "the value set (\(domainKind(domain))) does not match kind \(kind)", reason: "CHANGE_KIND_MISMATCH")
    }
    return domain
  }

  private func domainKind(_ value: ChangeValue) -> ChangeKind {
    switch value {
    case .name: .name
    case .address: .address
    case .legalNature: .legalNature
    case .keyPersonnel: .keyPersonnel
    case .accreditation: .accreditation
    case .staff: .staff
    case .equipment: .equipment
    }
  }

  /// Throws the violations collected so far, if any.
  func check() throws {
    if !violations.isEmpty { throw ServiceError.invalid(violations) }
  }
}

/// Domain values as API messages.
enum Reply {
  /// To the millisecond, as instants are stored: a client that prints the timestamp in RFC 3339
  /// with milliseconds gets the stored text back (receipt signatures cover it). Converting the
  /// `Date`'s fraction directly would give e.g. `.712999880` for a stored `.713`.
  static func timestamp(_ date: Date) -> Google_Protobuf_Timestamp {
    let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    return .with {
      $0.seconds = seconds
      $0.nanos = Int32(milliseconds - seconds * 1000) * 1_000_000
    }
  }

  static func date(_ date: CalendarDate?) -> Cqmon_V1_Date? {
    date.map { value in .with { $0.year = Int32(value.year); $0.month = Int32(value.month); $0.day = Int32(value.day) } }
  }

  /// The receipt as stored, with the signature made when it was written.
  static func receipt(_ receipt: Receipt) -> Cqmon_V1_Receipt {
    .with {
      $0.receiptId = receipt.id
      $0.receivedAt = timestamp(receipt.receivedAt)
      $0.requestSha256 = receipt.requestSHA256
      $0.recordSha256 = receipt.recordSHA256
      $0.auditSequence = receipt.auditSequence
      $0.auditHash = receipt.auditHash
      $0.signature = receipt.signature
      $0.signatureAlgorithm = receipt.signature.isEmpty ? "" : "ed25519"
      $0.leafIndex = receipt.leafIndex
      $0.keyId = receipt.keyID
    }
  }

  static func actor(_ uri: String) -> Cqmon_V1_Actor {
    .with {
      $0.principal = uri
      let kind = (try? Principal(uri: uri))?.kind
      $0.kind = switch kind {
      case .agency?: .agency
      case .cityOfficer?: .cityOfficer
      case .districtOfficer?: .districtOfficer
      case .partner?: .partner
      case nil: .unspecified
      }
    }
  }

  static func person(_ person: PersonRef?, reveal: Bool) -> Cqmon_V1_Person? {
    person.map { value in
      .with {
        $0.name = value.name
        $0.idNumber = reveal ? value.idNumber : ((try? ResidentID(validating: value.idNumber))?.masked ?? "")
      }
    }
  }

  static func document(_ document: DocumentRef?) -> Cqmon_V1_DocumentRef? {
    document.map { value in .with { $0.sha256 = value.sha256; $0.title = value.title } }
  }

  static func materials(_ materials: ApplicationMaterials, reveal: Bool) -> Cqmon_V1_ApplicationMaterials {
    .with { proto in
      proto.commitmentLetter = materials.commitmentLetter.map { letter in
        .with {
          $0.signer = person(letter.signer, reveal: reveal)
          $0.capacity = .init(rawValue: Int32(letter.capacity.rawValue))
          $0.signedOn = date(letter.signedOn)
          $0.document = document(letter.document)
          $0.authorisation = document(letter.authorisation)
        }
      }
      proto.licence = materials.licence.map { licence in
        .with {
          $0.kind = .init(rawValue: Int32(licence.kind.rawValue))
          $0.creditCode = licence.creditCode
          $0.name = licence.name
          $0.document = document(licence.document)
        }
      }
      proto.cmaCertificate = materials.cmaCertificate.map(cma)
      proto.keyPersonnel = materials.keyPersonnel.map { keyPersonnel($0, reveal: reveal) }
      proto.staff = staff(materials.staff, reveal: reveal)
      proto.equipment = equipment(materials.equipment)
      proto.otherDocuments = materials.otherDocuments.compactMap(document)
      proto.address = materials.address.map(address)
      proto.legalNature = .init(rawValue: Int32(materials.legalNature.rawValue))
    }
  }

  static func address(_ address: Address) -> Cqmon_V1_Address {
    .with { $0.districtCode = address.districtCode; $0.street = address.street }
  }

  static func cma(_ cma: CmaCertificate) -> Cqmon_V1_CmaCertificate {
    .with { proto in
      proto.number = cma.number
      proto.issuedOn = date(cma.issuedOn)
      proto.validUntil = date(cma.validUntil)
      proto.issuer = cma.issuer
      proto.scope = cma.scope.map { entry in
        .with { $0.category = entry.category; $0.parameter = entry.parameter; $0.methodStandard = entry.methodStandard; $0.limitation = entry.limitation }
      }
      proto.document = document(cma.document)
    }
  }

  static func keyPersonnel(_ key: KeyPersonnel, reveal: Bool) -> Cqmon_V1_KeyPersonnel {
    .with {
      $0.legalRepresentative = person(key.legalRepresentative, reveal: reveal)
      $0.topManager = person(key.topManager, reveal: reveal)
      $0.technicalLead = person(key.technicalLead, reveal: reveal)
      $0.qualityLead = person(key.qualityLead, reveal: reveal)
      $0.authorisedSignatories = key.authorisedSignatories.compactMap { person($0, reveal: reveal) }
    }
  }

  static func staff(_ staff: [StaffMember], reveal: Bool) -> [Cqmon_V1_StaffMember] {
    staff.map { member in
      .with {
        $0.person = person(member.person, reveal: reveal)
        $0.roles = member.roles.map { .init(rawValue: Int32($0.rawValue)) }
        $0.qualifications = member.qualifications
        $0.employedSince = date(member.employedSince)
      }
    }
  }

  static func equipment(_ equipment: [Equipment]) -> [Cqmon_V1_Equipment] {
    equipment.map { item in
      .with {
        $0.equipmentId = item.equipmentId
        $0.name = item.name
        $0.model = item.model
        $0.serialNumber = item.serialNumber
        $0.calibrationValidUntil = date(item.calibrationValidUntil)
        $0.calibrationCertificate = document(item.calibrationCertificate)
      }
    }
  }

  static func changeValue(_ value: ChangeValue, reveal: Bool) -> Cqmon_V1_ChangeValue {
    .with {
      switch value {
      case .name(let name): $0.value = .name(name)
      case .address(let address): $0.value = .address(Self.address(address))
      case .legalNature(let nature): $0.value = .legalNature(.init(rawValue: Int32(nature.rawValue)))
      case .keyPersonnel(let key): $0.value = .keyPersonnel(keyPersonnel(key, reveal: reveal))
      case .accreditation(let certificate): $0.value = .cmaCertificate(cma(certificate))
      case .staff(let list): $0.value = .staff(.with { $0.staff = staff(list, reveal: reveal) })
      case .equipment(let list): $0.value = .equipment(.with { $0.equipment = equipment(list) })
      }
    }
  }

  static func application(_ record: ApplicationRecord, reveal: Bool) -> Cqmon_V1_Application {
    .with { proto in
      proto.applicationId = record.id
      proto.creditCode = record.creditCode
      proto.status = switch record.status {
      case .pending: .pending
      case .approved: .approved
      case .rejected: .rejected
      case .returned: .returned
      }
      proto.materials = materials(record.materials, reveal: reveal)
      proto.submittedAt = timestamp(record.submittedAt)
      proto.submittedBy = actor(record.submittedBy)
      if let decision = record.decision {
        proto.review = .with {
          $0.decision = switch decision {
          case .approve: .approve
          case .reject: .reject
          case .returnForMore: .returnForMore
          }
          $0.reasons = record.reasons
          $0.reviewedBy = record.reviewedBy.map(actor)
          $0.reviewedAt = record.reviewedAt.map(timestamp)
        }
      }
      proto.receipt = receipt(record.receipt)
      proto.warnings = record.warnings
    }
  }

  static func agency(_ record: AgencyRecord, reveal: Bool) -> Cqmon_V1_Agency {
    .with { proto in
      proto.creditCode = record.creditCode
      proto.name = record.name
      proto.status = switch record.status {
      case .enrolled: .enrolled
      case .listed: .listed
      case .removed: .removed
      }
      proto.registryVersion = record.version
      proto.record = record.record.map { materials($0, reveal: reveal) }
      proto.listedAt = record.listedAt.map(timestamp)
      proto.versionSince = timestamp(record.versionSince)
      proto.removedAt = record.removedAt.map(timestamp)
    }
  }

  static func change(_ record: ChangeRecord, reveal: Bool) -> Cqmon_V1_Change {
    .with {
      $0.changeId = record.id
      $0.creditCode = record.creditCode
      $0.kind = .init(rawValue: Int32(record.kind.rawValue))
      $0.effectiveOn = date(record.effectiveOn)
      $0.filedAt = timestamp(record.filedAt)
      $0.dueOn = date(record.dueOn)
      $0.late = record.late
      $0.before = changeValue(record.before, reveal: reveal)
      $0.after = changeValue(record.after, reveal: reveal)
      $0.registryVersion = record.version
      $0.filedBy = actor(record.filedBy)
      $0.documents = record.documents.compactMap(document)
      $0.note = record.note
      $0.receipt = receipt(record.receipt)
    }
  }

  static func ban(_ ban: BanRecord, reveal: Bool) -> Cqmon_V1_Ban {
    .with {
      switch ban.subject {
      case .agency(let code): $0.subject = .creditCode(code)
      case .person(let id): $0.subject = .idNumber(reveal ? id : ((try? ResidentID(validating: id))?.masked ?? ""))
      }
      $0.personName = ban.personName
      $0.startsOn = date(ban.startsOn)
      $0.endsOn = date(ban.endsOn)
      $0.art16Case = .init(rawValue: Int32(ban.art16Case))
      $0.repeatOffence = ban.repeatOffence
      $0.removalId = ban.removalID
    }
  }

  static func certificate(_ certificate: IssuedCertificate) -> Cqmon_V1_IssuedCertificate {
    .with {
      $0.serial = certificate.serial
      $0.creditCode = certificate.creditCode
      $0.subject = certificate.subject
      $0.notBefore = timestamp(certificate.notBefore)
      $0.notAfter = timestamp(certificate.notAfter)
      $0.revokedAt = certificate.revokedAt.map(timestamp)
      $0.revocationReason = certificate.revocationReason ?? ""
      $0.sha256Fingerprint = certificate.sha256Fingerprint
    }
  }
}
