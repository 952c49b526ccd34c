import Foundation
import GRDB

extension Registry {
  /// An agency as it is, or as it was at `asOf`.
  public func agency(creditCode code: CreditCode, asOf: Date?, viewer: Viewer) async throws -> AgencyRecord {
    guard viewer.mayRead(code) else { throw ServiceError(.notFound, "no agency \(code)", reason: "AGENCY_NOT_FOUND") }
    return try await writer.read { try self.agency($0, code: code, asOf: asOf) }
  }

  public func agencies(status: AgencyRecord.Status?, districtCode: String, nameContains: String, page: PageRequest) async throws -> Page<AgencyRecord> {
    try await writer.read { db in
      let codes = try String.fetchAll(
        db, sql: "SELECT credit_code FROM agency WHERE (? IS NULL OR status = ?) AND (? = '' OR instr(name, ?) > 0) ORDER BY credit_code",
        arguments: [status?.rawValue, status?.rawValue, nameContains, nameContains])
      var matching = try codes.map { try self.agency(db, code: CreditCode(validating: $0), asOf: nil) }
      if !districtCode.isEmpty { matching = matching.filter { $0.record?.address?.districtCode == districtCode } }
      return page.page(Array(matching.dropFirst(page.offset).prefix(page.size + 1)))
    }
  }

  func agency(_ db: Database, code: CreditCode, asOf: Date?) throws -> AgencyRecord {
    guard let agency = try Row.fetchOne(db, sql: "SELECT * FROM agency WHERE credit_code = ?", arguments: [code.rawValue]) else {
      throw ServiceError(.notFound, "no agency \(code)", reason: "AGENCY_NOT_FOUND")
    }
    let bound = asOf.map(Timestamps.format)
    let version = try Row.fetchOne(
      db, sql: "SELECT * FROM agency_version WHERE credit_code = ? AND (? IS NULL OR since <= ?) ORDER BY version DESC LIMIT 1",
      arguments: [code.rawValue, bound, bound])
    if asOf != nil, version == nil {
      throw ServiceError(.notFound, "agency \(code) was not listed yet at that time", reason: "AGENCY_NOT_LISTED_THEN")
    }
    return AgencyRecord(
      creditCode: code.rawValue, name: version?["name"] ?? agency["name"],
      status: AgencyRecord.Status(rawValue: version?["status"] ?? agency["status"]) ?? .enrolled,
      version: version?["version"] ?? 0,
      record: (version?["record"] as String?).flatMap { Self.decode(ApplicationMaterials.self, $0) },
      listedAt: (agency["listed_at"] as String?).flatMap(Timestamps.parse),
      versionSince: Timestamps.parse(version?["since"] ?? agency["enrolled_at"]) ?? .distantPast,
      removedAt: asOf == nil || (version?["status"] as String?) == "removed" ? (agency["removed_at"] as String?).flatMap(Timestamps.parse) : nil)
  }

  /// Appends the next registry version; earlier versions are never changed.
  func appendVersion(_ db: Database, code: CreditCode, status: AgencyRecord.Status, name: String, record: ApplicationMaterials?, at instant: Date) throws {
    let version = (try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM agency_version WHERE credit_code = ?", arguments: [code.rawValue]) ?? 0) + 1
    let json = Self.json(record)
    try db.execute(
      sql: "INSERT INTO agency_version (credit_code, version, since, name, status, record, record_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
      arguments: [code.rawValue, version, Timestamps.format(instant), name, status.rawValue, json, Digest.sha256Hex(json)])
    try db.execute(sql: "UPDATE agency SET version = ? WHERE credit_code = ?", arguments: [version, code.rawValue])
  }

  // MARK: - Changes (Art. 5)

  /// A listed agency files a change. Late ones (more than a calendar month after taking
  /// effect) are accepted, marked, and raise a finding under Art. 9(1)5.
  public func fileChange(
    creditCode code: CreditCode, effectiveOn: CalendarDate?, value: ChangeValue?, documents: [DocumentRef], note: String,
    context: WriteContext
  ) async throws -> ChangeRecord {
    var violations = Violations()
    let today = today()
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
    let instant = now()
    let documentDigests = check.documents
    return try await writer.write { db in
      if let id = try self.replayed(db, context) { return try self.change(db, id: id) }
      let agency = try self.agency(db, code: code, asOf: nil)
      guard agency.status == .listed, var record = agency.record else {
        throw ServiceError(.failedPrecondition, "agency \(code) is not listed (\(agency.status.rawValue)); only a listed agency files changes", reason: "AGENCY_NOT_LISTED")
      }
      let before = Self.current(value.kind, in: record, name: agency.name)
      var name = agency.name
      switch value {
      case .name(let new): name = new; record.licence?.name = new
      case .address(let address): record.address = address
      case .legalNature(let nature): record.legalNature = nature
      case .keyPersonnel(let key): record.keyPersonnel = key
      case .accreditation(let certificate): record.cmaCertificate = certificate
      case .staff(let staff): record.staff = staff
      case .equipment(let equipment): record.equipment = equipment
      }
      switch value {
      case .keyPersonnel, .staff: try self.recheckPeople(record)
      default: break
      }
      try self.requireDocuments(db, documentDigests)
      let dueOn = ChangeDeadline.dueOn(effectiveOn: effective)
      let late = ChangeDeadline.isLate(effectiveOn: effective, filedOn: today)
      let id = try Self.nextID(db, prefix: "chg", table: "change")
      let after = Self.json(value)
      let receipt = try self.record(db, context, resultID: id, recordSHA256: Digest.sha256Hex(after), at: instant)
      try self.appendVersion(db, code: code, status: .listed, name: name, record: record, at: instant)
      try db.execute(sql: "UPDATE agency SET name = ? WHERE credit_code = ?", arguments: [name, code.rawValue])
      let version = try Int64.fetchOne(db, sql: "SELECT version FROM agency WHERE credit_code = ?", arguments: [code.rawValue]) ?? 0
      try db.execute(
        sql: """
          INSERT INTO change (id, credit_code, kind, effective_on, due_on, late, filed_at, filed_by, before, after, documents, note, version, audit_sequence)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          id, code.rawValue, value.kind.rawValue, effective.description, dueOn.description, late, Timestamps.format(instant),
          context.actor, Self.json(before), after, Self.json(documents), note, version, receipt.auditSequence,
        ])
      if late {
        // Art. 9(1)5: filing a change late is itself a finding; an off-site check raises it.
        try db.execute(
          sql: "INSERT INTO finding (id, credit_code, category, source, source_id, description, raised_at, verified) VALUES (?, ?, 5, 3, ?, ?, ?, 1)",
          arguments: [
            try Self.nextID(db, prefix: "fnd", table: "finding"), code.rawValue, id,
            "change \(id) (effective \(effective)) was filed on \(today), after the Art. 5 deadline of \(dueOn)",
            Timestamps.format(instant),
          ])
      }
      return try self.change(db, id: id)
    }
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
    guard viewer.mayRead(code) else { throw ServiceError(.notFound, "no agency \(code)", reason: "AGENCY_NOT_FOUND") }
    return try await writer.read { db in
      let ids = try String.fetchAll(
        db, sql: "SELECT id FROM change WHERE credit_code = ? AND (? IS NULL OR kind = ?) AND (? = 0 OR late = 1) ORDER BY filed_at DESC, id DESC LIMIT ? OFFSET ?",
        arguments: [code.rawValue, kind?.rawValue, kind?.rawValue, lateOnly, page.size + 1, page.offset])
      return page.page(try ids.map { try self.change(db, id: $0) })
    }
  }

  func change(_ db: Database, id: String) throws -> ChangeRecord {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM change WHERE id = ?", arguments: [id]) else {
      throw ServiceError(.notFound, "no change \(id)", reason: "CHANGE_NOT_FOUND")
    }
    return ChangeRecord(
      id: id, creditCode: row["credit_code"], kind: ChangeKind(rawValue: row["kind"]) ?? .unspecified,
      effectiveOn: CalendarDate(row["effective_on"] as String)!, dueOn: CalendarDate(row["due_on"] as String)!, late: row["late"],
      filedAt: Timestamps.parse(row["filed_at"]) ?? .distantPast, filedBy: row["filed_by"],
      before: Self.decode(ChangeValue.self, row["before"]) ?? .name(""), after: Self.decode(ChangeValue.self, row["after"]) ?? .name(""),
      documents: Self.decode([DocumentRef].self, row["documents"]) ?? [], note: row["note"], version: row["version"],
      receipt: try Self.receipt(db, sequence: row["audit_sequence"]))
  }

  /// Findings the registry raised (late changes), for inspectors.
  public func findings(creditCode code: CreditCode) async throws -> [(id: String, category: Int, description: String, raisedAt: Date)] {
    try await writer.read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM finding WHERE credit_code = ? ORDER BY raised_at", arguments: [code.rawValue]).map {
        (id: $0["id"], category: $0["category"], description: $0["description"], raisedAt: Timestamps.parse($0["raised_at"]) ?? .distantPast)
      }
    }
  }
}
