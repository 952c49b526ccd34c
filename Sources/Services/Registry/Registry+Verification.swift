import Foundation

extension Registry {
  /// Replays every agency's registry versions from the filings that made them and names each
  /// version whose stored record differs from the replay. No audit entry covers a version row
  /// directly; the filings do: the approved application's materials (covered by its submit
  /// entry), each change's new value (covered by its entry) applied to the version before, a
  /// removal (covered) keeping the record as it was. So a version edited behind the server's
  /// back — its record and its stored digest both — no longer matches what the covered filings
  /// say it must be.
  public func verifyVersions() async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    var after: String?
    while true {
      let page = try await store.agencies(AgencyFilter(), after: after, limit: 500)
      for listing in page { mismatches += try await verifyVersions(of: listing.agency.creditCode) }
      guard page.count == 500, let last = page.last else { return mismatches }
      after = last.agency.creditCode
    }
  }

  /// One agency's versions, oldest first, each against the filing that made it.
  func verifyVersions(of code: String) async throws -> [AuditLog.RecordMismatch] {
    let versions = try await store.agencyVersions(of: code)
    guard !versions.isEmpty else { return [] }
    let changes = try await store.changes(ChangeFilter(creditCode: code), before: nil, limit: Int(Int32.max))
    let approvals = try await store.applications(ApplicationFilter(creditCode: code, status: .approved), before: nil, limit: Int(Int32.max))
    let removals = try await store.removals(of: code)
    var mismatches: [AuditLog.RecordMismatch] = []
    var previous: ApplicationMaterials?
    for version in versions {
      let key = "\(code)/\(version.version)"
      func mismatch(_ problem: String, entry: Int64 = 0) {
        mismatches.append(AuditLog.RecordMismatch(table: "agency_version", key: key, auditSequence: entry, problem: problem))
      }
      let expected: ApplicationMaterials?
      let entry: Int64
      var since = version.since
      var status = AgencyRecord.Status.listed
      if let change = changes.first(where: { $0.version == version.version }) {
        since = change.filedAt
        guard let value = Self.decode(ChangeValue.self, change.after), let before = previous else {
          mismatch("change \(change.id) that made it cannot be replayed", entry: change.audit.sequence)
          previous = records.materials(json: version.record, sha256: version.recordSHA256)
          continue
        }
        expected = Self.applying(value, to: before)
        entry = change.audit.sequence
      } else if let approval = approvals.first(where: { $0.reviewedAt == version.since }) {
        expected = Self.decode(ApplicationMaterials.self, approval.materials) ?? ApplicationMaterials()
        entry = approval.audit.sequence
      } else if let removal = removals.first(where: { $0.removedAt == version.since }) {
        status = .removed
        expected = previous
        entry = removal.audit.sequence
      } else {
        mismatch("no filing (approval, change or removal) made this version")
        previous = records.materials(json: version.record, sha256: version.recordSHA256)
        continue
      }
      if Self.json(expected) != version.record {
        mismatch("its record is not what the filings that made it say: it was altered", entry: entry)
      } else if Digest.sha256Hex(version.record) != version.recordSHA256 {
        mismatch("its stored SHA-256 is not its record's", entry: entry)
      }
      if version.since != since {
        mismatch("its since is not the time of the filing that made it: it was altered", entry: entry)
      }
      if version.name != expected?.licence?.name ?? "" {
        mismatch("its name is not the name in its record: it was altered", entry: entry)
      }
      if version.status != status {
        mismatch("its status is not \(status.rawValue), what the filing that made it set: it was altered", entry: entry)
      }
      previous = expected
    }
    return mismatches
  }
}

extension Registry {
  /// Every derived registry table rebuilt from the covered ones and compared: the registry
  /// versions (replayed from their filings), each agency's current row, and the staff table.
  public func verifyDerived() async throws -> [AuditLog.RecordMismatch] {
    var mismatches = try await verifyVersions()
    let certified = try await store.certifiedAgencies()
    var rows = Set<String>()
    var expectedStaff: [String: Set<String>] = [:]
    var after: String?
    while true {
      let page = try await store.agencies(AgencyFilter(), after: after, limit: 500)
      for listing in page {
        let agency = listing.agency
        rows.insert(agency.creditCode)
        let (problems, staff) = try await verify(agency, certified: certified.contains(agency.creditCode))
        mismatches += problems
        if !staff.isEmpty { expectedStaff[agency.creditCode] = staff }
      }
      guard page.count == 500, let last = page.last else { break }
      after = last.agency.creditCode
    }
    for id in try await store.strayBans() {
      mismatches.append(AuditLog.RecordMismatch(table: "ban", key: id, auditSequence: 0, problem: "a ban of a removal that is not there: a row nobody filed"))
    }
    for code in certified.subtracting(rows).sorted() {
      mismatches.append(AuditLog.RecordMismatch(
        table: "agency", key: code, auditSequence: 0, problem: "a certificate enrolled this agency and its row is no longer there: it was deleted"))
    }
    var stored: [String: Set<String>] = [:]
    for row in try await store.allAgencyStaff() { stored[row.creditCode, default: []].insert(row.idNumber) }
    for code in Set(stored.keys).union(expectedStaff.keys).sorted() {
      let have = stored[code] ?? [], want = expectedStaff[code] ?? []
      for idNumber in have.subtracting(want).sorted() {
        mismatches.append(AuditLog.RecordMismatch(
          table: "agency_staff", key: "\(code)/\(Self.masked(idNumber))", auditSequence: 0,
          problem: "the agency's current registry version does not list this person on its staff: the row was added or altered"))
      }
      for idNumber in want.subtracting(have).sorted() {
        mismatches.append(AuditLog.RecordMismatch(
          table: "agency_staff", key: "\(code)/\(Self.masked(idNumber))", auditSequence: 0,
          problem: "the agency's current registry version lists this person on its staff and the row is not there: it was deleted"))
      }
    }
    return mismatches
  }

  /// One agency's row against its certificates, registry versions and removals; with the staff
  /// its row in `agency_staff` must list.
  private func verify(_ agency: AgencyRow, certified: Bool) async throws -> ([AuditLog.RecordMismatch], Set<String>) {
    let code = agency.creditCode
    var problems: [AuditLog.RecordMismatch] = []
    func mismatch(_ column: String, _ problem: String) {
      problems.append(AuditLog.RecordMismatch(table: "agency", key: code, auditSequence: 0, problem: "its \(column) \(problem): the row was altered"))
    }
    guard certified else {
      problems.append(AuditLog.RecordMismatch(
        table: "agency", key: code, auditSequence: 0, problem: "no certificate enrolled this agency: a row nobody filed"))
      return (problems, [])
    }
    let versions = try await store.agencyVersions(of: code)
    let removals = try await store.removals(of: code)
    let first = try await store.certificates(of: code, before: nil, limit: Int(Int32.max)).min { $0.audit.sequence < $1.audit.sequence }
    let latest = versions.last
    let record = latest.flatMap { records.materials(json: $0.record, sha256: $0.recordSHA256) }
    if agency.status != latest?.status ?? .enrolled { mismatch("status", "is not the latest registry version's") }
    if let latest, agency.name != latest.name { mismatch("name", "is not the latest registry version's") }
    if agency.version != latest?.version ?? 0 { mismatch("version", "is not the number of its latest registry version") }
    if agency.districtCode != record?.address?.districtCode ?? "" { mismatch("district_code", "is not the district of its registry address") }
    if let first, agency.enrolledAt != first.issuedAt { mismatch("enrolled_at", "is not the issue time of its first certificate") }
    if agency.listedAt != versions.first?.since { mismatch("listed_at", "is not the time of its first registry version") }
    if agency.removedAt != removals.last?.removedAt { mismatch("removed_at", "is not the time of its latest removal") }
    if agency.removalCount != removals.count { mismatch("removal_count", "is not the number of its removals (\(removals.count))") }
    for (place, removal) in removals.enumerated() { problems += try await verifyBans(of: removal, count: place + 1) }
    let staff = agency.status == .listed ? Set((record?.staff ?? []).compactMap { $0.person?.idNumber }) : []
    return (problems, staff)
  }

  /// The bans a removal made (Art. 20): one on the agency, and one on each person involved,
  /// each over the term its count sets. Whom a person's ban names is the removal request's,
  /// which no digest covers; the rest of each row follows from the covered removal.
  private func verifyBans(of removal: RemovalRow, count: Int) async throws -> [AuditLog.RecordMismatch] {
    let bans = try await store.bans(ofRemoval: removal.id)
    var problems: [AuditLog.RecordMismatch] = []
    func mismatch(_ problem: String) {
      problems.append(AuditLog.RecordMismatch(table: "ban", key: removal.id, auditSequence: removal.audit.sequence, problem: problem))
    }
    let endsOn = BanTerm.endsOn(startsOn: removal.decidedOn, years: BanTerm.years(removalCount: count))
    for ban in bans {
      if ban.startsOn != removal.decidedOn || ban.endsOn != endsOn || ban.art16Case != removal.art16Case || ban.repeatOffence != (count >= 2) {
        mismatch("a ban of this removal does not have its term, case or count (\(removal.decidedOn) to \(endsOn)): the row was altered")
      }
    }
    let onAgency = bans.filter { $0.subject == .agency(removal.creditCode) && $0.personName.isEmpty }
    if onAgency.count != 1 || bans.contains(where: { if case .agency = $0.subject { !onAgency.contains($0) } else { false } }) {
      mismatch("the removal made one ban on agency \(removal.creditCode); \(onAgency.count) are there as it made it: a row was altered, deleted or added")
    }
    return problems
  }

  /// An ID number as the verification names it: never whole (the first six and last four digits).
  static func masked(_ idNumber: String) -> String {
    guard idNumber.count > 10 else { return String(repeating: "*", count: idNumber.count) }
    return idNumber.prefix(6) + String(repeating: "*", count: idNumber.count - 10) + idNumber.suffix(4)
  }
}
