import Foundation
import GRDB

extension Registry {
  /// The city bureau removes a listed agency in an Art. 16 case (Art. 20): it leaves the
  /// registry (its history stays) and it and the persons involved are banned for 2 years, or 5
  /// when it is removed a second time.
  public func remove(
    creditCode code: CreditCode, art16Case: Int, decidedOn: CalendarDate?, description: String,
    evidence: [DocumentRef], persons: [PersonRef], context: WriteContext
  ) async throws -> RemovalRecord {
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
    let decided = decidedOn!
    let instant = now()
    let involved = ids
    return try await writer.write { db in
      if let id = try self.replayed(db, context) { return try self.removal(db, id: id) }
      let agency = try self.agency(db, code: code, asOf: nil)
      guard agency.status == .listed else {
        throw ServiceError(.failedPrecondition, "agency \(code) is not listed (\(agency.status.rawValue))", reason: "AGENCY_NOT_LISTED")
      }
      let count = (try Int.fetchOne(db, sql: "SELECT removal_count FROM agency WHERE credit_code = ?", arguments: [code.rawValue]) ?? 0) + 1
      let years = BanTerm.years(removalCount: count)
      let endsOn = BanTerm.endsOn(startsOn: decided, years: years)
      let id = try Self.nextID(db, prefix: "rem", table: "removal")
      let digest = Digest.sha256Hex(Self.json([code.rawValue, String(art16Case), decided.description, description]))
      let receipt = try self.record(db, context, resultID: id, recordSHA256: digest, at: instant)
      try db.execute(
        sql: """
          INSERT INTO removal (id, credit_code, art16_case, decided_on, description, evidence, removal_count, removed_at, audit_sequence)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [id, code.rawValue, art16Case, decided.description, description, Self.json(evidence), count, Timestamps.format(instant), receipt.auditSequence])
      let ban = "INSERT INTO ban (subject_kind, subject, person_name, starts_on, ends_on, art16_case, repeat_offence, removal_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
      try db.execute(sql: ban, arguments: ["agency", code.rawValue, "", decided.description, endsOn.description, art16Case, count >= 2, id])
      for (person, resident) in involved {
        try db.execute(sql: ban, arguments: ["person", resident.rawValue, person.name, decided.description, endsOn.description, art16Case, count >= 2, id])
      }
      try db.execute(
        sql: "UPDATE agency SET status = 'removed', removed_at = ?, removal_count = ? WHERE credit_code = ?",
        arguments: [Timestamps.format(instant), count, code.rawValue])
      try self.appendVersion(db, code: code, status: .removed, name: agency.name, record: agency.record, at: instant)
      return try self.removal(db, id: id)
    }
  }

  func removal(_ db: Database, id: String) throws -> RemovalRecord {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM removal WHERE id = ?", arguments: [id]) else {
      throw ServiceError(.notFound, "no removal \(id)", reason: "REMOVAL_NOT_FOUND")
    }
    let code = try CreditCode(validating: row["credit_code"])
    return RemovalRecord(
      id: id, agency: try agency(db, code: code, asOf: nil), art16Case: row["art16_case"],
      decidedOn: CalendarDate(row["decided_on"] as String)!, description: row["description"],
      evidence: Self.decode([DocumentRef].self, row["evidence"]) ?? [],
      bans: try bans(db, sql: "removal_id = ?", arguments: [id], on: nil), removalCount: row["removal_count"],
      receipt: try Self.receipt(db, sequence: row["audit_sequence"]))
  }

  /// Bans matching a condition; only those in force on `on` when given.
  func bans(_ db: Database, sql condition: String, arguments: StatementArguments, on day: CalendarDate?) throws -> [BanRecord] {
    try Row.fetchAll(db, sql: "SELECT * FROM ban WHERE \(condition) ORDER BY ends_on DESC, id", arguments: arguments).compactMap { row in
      let starts = CalendarDate(row["starts_on"] as String)!
      let ends = CalendarDate(row["ends_on"] as String)!
      if let day, !(starts...ends).contains(day) { return nil }
      let subject: String = row["subject"]
      return BanRecord(
        subject: (row["subject_kind"] as String) == "agency" ? .agency(subject) : .person(idNumber: subject),
        personName: row["person_name"], startsOn: starts, endsOn: ends, art16Case: row["art16_case"],
        repeatOffence: row["repeat_offence"], removalID: row["removal_id"])
    }
  }

  /// The bans in force on `day` (today when nil) for an agency or a person (Art. 20).
  public func eligibility(agency: CreditCode?, person: ResidentID?, on day: CalendarDate?) async throws -> [BanRecord] {
    let day = day ?? today()
    return try await writer.read { db in
      if let agency { return try self.bans(db, sql: "subject_kind = 'agency' AND subject = ?", arguments: [agency.rawValue], on: day) }
      if let person { return try self.bans(db, sql: "subject_kind = 'person' AND subject = ?", arguments: [person.rawValue], on: day) }
      return []
    }
  }

  /// Refuses an agency under a ban (Art. 20), saying until when.
  func refuseIfBanned(_ db: Database, agency: CreditCode, field: String) throws {
    if let ban = try bans(db, sql: "subject_kind = 'agency' AND subject = ?", arguments: [agency.rawValue], on: today()).first {
      throw ServiceError(
        .failedPrecondition, "agency \(agency) may not apply until \(ban.endsOn.adding(days: 1)) (Art. 20; banned until \(ban.endsOn))",
        reason: "AGENCY_BANNED",
        violations: [FieldViolation(field, "banned until \(ban.endsOn) (Art. 20)", reason: "AGENCY_BANNED")],
        info: ["banned_until": ban.endsOn.description])
    }
  }

  /// Refuses the persons named who are under a ban (Art. 20), each by field path.
  func refuseBannedPersons(_ db: Database, _ persons: [(field: String, id: ResidentID)]) throws {
    var violations: [FieldViolation] = []
    var latest: CalendarDate?
    for (field, id) in persons {
      if let ban = try bans(db, sql: "subject_kind = 'person' AND subject = ?", arguments: [id.rawValue], on: today()).first {
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
