import Services
import Testing

/// A complete, valid set of Art. 4(1) materials.
func validMaterials() -> ApplicationMaterials {
  let legal = PersonRef(name: "王强", idNumber: "360426199101010071")
  let technical = PersonRef(name: "李娜", idNumber: "120103198806018241")
  let quality = PersonRef(name: "张伟", idNumber: "11010519491231002X")
  let digest = String(repeating: "ab", count: 32)
  var materials = ApplicationMaterials()
  materials.commitmentLetter = {
    var letter = CommitmentLetter()
    letter.signer = legal
    letter.capacity = .legalRepresentative
    letter.signedOn = CalendarDate(year: 2026, month: 11, day: 20)
    letter.document = DocumentRef(sha256: digest)
    return letter
  }()
  materials.licence = {
    var licence = Licence()
    licence.kind = .businessLicence
    licence.creditCode = "91500000MA5U7BCX7A"
    licence.name = "重庆某某检测技术有限公司"
    licence.document = DocumentRef(sha256: digest)
    return licence
  }()
  materials.cmaCertificate = {
    var cma = CmaCertificate()
    cma.number = "222212340345"
    cma.issuedOn = CalendarDate(year: 2024, month: 5, day: 6)
    cma.validUntil = CalendarDate(year: 2030, month: 5, day: 5)
    cma.issuer = "重庆市市场监督管理局"
    cma.scope = [ScopeEntry(category: "水和废水", parameter: "化学需氧量", methodStandard: "HJ 828-2017")]
    cma.document = DocumentRef(sha256: digest)
    return cma
  }()
  materials.keyPersonnel = {
    var key = KeyPersonnel()
    key.legalRepresentative = legal
    key.topManager = legal
    key.technicalLead = technical
    key.qualityLead = quality
    key.authorisedSignatories = [technical]
    return key
  }()
  materials.staff = [legal, technical, quality].map { person in
    var member = StaffMember()
    member.person = person
    member.roles = [.manager, .analyst]
    return member
  }
  materials.equipment = [{
    var item = Equipment()
    item.equipmentId = "EQ-001"
    item.name = "气相色谱仪"
    item.model = "Agilent 8890"
    item.serialNumber = "CN2024001"
    item.calibrationValidUntil = CalendarDate(year: 2027, month: 6, day: 30)
    return item
  }()]
  materials.address = Address(districtCode: "500103", street: "解放碑街道民族路 188 号")
  materials.legalNature = .enterprise
  return materials
}

@Suite("Art. 4(1): checking an application's materials")
struct ApplicationValidatorTests {
  let validator = ApplicationValidator(today: CalendarDate(year: 2026, month: 11, day: 29)!)
  let applicant = try! CreditCode(validating: "91500000MA5U7BCX7A")

  private func fields(_ materials: ApplicationMaterials) -> [String: String] {
    Dictionary(validator.validate(materials, applicant: applicant).violations.map { ($0.field, $0.reason) }, uniquingKeysWith: { a, _ in a })
  }

  @Test("a complete application passes, listing its documents and persons")
  func valid() {
    let result = validator.validate(validMaterials(), applicant: applicant)
    #expect(result.violations.isEmpty, "\(result.violations)")
    #expect(result.documents.count == 3)
    #expect(result.persons.contains { $0.field == "materials.staff[2].person.id_number" })
    #expect(result.warnings.isEmpty)
  }

  @Test("each key person must be on the staff list, with a signatory")
  func keyPersonnel() {
    var materials = validMaterials()
    materials.staff.removeLast()
    materials.keyPersonnel?.authorisedSignatories = []
    let found = fields(materials)
    #expect(found["materials.key_personnel.quality_lead.id_number"] == "KEY_PERSON_NOT_ON_STAFF")
    #expect(found["materials.key_personnel.authorised_signatories"] == "REQUIRED")
  }

  @Test("bad ID numbers and credit codes are named by path")
  func identities() {
    var materials = validMaterials()
    materials.staff[1].person?.idNumber = "120103198806018242"
    materials.licence?.creditCode = "9111000060003734F1"
    let found = fields(materials)
    #expect(found["materials.staff[1].person.id_number"] == "ID_NUMBER_CHECK_CHARACTER")
    #expect(found["materials.licence.credit_code"] == "CREDIT_CODE_CHECK_CHARACTER")
    materials = validMaterials()
    materials.licence?.creditCode = "91110000600037341L"
    #expect(fields(materials)["materials.licence.credit_code"] == "CREDIT_CODE_MISMATCH")
  }

  @Test("the CMA certificate: 12 digits, not expired, method standards recognised")
  func cma() {
    var materials = validMaterials()
    materials.cmaCertificate?.number = "22221234034"
    materials.cmaCertificate?.validUntil = CalendarDate(year: 2026, month: 11, day: 28)
    materials.cmaCertificate?.scope.append(ScopeEntry(category: "空气", parameter: "二氧化硫", methodStandard: "HJ 57"))
    let found = fields(materials)
    #expect(found["materials.cma_certificate.number"] == "CMA_NUMBER")
    #expect(found["materials.cma_certificate.valid_until"] == "CMA_EXPIRED")
    #expect(found["materials.cma_certificate.scope[1].method_standard"] == "METHOD_STANDARD_FORMAT")
    materials = validMaterials()
    materials.cmaCertificate?.number = "151212340345"
    let result = validator.validate(materials, applicant: applicant)
    #expect(result.violations.isEmpty)
    #expect(result.warnings.count == 1, "an unusual issuer code is a warning only")
  }

  @Test("the commitment letter's signer is the legal representative or authorised")
  func commitmentLetter() {
    var materials = validMaterials()
    materials.commitmentLetter?.signer = PersonRef(name: "李娜", idNumber: "120103198806018241")
    #expect(fields(materials)["materials.commitment_letter.signer"] == "SIGNER_NOT_LEGAL_REPRESENTATIVE")
    materials.commitmentLetter?.capacity = .authorisedPerson
    #expect(fields(materials)["materials.commitment_letter.authorisation"] == "REQUIRED")
    materials.commitmentLetter?.authorisation = DocumentRef(sha256: String(repeating: "cd", count: 32))
    #expect(fields(materials).isEmpty)
  }

  @Test("missing materials are each reported, not just the first")
  func empty() {
    let found = fields(ApplicationMaterials())
    for field in ["commitment_letter", "licence", "cma_certificate", "key_personnel", "staff", "equipment", "address", "legal_nature"] {
      #expect(found["materials." + field] == "REQUIRED", "\(field)")
    }
  }

  @Test("equipment ids are unique; an unknown district is refused; digests are checked")
  func details() {
    var materials = validMaterials()
    materials.equipment.append(materials.equipment[0])
    materials.address?.districtCode = "500199"
    materials.licence?.document = DocumentRef(sha256: "ABC")
    let found = fields(materials)
    #expect(found["materials.equipment[1].equipment_id"] == "DUPLICATE")
    #expect(found["materials.address.district_code"] == "DISTRICT_CODE")
    #expect(found["materials.licence.document.sha256"] == "DOCUMENT_DIGEST")
  }
}
