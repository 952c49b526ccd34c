import Foundation

/// Reads the verification of findings needs besides the store's others.
public protocol FindingVerificationReads: Sendable {
  /// Finding rows after `after`, in id order, each with its `number` column as text.
  func findingRows(after: String, limit: Int) async throws -> [(row: FindingRow, number: String?)]
}

/// Every finding rebuilt from what the log covers and compared column by column.
///
/// Four writes raise findings, each numbered from one sequence in the order of their audit
/// entries: a filed or amended activity (the off-site checks, run again here on the version
/// against the registry and the other activities as they stood at its entry), a change filed
/// late (Art. 9(1)5), an inspection or its correction (the findings it lists, confirmed), and a
/// verified complaint. An officer's decisions (covered versions kept under the finding's id)
/// set its status. The rows are built by the functions the writes use
/// (`Filing.findingRow`, `Registry.lateChangeFinding`, `Supervision.finding`), so a finding
/// altered, deleted or added behind the server's back is named by its id.
///
/// The checks run with the settings of the `Filing` given, the server's own (the days allowed
/// to file, the cross-check thresholds): were they ever changed, findings raised before the
/// change would differ and be named.
public enum FindingVerification {
  /// One write that raised findings, at its audit entry.
  enum Event {
    case filing(ActivityVersionRow, code: String)
    case lateChange(ChangeRow)
    case inspection(InspectionRecord, firstNew: Int)
    case complaint(ComplaintRecord)
  }

  public static func verify(_ store: some Store, filing: Filing) async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    func mismatch(_ id: String, _ problem: String) {
      mismatches.append(AuditLog.RecordMismatch(table: "finding", key: id, auditSequence: 0, problem: problem))
    }
    var expected: [String: FindingRow] = [:]
    for row in try await rebuilt(store, filing: filing) { expected[row.id] = row }
    var after = ""
    var seen = Set<String>()
    while true {
      let page = try await store.findingRows(after: after, limit: 500)
      for (row, number) in page {
        seen.insert(row.id)
        guard let want = expected[row.id] else {
          mismatch(row.id, "no filing, change, inspection or complaint raised this finding: a row nobody filed")
          continue
        }
        if let columns = differences(row, want, number: number) {
          mismatch(row.id, "its \(columns) not what the \(want.sourceID) that raised it and the decisions on it make: the row was altered")
        }
      }
      guard page.count == 500, let last = page.last else { break }
      after = last.row.id
    }
    for id in Set(expected.keys).subtracting(seen).sorted() {
      mismatch(id, "\(expected[id]!.sourceID) raised this finding and it is not there: it was deleted")
    }
    return mismatches
  }

  /// The findings as the covered writes raise them, with the status the decisions on each set.
  static func rebuilt(_ store: some Store, filing: Filing) async throws -> [FindingRow] {
    let registry = try await RegistryTimeline(store, records: filing.records)
    var events: [(sequence: Int64, event: Event)] = []
    var after = ""
    while true {
      let ids = try await store.activityIDs(after: after, limit: 500)
      for id in ids {
        let versions = try await store.activityVersions(id: id)
        let code = FilingVerification.agency(of: versions.first?.audit.actor ?? "")
        // The content is read again when its turn comes, not held for the whole log.
        for var version in versions {
          version.content = ""
          events.append((version.audit.sequence, .filing(version, code: code)))
        }
      }
      guard ids.count == 500, let last = ids.last else { break }
      after = last
    }
    for change in registry.lateChanges { events.append((change.audit.sequence, .lateChange(change))) }
    for latest in try await store.allRecordVersions(RecordFilter(kind: .inspection), number: IDSequence.inspection.number(of:)) {
      guard Registry.decode(InspectionRecord.self, latest.content)?.findingIDs.isEmpty == false else { continue }
      var raised = 0
      for version in try await store.recordVersions(id: latest.id) {
        guard let record = Registry.decode(InspectionRecord.self, version.content) else { continue }
        if record.findingIDs.count > raised { events.append((version.audit.sequence, .inspection(record, firstNew: raised))) }
        raised = record.findingIDs.count
      }
    }
    for latest in try await store.allRecordVersions(RecordFilter(kind: .complaint), number: IDSequence.complaint.number(of:)) {
      guard Registry.decode(ComplaintRecord.self, latest.content)?.resolution?.findingID.isEmpty == false else { continue }
      for version in try await store.recordVersions(id: latest.id) {
        guard let record = Registry.decode(ComplaintRecord.self, version.content), record.resolution?.findingID.isEmpty == false else { continue }
        events.append((version.audit.sequence, .complaint(record)))
        break
      }
    }

    var rows: [FindingRow] = []
    var number: Int64 = 0
    func next() -> String {
      number += 1
      return IDSequence.finding.id(number)
    }
    func numbered(_ id: String) {
      number = max(number, IDSequence.finding.number(of: id) ?? 0)
    }
    var replayed = ReplayedFacts()
    var latestVersion: [String: Int] = [:]
    for (_, event) in events.sorted(by: { $0.sequence < $1.sequence }) {
      switch event {
      case .filing(var version, let code):
        defer { latestVersion[version.activityID] = version.version }
        version.content = try await store.activityVersion(id: version.activityID, version: version.version)?.content ?? ""
        guard version.audit.method != FilingVerification.withdrawal else {
          replayed.remove(version.activityID)
          continue
        }
        // Replayed from what the entry covers. An altered version, named as such by the
        // covered check, cannot be run again: its findings are taken as they are stored, so
        // that the findings after it are still numbered as they were raised.
        guard Digest.sha256Hex(version.content) == version.audit.recordSHA256,
          let content = Registry.decode(ActivityContent.self, version.content), let instant = Timestamps.parse(version.audit.recordedAt)
        else {
          for row in try await store.findings(ofActivities: [version.activityID])
          where row.source == 3 && row.sourceID == version.activityID && row.activityVersion == version.version {
            rows.append(row)
            numbered(row.id)
          }
          continue
        }
        let activityFacts = ActivityFacts(content)
        replayed.sequence = version.audit.sequence
        replayed.staff = registry
        let own = filing.ownFindings(content, registry: registry.versions(of: code, before: version.audit.sequence), amendment: version.version > 1, at: instant)
        let cross = try await filing.crossFindings(replayed, content: content, facts: activityFacts, id: version.activityID, code: code)
        for finding in own + cross {
          rows.append(Filing.findingRow(finding, id: next(), activity: version.activityID, version: version.version, code: code, at: instant))
        }
        replayed.replace(version.activityID, code: code, facts: activityFacts)
      case .lateChange(let change):
        rows.append(Registry.lateChangeFinding(
          id: next(), change: change.id, of: change.creditCode, effectiveOn: change.effectiveOn, dueOn: change.dueOn,
          filedAt: Timestamps.parse(change.audit.recordedAt) ?? change.filedAt))
      case .inspection(let record, let firstNew):
        let inputs = record.input.findings
        for (offset, id) in record.findingIDs.dropFirst(firstNew).enumerated() where offset < inputs.count {
          let finding = inputs[offset]
          let activity = latestVersion[finding.activityID].map { (finding.activityID, $0) }
          let caseID = record.cases.first { $0.findingID == id }?.id ?? ""
          rows.append(Supervision.finding(finding, id: id, of: record, activity: activity, caseID: caseID, at: record.recordedAt))
          numbered(id)
        }
      case .complaint(let record):
        if let row = Supervision.finding(of: record) {
          rows.append(row)
          numbered(row.id)
        }
      }
    }
    for index in rows.indices {
      let decisions = try await store.recordVersions(id: rows[index].id).compactMap { Registry.decode(FindingReview.self, $0.content) }
      if let status = decisions.last?.status {
        rows[index].status = status
        rows[index].verified = status == "confirmed" || status == "rectified"
      }
    }
    return rows
  }

  /// The columns in which `row` differs from `want` ("status is"), nil when none does.
  static func differences(_ row: FindingRow, _ want: FindingRow, number: String?) -> String? {
    AuditLog.differing([
      "number": number == IDSequence.finding.number(of: row.id).map(String.init), "credit_code": row.creditCode == want.creditCode,
      "category": row.category == want.category, "source": row.source == want.source, "source_id": row.sourceID == want.sourceID,
      "description": row.description == want.description,
      "raised_at": Timestamps.format(row.raisedAt) == Timestamps.format(want.raisedAt), "verified": row.verified == want.verified,
      "rule": row.rule == want.rule, "activity_id": row.activityID == want.activityID, "activity_version": row.activityVersion == want.activityVersion,
      "fields": row.fields == want.fields, "status": row.status == want.status, "district_code": row.districtCode == want.districtCode,
      "case_id": row.caseID == want.caseID,
    ])
  }
}

/// Every agency's registry versions, each at the audit entry that made it, and who was on the
/// staff of which listed agency after any entry: the registry as a filing's transaction read it.
/// (Ordered by entries, not by time: the server's clocks order its writes only roughly.)
struct RegistryTimeline: Sendable {
  private var byAgency: [String: [(sequence: Int64, version: AgencyVersionRow, staff: Set<String>)]] = [:]
  /// The agencies any version of which lists the person.
  private var employers: [String: Set<String>] = [:]

  /// The changes filed late, every agency's, for the findings they raised.
  private(set) var lateChanges: [ChangeRow] = []

  init(_ store: some Store, records: RecordCache) async throws {
    // One read of each agency's filings; then a version an approval made is placed at its
    // ReviewApplication entry, found by the decision's digest in one pass over the log.
    var filings: [(code: String, versions: [AgencyVersionRow], changes: [ChangeRow], approvals: [(row: ApplicationRow, digest: String)], removals: [RemovalRow])] = []
    var page: String?
    while true {
      let listings = try await store.agencies(AgencyFilter(), after: page, limit: 500)
      for listing in listings {
        let code = listing.agency.creditCode
        let approvals = try await store.applications(ApplicationFilter(creditCode: code, status: .approved), before: nil, limit: Int(Int32.max))
        filings.append((
          code, try await store.agencyVersions(of: code), try await store.changes(ChangeFilter(creditCode: code), before: nil, limit: Int(Int32.max)),
          approvals.map { ($0, Registry.reviewDigest(applicationID: $0.id, decision: $0.decision?.rawValue ?? "", reasons: Registry.decode([String].self, $0.reasons ?? "[]") ?? [])) },
          try await store.removals(of: code)))
      }
      guard listings.count == 500, let last = listings.last else { break }
      page = last.agency.creditCode
    }
    let wanted = Set(filings.flatMap { $0.approvals.map(\.digest) })
    var reviews: [String: Int64] = [:]
    var after: Int64 = 0
    while true {
      let entries = try await store.auditEntries(after: after, limit: 1000)
      for entry in entries where entry.method == AuditLog.reviewMethod && wanted.contains(entry.recordSHA256) {
        reviews[entry.recordSHA256] = entry.sequence
      }
      guard entries.count == 1000, let last = entries.last else { break }
      after = last.sequence
    }
    for (code, versions, changes, approvals, removals) in filings {
      lateChanges += changes.filter(\.late)
      var timeline: [(sequence: Int64, version: AgencyVersionRow, staff: Set<String>)] = []
      for version in versions {
        var sequence: Int64 = 0
        if let change = changes.first(where: { $0.version == version.version }) {
          sequence = change.audit.sequence
        } else if let approval = approvals.first(where: { $0.row.reviewedAt == version.since }) {
          sequence = reviews[approval.digest] ?? 0
        } else if let removal = removals.first(where: { $0.removedAt == version.since }) {
          sequence = removal.audit.sequence
        }
        var staff = Set<String>()
        if version.status == .listed, let record = records.materials(json: version.record, sha256: version.recordSHA256) {
          staff = Set(record.staff.compactMap { $0.person?.idNumber })
        }
        for person in staff { employers[person, default: []].insert(code) }
        timeline.append((sequence, version, staff))
      }
      byAgency[code] = timeline
    }
  }

  /// The versions an agency had before entry `sequence`.
  func versions(of code: String, before sequence: Int64) -> [AgencyVersionRow] {
    (byAgency[code] ?? []).filter { $0.sequence < sequence }.map(\.version)
  }

  /// As `agency_staff` answered before entry `sequence`: (ID number, listed agency) for these people.
  func employing(_ idNumbers: [String], before sequence: Int64) -> [(idNumber: String, creditCode: String)] {
    var pairs: [(idNumber: String, creditCode: String)] = []
    for person in Set(idNumbers) {
      for code in employers[person] ?? [] {
        if byAgency[code]?.last(where: { $0.sequence < sequence })?.staff.contains(person) == true { pairs.append((person, code)) }
      }
    }
    return pairs
  }
}

/// The facts of the activities that stand, as the facts tables held them at one moment of the
/// replay, answering the cross-activity lookups as the engines do: instants to the millisecond
/// the tables keep, a sample id or a series once per activity.
struct ReplayedFacts: CrossCheckReads {
  private var standing: [String: (code: String, facts: ActivityFacts)] = [:]
  private var byPerson: [String: Set<String>] = [:]
  private var byInstrument: [String: Set<String>] = [:]
  private var bySample: [String: Set<String>] = [:]
  private var bySeries: [String: Set<String>] = [:]
  /// The entry of the filing being replayed, and the registry it reads staff lists from.
  var sequence: Int64 = 0
  var staff: RegistryTimeline?

  static func stored(_ date: Date) -> Date { Timestamps.parse(Timestamps.format(date)) ?? date }

  mutating func replace(_ id: String, code: String, facts: ActivityFacts) {
    remove(id)
    var kept = facts
    for index in kept.samplings.indices {
      kept.samplings[index].startedAt = Self.stored(kept.samplings[index].startedAt)
      kept.samplings[index].endedAt = Self.stored(kept.samplings[index].endedAt)
      kept.samplings[index].field = ""
    }
    for index in kept.instrumentUses.indices {
      kept.instrumentUses[index].startedAt = Self.stored(kept.instrumentUses[index].startedAt)
      kept.instrumentUses[index].endedAt = Self.stored(kept.instrumentUses[index].endedAt)
      kept.instrumentUses[index].field = ""
    }
    kept.sampleIDs = Array(Set(kept.sampleIDs))
    kept.resultSeries = Array(Set(kept.resultSeries))
    standing[id] = (code, kept)
    for sampling in kept.samplings { byPerson[sampling.idNumber, default: []].insert(id) }
    for use in kept.instrumentUses { byInstrument[code + " " + use.instrumentID, default: []].insert(id) }
    for sample in kept.sampleIDs { bySample[code + " " + sample, default: []].insert(id) }
    for series in kept.resultSeries { bySeries[series, default: []].insert(id) }
  }

  mutating func remove(_ id: String) {
    guard let (code, facts) = standing.removeValue(forKey: id) else { return }
    for sampling in facts.samplings { byPerson[sampling.idNumber]?.remove(id) }
    for use in facts.instrumentUses { byInstrument[code + " " + use.instrumentID]?.remove(id) }
    for sample in facts.sampleIDs { bySample[code + " " + sample]?.remove(id) }
    for series in facts.resultSeries { bySeries[series]?.remove(id) }
  }

  func samplings(of idNumbers: [String], startedFrom from: Date, before: Date) -> [OtherSampling] {
    let from = Self.stored(from), before = Self.stored(before)
    var found: [OtherSampling] = []
    for person in Set(idNumbers) {
      for id in byPerson[person] ?? [] {
        guard let (code, facts) = standing[id] else { continue }
        for sampling in facts.samplings where sampling.idNumber == person && sampling.startedAt >= from && sampling.startedAt < before {
          found.append(OtherSampling(activityID: id, creditCode: code, sampling: sampling))
        }
      }
    }
    return found
  }

  func instrumentUses(creditCode: String, instrumentIDs: [String], overlapping from: Date, until: Date, endedBefore latest: Date) -> [OtherInstrumentUse] {
    let from = Self.stored(from), until = Self.stored(until), latest = Self.stored(latest)
    var found: [OtherInstrumentUse] = []
    for instrument in Set(instrumentIDs) {
      for id in byInstrument[creditCode + " " + instrument] ?? [] {
        guard let (_, facts) = standing[id] else { continue }
        for use in facts.instrumentUses where use.instrumentID == instrument && use.endedAt > from && use.endedAt < latest && use.startedAt < until {
          found.append(OtherInstrumentUse(activityID: id, use: use))
        }
      }
    }
    return found
  }

  func sampleUses(creditCode: String, sampleIDs: [String]) -> [(sampleID: String, activityID: String)] {
    Set(sampleIDs).flatMap { sample in (bySample[creditCode + " " + sample] ?? []).map { (sampleID: sample, activityID: $0) } }
  }

  func resultSeriesUses(_ series: [String]) -> [(series: String, activityID: String)] {
    Set(series).flatMap { one in (bySeries[one] ?? []).map { (series: one, activityID: $0) } }
  }

  func agenciesEmploying(_ idNumbers: [String]) -> [(idNumber: String, creditCode: String)] {
    staff?.employing(idNumbers, before: sequence) ?? []
  }
}
