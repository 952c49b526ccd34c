import Foundation

extension Registry {
  /// The city bureau removes a listed agency in an Art. 16 case (Art. 20): it leaves the
  /// registry (its history stays) and it and the persons involved are banned for 2 years, or 5
  /// when it is removed a second time.
  public func remove(
    creditCode code: CreditCode, art16Case: Int, decidedOn: CalendarDate?, description: String,
    evidence: [DocumentRef], persons: [PersonRef], context: WriteContext
  ) async throws -> RemovalRecord {
    let removal = try validatedRemoval(
      creditCode: code, art16Case: art16Case, decidedOn: decidedOn, description: description, evidence: evidence, persons: persons)
    return try await store.writeRegistry { tx in try await tx.once(context) { try await self.remove(removal, in: tx, context: context) } }
  }

  /// The removal's fields checked, every fault at once; nothing is read or written.
  func validatedRemoval(
    creditCode code: CreditCode, art16Case: Int, decidedOn: CalendarDate?, description: String, evidence: [DocumentRef], persons: [PersonRef]
  ) throws -> Removal {
    var violations = Violations()
    if !(1...8).contains(art16Case) {
      violations.add("art16_case", "name the Art. 16 case (1 to 8) that caused the removal", reason: "REQUIRED")
    }
    let today = today()
    if decidedOn == nil { violations.add("decided_on", "the day the case was decided is required", reason: "REQUIRED") }
    if let decidedOn, decidedOn > today { violations.add("decided_on", "the decision day \(decidedOn) is in the future", reason: "DATE_IN_FUTURE") }
    violations.required("description", description, what: "what happened")
    if evidence.isEmpty { violations.add("evidence", "at least one piece of evidence is required (Art. 13)", reason: "REQUIRED") }
    var ids: [(PersonRef, ResidentID)] = []
    for (index, person) in persons.enumerated() {
      violations.required("persons_involved[\(index)].name", person.name, what: "the person's name")
      do {
        ids.append((person, try ResidentID(validating: person.idNumber)))
      } catch {
        violations.add("persons_involved[\(index)].id_number", "\(error)", reason: error.reason)
      }
    }
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    return Removal(creditCode: code, art16Case: art16Case, decidedOn: decidedOn!, description: description, evidence: evidence, persons: ids)
  }

  /// The removal's writes, in the caller's transaction: `remove` runs them in one of their own,
  /// credit's direct E in one that also carries the feed's changes. The caller keeps the
  /// request's result (`once`).
  func remove(_ removal: Removal, in tx: some RegistryTransaction, context: WriteContext) async throws -> RemovalRecord {
    let code = removal.creditCode, art16Case = removal.art16Case, decided = removal.decidedOn
    let instant = now()
    let found = try await tx.agency(code.rawValue)
    guard var agency = found, agency.status == .listed else {
      throw ServiceError(.failedPrecondition, "agency \(code) is not listed (\(found?.status.rawValue ?? "not enrolled"))", reason: "AGENCY_NOT_LISTED")
    }
    let record = try await self.currentRecord(tx, of: code)
    let count = agency.removalCount + 1
    let years = BanTerm.years(removalCount: count)
    let endsOn = BanTerm.endsOn(startsOn: decided, years: years)
    let id = IDSequence.removal.id(try await tx.nextNumber(in: .removal))
    let digest = Digest.sha256Hex(Self.json([code.rawValue, String(art16Case), decided.description, removal.description]))
    let entry = try await self.record(tx, context, recordSHA256: digest, at: instant)
    try await tx.insertRemoval(RemovalRow(
      id: id, creditCode: code.rawValue, art16Case: art16Case, decidedOn: decided, description: removal.description,
      evidence: Self.json(removal.evidence), removalCount: count, removedAt: instant, audit: entry))
    try await tx.insertBan(BanRecord(
      subject: .agency(code.rawValue), personName: "", startsOn: decided, endsOn: endsOn, art16Case: art16Case,
      repeatOffence: count >= 2, removalID: id))
    for (person, resident) in removal.persons {
      try await tx.insertBan(BanRecord(
        subject: .person(idNumber: resident.rawValue), personName: person.name, startsOn: decided, endsOn: endsOn,
        art16Case: art16Case, repeatOffence: count >= 2, removalID: id))
    }
    agency.status = .removed
    agency.removedAt = instant
    agency.removalCount = count
    try await self.appendVersion(tx, agency: &agency, record: record, at: instant)
    return try await self.removal(tx, id: id)
  }

  /// A removal that passed validation, ready to be written.
  struct Removal: Sendable {
    var creditCode: CreditCode
    var art16Case: Int
    var decidedOn: CalendarDate
    var description: String
    var evidence: [DocumentRef]
    var persons: [(PersonRef, ResidentID)]
  }

  func removal(_ reads: some RegistryReads, id: String) async throws -> RemovalRecord {
    guard let row = try await reads.removal(id: id) else {
      throw ServiceError(.notFound, "no removal \(id)", reason: "REMOVAL_NOT_FOUND")
    }
    let code = try CreditCode(validating: row.creditCode)
    return RemovalRecord(
      id: id, agency: try await agency(reads, code: code, asOf: nil), art16Case: row.art16Case, decidedOn: row.decidedOn,
      description: row.description, evidence: Self.decode([DocumentRef].self, row.evidence) ?? [],
      bans: try await reads.bans(ofRemoval: id), removalCount: row.removalCount, receipt: row.audit.receipt)
  }

  /// The bans on `subject` in force on `day`.
  static func bans(_ reads: some RegistryReads, on subject: BanRecord.Subject, inForceOn day: CalendarDate) async throws -> [BanRecord] {
    try await reads.bans(on: subject).filter { ($0.startsOn...$0.endsOn).contains(day) }
  }

  /// The bans in force on `day` (today when nil) for an agency or a person (Art. 20). An agency
  /// may ask about persons named in its own records only (its registry record or its
  /// applications): the ban list is not a directory of other agencies' staff.
  public func eligibility(agency: CreditCode?, person: ResidentID?, on day: CalendarDate?, viewer: Viewer) async throws -> [BanRecord] {
    if case .agency(let own) = viewer, let person, try await !names(own, person) {
      throw ServiceError(
        .permissionDenied, "agency \(own) may check only persons named in its own records", reason: "PERSON_NOT_NAMED",
        violations: [FieldViolation("id_number", "not a person named in your registry record or applications", reason: "PERSON_NOT_NAMED")])
    }
    let day = day ?? today()
    if let agency { return try await Self.bans(store, on: .agency(agency.rawValue), inForceOn: day) }
    if let person { return try await Self.bans(store, on: .person(idNumber: person.rawValue), inForceOn: day) }
    return []
  }

  /// Whether `person` is named in the agency's current registry record or in one of its
  /// latest applications.
  private func names(_ agency: CreditCode, _ person: ResidentID) async throws -> Bool {
    var named = try await currentRecord(store, of: agency).map { [$0] } ?? []
    named += try await store.applications(ApplicationFilter(creditCode: agency.rawValue), before: nil, limit: PageRequest.maximumSize)
      .compactMap { Self.decode(ApplicationMaterials.self, $0.materials) }
    return named.contains { $0.namedPersons.contains(person.rawValue) }
  }

  /// Refuses an agency under a ban (Art. 20), saying until when.
  func refuseIfBanned(_ reads: some RegistryReads, agency: CreditCode, field: String) async throws {
    if let ban = try await Self.bans(reads, on: .agency(agency.rawValue), inForceOn: today()).first {
      throw ServiceError(
        .failedPrecondition, "agency \(agency) may not apply until \(ban.endsOn.adding(days: 1)) (Art. 20; banned until \(ban.endsOn))",
        reason: "AGENCY_BANNED",
        violations: [FieldViolation(field, "banned until \(ban.endsOn) (Art. 20)", reason: "AGENCY_BANNED")],
        info: ["banned_until": ban.endsOn.description])
    }
  }

  /// Refuses the persons named who are under a ban (Art. 20), each by field path.
  func refuseBannedPersons(_ reads: some RegistryReads, _ persons: [(field: String, id: ResidentID)]) async throws {
    var violations: [FieldViolation] = []
    var latest: CalendarDate?
    for (field, id) in persons {
      if let ban = try await Self.bans(reads, on: .person(idNumber: id.rawValue), inForceOn: today()).first {
        violations.append(FieldViolation(field, "\(id.masked) is banned until \(ban.endsOn) (Art. 20)", reason: "PERSON_BANNED"))
        latest = max(latest ?? ban.endsOn, ban.endsOn)
      }
    }
    if let latest {
      throw ServiceError(
        .failedPrecondition, "\(violations.count) person(s) named are banned from applying (Art. 20)", reason: "PERSON_BANNED",
        violations: violations, info: ["banned_until": latest.description])
    }
  }
}
