/// The checks of Art. 4(1) on an application's materials. Every failure is a field violation
/// with its path and rule; nothing stops at the first. Warnings (such as an unusual CMA number
/// layout) do not refuse the application.
public struct ApplicationValidator: Sendable {
  /// The day the application is checked on (China Standard Time).
  public let today: CalendarDate

  public init(today: CalendarDate) {
    self.today = today
  }

  public struct Result: Sendable {
    public let violations: [FieldViolation]
    public let warnings: [String]
    /// Every document the materials refer to, by path: each must exist in the document store.
    public let documents: [(field: String, sha256: String)]
    /// Every person named, for the Art. 20 ban check.
    public let persons: [(field: String, id: ResidentID)]
  }

  public func validate(_ materials: ApplicationMaterials, applicant: CreditCode, prefix: String = "materials") -> Result {
    var check = Check(today: today, prefix: prefix)
    check.commitmentLetter(materials.commitmentLetter, key: materials.keyPersonnel)
    check.licence(materials.licence, applicant: applicant)
    check.cma(materials.cmaCertificate)
    let staff = check.staff(materials.staff)
    check.keyPersonnel(materials.keyPersonnel, staff: staff)
    check.equipment(materials.equipment)
    check.address(materials.address)
    if materials.legalNature == .unspecified {
      check.violations.add(check.path("legal_nature"), "the legal nature is required (Art. 4(1)2)", reason: "REQUIRED")
    }
    for (index, document) in materials.otherDocuments.enumerated() {
      check.document(document, at: "other_documents[\(index)]", required: true)
    }
    return Result(
      violations: check.violations.all, warnings: check.violations.warnings, documents: check.documents,
      persons: check.persons)
  }

  /// The working state of one validation.
  struct Check {
    let today: CalendarDate
    let prefix: String
    var violations = Violations()
    var documents: [(field: String, sha256: String)] = []
    var persons: [(field: String, id: ResidentID)] = []

    func path(_ field: String) -> String { prefix.isEmpty ? field : prefix + "." + field }

    mutating func person(_ person: PersonRef?, at field: String, what: String) -> ResidentID? {
      guard let person else {
        violations.add(path(field), "\(what) is required", reason: "REQUIRED")
        return nil
      }
      violations.required(path(field + ".name"), person.name, what: "\(what)'s name")
      violations.length(path(field + ".name"), person.name, max: 100, what: "a name")
      do {
        let id = try ResidentID(validating: person.idNumber)
        persons.append((path(field + ".id_number"), id))
        return id
      } catch {
        violations.add(path(field + ".id_number"), "\(what): \(error)", reason: error.reason)
        return nil
      }
    }

    mutating func document(_ document: DocumentRef?, at field: String, required: Bool, what: String = "the document") {
      if let digest = violations.document(document, at: path(field), required: required, what: what) {
        documents.append((path(field + ".sha256"), digest))
      }
    }

    mutating func date(_ date: CalendarDate?, at field: String, what: String, notAfterToday: Bool = false) -> CalendarDate? {
      guard let date else {
        violations.add(path(field), "\(what) is required", reason: "REQUIRED")
        return nil
      }
      if notAfterToday, date > today {
        violations.add(path(field), "\(what) (\(date)) is in the future", reason: "DATE_IN_FUTURE")
      }
      return date
    }

    mutating func commitmentLetter(_ letter: CommitmentLetter?, key: KeyPersonnel?) {
      guard let letter else {
        violations.add(path("commitment_letter"), "the commitment letter is required (Art. 4(1)1)", reason: "REQUIRED")
        return
      }
      let signer = person(letter.signer, at: "commitment_letter.signer", what: "the signer of the commitment letter")
      _ = date(letter.signedOn, at: "commitment_letter.signed_on", what: "the day the letter was signed", notAfterToday: true)
      document(letter.document, at: "commitment_letter.document", required: true, what: "the signed letter")
      switch letter.capacity {
      case .unspecified:
        violations.add(path("commitment_letter.capacity"), "say whether the legal representative or an authorised person signed (Art. 4(1)1)", reason: "REQUIRED")
      case .legalRepresentative:
        if let signer, let representative = key?.legalRepresentative, let id = try? ResidentID(validating: representative.idNumber), id != signer {
          violations.add(path("commitment_letter.signer"), "the letter is signed as legal representative, but the legal representative in key_personnel is someone else (Art. 4(1)1)", reason: "SIGNER_NOT_LEGAL_REPRESENTATIVE")
        }
      case .authorisedPerson:
        document(letter.authorisation, at: "commitment_letter.authorisation", required: true, what: "the legal representative's written authorisation (Art. 4(1)1)")
      }
    }

    mutating func licence(_ licence: Licence?, applicant: CreditCode) {
      guard let licence else {
        violations.add(path("licence"), "the business licence or public-institution certificate is required (Art. 4(1)2)", reason: "REQUIRED")
        return
      }
      if licence.kind == .unspecified {
        violations.add(path("licence.kind"), "say which document the licence is (Art. 4(1)2)", reason: "REQUIRED")
      }
      do {
        let code = try CreditCode(validating: licence.creditCode)
        if code != applicant {
          violations.add(path("licence.credit_code"), "the licence's credit code \(code) is not the applicant's \(applicant)", reason: "CREDIT_CODE_MISMATCH")
        }
      } catch {
        violations.add(path("licence.credit_code"), "\(error)", reason: error.reason)
      }
      violations.required(path("licence.name"), licence.name, what: "the registered name")
      violations.length(path("licence.name"), licence.name, max: 200, what: "the registered name")
      document(licence.document, at: "licence.document", required: true, what: "the scanned licence")
    }

    mutating func cma(_ certificate: CmaCertificate?) {
      guard let certificate else {
        violations.add(path("cma_certificate"), "the CMA accreditation certificate is required (Art. 4(1)3)", reason: "REQUIRED")
        return
      }
      let number = certificate.number
      if number.count != 12 || !number.allSatisfy(\.isASCII) || !number.allSatisfy(\.isNumber) {
        violations.add(path("cma_certificate.number"), "a CMA certificate number is exactly 12 digits", reason: "CMA_NUMBER")
      } else {
        let issuer = number.dropFirst(2).prefix(2)
        if issuer != "22" && issuer != "00" {
          violations.warn("CMA certificate number \(number): digits 3-4 (\(issuer)) are usually 22 (Chongqing) or 00 (national)")
        }
      }
      let issued = date(certificate.issuedOn, at: "cma_certificate.issued_on", what: "the day of issue", notAfterToday: true)
      if let until = date(certificate.validUntil, at: "cma_certificate.valid_until", what: "the last day of validity") {
        if until < today {
          violations.add(path("cma_certificate.valid_until"), "the CMA certificate expired on \(until) (Art. 4(1)3)", reason: "CMA_EXPIRED")
        }
        if let issued, until < issued {
          violations.add(path("cma_certificate.valid_until"), "the certificate cannot end (\(until)) before it was issued (\(issued))", reason: "DATE_ORDER")
        }
      }
      violations.required(path("cma_certificate.issuer"), certificate.issuer, what: "the issuing authority")
      if certificate.scope.isEmpty {
        violations.add(path("cma_certificate.scope"), "the annex must list at least one parameter and method (Art. 4(1)3)", reason: "REQUIRED")
      }
      for (index, entry) in certificate.scope.enumerated() {
        let at = "cma_certificate.scope[\(index)]"
        violations.required(path(at + ".parameter"), entry.parameter, what: "the parameter")
        violations.required(path(at + ".category"), entry.category, what: "the category")
        if MethodStandard.normalised(entry.methodStandard) == nil {
          violations.add(path(at + ".method_standard"), "'\(entry.methodStandard)' is not a method standard citation such as HJ 565-2010 or GB/T 16157-1996", reason: "METHOD_STANDARD_FORMAT")
        }
      }
      document(certificate.document, at: "cma_certificate.document", required: true, what: "the scanned certificate and annex")
    }

    /// The staff's valid ID numbers with their roles.
    mutating func staff(_ staff: [StaffMember]) -> [ResidentID: [StaffMember.Role]] {
      if staff.isEmpty {
        violations.add(path("staff"), "the staff list is required (Art. 4(1)5)", reason: "REQUIRED")
      }
      var known: [ResidentID: [StaffMember.Role]] = [:]
      for (index, member) in staff.enumerated() {
        let at = "staff[\(index)]"
        if let id = person(member.person, at: at + ".person", what: "a member of staff") {
          if known[id] != nil {
            violations.add(path(at + ".person.id_number"), "this person is on the staff list twice", reason: "DUPLICATE")
          }
          known[id] = member.roles
        }
        if member.roles.isEmpty || member.roles.contains(.unspecified) {
          violations.add(path(at + ".roles"), "each member of staff has at least one role, none unspecified", reason: "REQUIRED")
        }
      }
      return known
    }

    mutating func keyPersonnel(_ key: KeyPersonnel?, staff: [ResidentID: [StaffMember.Role]]) {
      guard let key else {
        violations.add(path("key_personnel"), "the five key roles of Art. 4(1)4 are required", reason: "REQUIRED")
        return
      }
      let roles: [(String, PersonRef?, String)] = [
        ("legal_representative", key.legalRepresentative, "the legal representative"),
        ("top_manager", key.topManager, "the top manager"),
        ("technical_lead", key.technicalLead, "the technical lead"),
        ("quality_lead", key.qualityLead, "the quality lead"),
      ]
      var named: [(String, PersonRef?, String)] = roles
      if key.authorisedSignatories.isEmpty {
        violations.add(path("key_personnel.authorised_signatories"), "at least one authorised signatory is required (Art. 4(1)4)", reason: "REQUIRED")
      }
      for (index, signatory) in key.authorisedSignatories.enumerated() {
        named.append(("authorised_signatories[\(index)]", signatory, "an authorised signatory"))
      }
      for (field, person, what) in named {
        let at = "key_personnel." + field
        guard let id = self.person(person, at: at, what: what) else { continue }
        if !staff.isEmpty, staff[id] == nil {
          violations.add(path(at + ".id_number"), "\(what) must also be on the staff list (Art. 4(1)4, 4(1)5)", reason: "KEY_PERSON_NOT_ON_STAFF")
        }
      }
    }

    mutating func equipment(_ equipment: [Equipment]) {
      if equipment.isEmpty {
        violations.add(path("equipment"), "the equipment list is required (Art. 4(1)6)", reason: "REQUIRED")
      }
      var ids: Set<String> = []
      for (index, item) in equipment.enumerated() {
        let at = "equipment[\(index)]"
        violations.required(path(at + ".equipment_id"), item.equipmentId, what: "the equipment id")
        if !item.equipmentId.isEmpty, !ids.insert(item.equipmentId).inserted {
          violations.add(path(at + ".equipment_id"), "equipment id \(item.equipmentId) is used twice", reason: "DUPLICATE")
        }
        violations.required(path(at + ".name"), item.name, what: "what the instrument is")
        violations.required(path(at + ".model"), item.model, what: "the model")
        violations.required(path(at + ".serial_number"), item.serialNumber, what: "the serial number")
        if let until = date(item.calibrationValidUntil, at: at + ".calibration_valid_until", what: "the calibration validity"), until < today {
          violations.warn("equipment \(item.equipmentId): calibration lapsed on \(until); it may not be cited in analyses after that day")
        }
        document(item.calibrationCertificate, at: at + ".calibration_certificate", required: false)
      }
    }

    mutating func address(_ address: Address?) {
      guard let address else {
        violations.add(path("address"), "the registered address is required", reason: "REQUIRED")
        return
      }
      if District.named(address.districtCode) == nil {
        violations.add(path("address.district_code"), "'\(address.districtCode)' is not a Chongqing district or county code", reason: "DISTRICT_CODE")
      }
      violations.required(path("address.street"), address.street, what: "the street address")
      violations.length(path("address.street"), address.street, max: 300, what: "the street address")
    }
  }
}
