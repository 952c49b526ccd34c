import Foundation

extension Registry {
  /// An agency as it is, or as it was at `asOf`.
  public func agency(creditCode code: CreditCode, asOf: Date?, viewer: Viewer) async throws -> AgencyRecord {
    try viewer.requireRead(code)
    return try await agency(store, code: code, asOf: asOf)
  }

  /// One page of agencies in credit-code order: one query, filtered on indexed columns.
  public func agencies(status: AgencyRecord.Status?, districtCode: String, nameContains: String, page: PageRequest) async throws -> Page<AgencyRecord> {
    let filter = AgencyFilter(status: status, districtCode: districtCode, nameContains: nameContains)
    let rows = try await store.agencies(filter, after: page.after, limit: page.limit)
    return page.page(rows) { $0.agency.creditCode }.map { agency($0.agency, version: $0.current, asOf: nil) }
  }

  func agency(_ reads: some RegistryReads, code: CreditCode, asOf: Date?) async throws -> AgencyRecord {
    guard let agency = try await reads.agency(code.rawValue) else {
      throw ServiceError(.notFound, "no agency \(code)", reason: "AGENCY_NOT_FOUND")
    }
    let version = try await reads.agencyVersion(code.rawValue, asOf: asOf)
    if asOf != nil, version == nil {
      throw ServiceError(.notFound, "agency \(code) was not listed yet at that time", reason: "AGENCY_NOT_LISTED_THEN")
    }
    return self.agency(agency, version: version, asOf: asOf)
  }

  func agency(_ agency: AgencyRow, version: AgencyVersionRow?, asOf: Date?) -> AgencyRecord {
    AgencyRecord(
      creditCode: agency.creditCode, name: version?.name ?? agency.name, status: version?.status ?? agency.status,
      version: version?.version ?? 0, record: version.flatMap { records.materials(json: $0.record, sha256: $0.recordSHA256) },
      listedAt: agency.listedAt, versionSince: version?.since ?? agency.enrolledAt,
      removedAt: asOf == nil || version?.status == .removed ? agency.removedAt : nil)
  }

  /// The agency's current record: its newest version's materials, decoded once per version.
  func currentRecord(_ reads: some RegistryReads, of code: CreditCode) async throws -> ApplicationMaterials? {
    guard let version = try await reads.agencyVersion(code.rawValue, asOf: nil) else { return nil }
    return records.materials(json: version.record, sha256: version.recordSHA256)
  }

  /// Appends the agency's next registry version (earlier versions are never changed) and
  /// saves the agency with it: its version number and the district its filters use.
  func appendVersion(_ tx: some RegistryTransaction, agency: inout AgencyRow, record: ApplicationMaterials?, at instant: Date) async throws {
    let json = Self.json(record)
    agency.version += 1
    agency.districtCode = record?.address?.districtCode ?? agency.districtCode
    try await tx.insertAgencyVersion(AgencyVersionRow(
      creditCode: agency.creditCode, version: agency.version, since: instant, name: agency.name, status: agency.status,
      record: json, recordSHA256: Digest.sha256Hex(json)))
    try await tx.updateAgency(agency)
    // Who is on the staff of which listed agency, for the check across agencies (挂证).
    let staff = agency.status == .listed ? (record?.staff ?? []).compactMap { $0.person?.idNumber } : []
    try await tx.replaceAgencyStaff(creditCode: agency.creditCode, idNumbers: staff)
  }

  // MARK: - Changes (Art. 5)

  /// The record with a change applied: what the agency's next registry version holds.
  static func applying(_ value: ChangeValue, to record: ApplicationMaterials) -> ApplicationMaterials {
    var record = record
    switch value {
    case .name(let new): record.licence?.name = new
    case .address(let address): record.address = address
    case .legalNature(let nature): record.legalNature = nature
    case .keyPersonnel(let key): record.keyPersonnel = key
    case .accreditation(let certificate): record.cmaCertificate = certificate
    case .staff(let staff): record.staff = staff
    case .equipment(let equipment): record.equipment = equipment
    }
    return record
  }

  /// A listed agency files a change. Late ones (more than a calendar month after taking
  /// effect) are accepted, marked, and raise a finding under Art. 9(1)5.
  public func fileChange(
    creditCode code: CreditCode, effectiveOn: CalendarDate?, value: ChangeValue?, documents: [DocumentRef], note: String,
    context: WriteContext
  ) async throws -> ChangeRecord {
    var violations = Violations()
    let instant = now()
    let today = CalendarDate(chinaDayOf: instant)
    if effectiveOn == nil { violations.add("effective_on", "the day the change took effect is required", reason: "REQUIRED") }
    if let effectiveOn, effectiveOn > today { violations.add("effective_on", "the change cannot take effect in the future (\(effectiveOn))", reason: "DATE_IN_FUTURE") }
    guard let value else {
      violations.add("value", "the new value is required", reason: "REQUIRED")
      throw ServiceError.invalid(violations.all)
    }
    violations.length("note", note, max: 1000, what: "the note")
    // The new value is checked by the same rules as an application.
    var check = ApplicationValidator.Check(today: today, prefix: "value")
    switch value {
    case .name(let name):
      check.violations.required("value.name", name, what: "the new name")
      check.violations.length("value.name", name, max: 200, what: "the name")
    case .address(let address): check.address(address)
    case .legalNature(let nature):
      if nature == .unspecified { check.violations.add("value.legal_nature", "the new legal nature is required", reason: "REQUIRED") }
    case .keyPersonnel, .staff: break  // checked against the whole record below
    case .accreditation(let certificate): check.cma(certificate)
    case .equipment(let equipment): check.equipment(equipment)
    }
    for (index, document) in documents.enumerated() { check.document(document, at: "documents[\(index)]", required: true) }
    let problems = violations.all + check.violations.all
    if !problems.isEmpty { throw ServiceError.invalid(problems) }
    let effective = effectiveOn!
    let documentDigests = check.documents
    return try await store.writeRegistry { tx in try await tx.once(context) {
      guard var row = try await tx.agency(code.rawValue) else {
        throw ServiceError(.notFound, "no agency \(code)", reason: "AGENCY_NOT_FOUND")
      }
      guard row.status == .listed, var record = try await self.currentRecord(tx, of: code) else {
        throw ServiceError(.failedPrecondition, "agency \(code) is not listed (\(row.status.rawValue)); only a listed agency files changes", reason: "AGENCY_NOT_LISTED")
      }
      let before = Self.current(value.kind, in: record, name: row.name)
      var name = row.name
      if case .name(let new) = value { name = new }
      record = Self.applying(value, to: record)
      switch value {
      case .keyPersonnel, .staff: try self.recheckPeople(record)
      default: break
      }
      try await Self.requireDocuments(tx, documentDigests, owner: code)
      let dueOn = ChangeDeadline.dueOn(effectiveOn: effective)
      let late = ChangeDeadline.isLate(effectiveOn: effective, filedOn: today)
      let id = IDSequence.change.id(try await tx.nextNumber(in: .change))
      let after = Self.json(value)
      let entry = try await self.record(tx, context, recordSHA256: Digest.sha256Hex(after), at: instant)
      row.name = name
      try await self.appendVersion(tx, agency: &row, record: record, at: instant)
      try await tx.insertChange(ChangeRow(
        id: id, creditCode: code.rawValue, kind: value.kind, effectiveOn: effective, dueOn: dueOn, late: late, filedAt: instant,
        filedBy: context.actor, before: Self.json(before), after: after, documents: Self.json(documents), note: note,
        version: row.version, audit: entry))
      if late {
        try await tx.insertFinding(Self.lateChangeFinding(
          id: IDSequence.finding.id(try await tx.nextNumber(in: .finding)), change: id, of: code.rawValue, effectiveOn: effective, dueOn: dueOn,
          filedAt: instant))
      }
      return try await self.change(tx, id: id)
    } }
  }

  /// Art. 9(1)5: filing a change late is itself a finding; an off-site check raises it, open for
  /// an officer to confirm like every automatic finding. The verification builds it from the
  /// change with this function too.
  static func lateChangeFinding(
    id: String, change: String, of code: String, effectiveOn: CalendarDate, dueOn: CalendarDate, filedAt: Date
  ) -> FindingRow {
    FindingRow(
      id: id, creditCode: code, category: 5, source: 3, sourceID: change,
      description: "change \(change) (effective \(effectiveOn)) was filed on \(CalendarDate(chinaDayOf: filedAt)), after the Art. 5 deadline of \(dueOn)",
      raisedAt: filedAt, verified: false, rule: "LATE_CHANGE")
  }

  /// After a change of staff or key personnel, every key person must still be on the staff.
  private func recheckPeople(_ record: ApplicationMaterials) throws {
    var check = ApplicationValidator.Check(today: today(), prefix: "value")
    let staff = check.staff(record.staff)
    check.keyPersonnel(record.keyPersonnel, staff: staff)
    if !check.violations.all.isEmpty { throw ServiceError.invalid(check.violations.all) }
  }

  static func current(_ kind: ChangeKind, in record: ApplicationMaterials, name: String) -> ChangeValue {
    switch kind {
    case .name, .unspecified: .name(name)
    case .address: .address(record.address ?? Address(districtCode: "", street: ""))
    case .legalNature: .legalNature(record.legalNature)
    case .keyPersonnel: .keyPersonnel(record.keyPersonnel ?? KeyPersonnel())
    case .accreditation: .accreditation(record.cmaCertificate ?? CmaCertificate())
    case .staff: .staff(record.staff)
    case .equipment: .equipment(record.equipment)
    }
  }

  public func changes(creditCode code: CreditCode, kind: ChangeKind?, lateOnly: Bool, viewer: Viewer, page: PageRequest) async throws -> Page<ChangeRecord> {
    try viewer.requireRead(code)
    let rows = try await store.changes(ChangeFilter(creditCode: code.rawValue, kind: kind, lateOnly: lateOnly), before: try page.afterSequence(), limit: page.limit)
    return page.page(rows) { String(IDSequence.change.number(of: $0.id) ?? 0) }.map(Self.change)
  }

  func change(_ reads: some RegistryReads, id: String) async throws -> ChangeRecord {
    guard let row = try await reads.change(id: id) else {
      throw ServiceError(.notFound, "no change \(id)", reason: "CHANGE_NOT_FOUND")
    }
    return Self.change(row)
  }

  static func change(_ row: ChangeRow) -> ChangeRecord {
    ChangeRecord(
      id: row.id, creditCode: row.creditCode, kind: row.kind, effectiveOn: row.effectiveOn, dueOn: row.dueOn, late: row.late,
      filedAt: row.filedAt, filedBy: row.filedBy, before: decode(ChangeValue.self, row.before) ?? .name(""),
      after: decode(ChangeValue.self, row.after) ?? .name(""), documents: decode([DocumentRef].self, row.documents) ?? [],
      note: row.note, version: row.version, receipt: row.audit.receipt)
  }

  /// Findings the registry raised (late changes), for inspectors.
  public func findings(creditCode code: CreditCode) async throws -> [(id: String, category: Int, description: String, raisedAt: Date)] {
    try await store.findings(of: code.rawValue).map { (id: $0.id, category: $0.category, description: $0.description, raisedAt: $0.raisedAt) }
  }
}
