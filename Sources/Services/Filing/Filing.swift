import Foundation

/// Monitoring activities filed by listed agencies (Art. 4(2), 8(1)): each filing is validated
/// (what cannot be an activity is refused), kept exactly as filed with its receipt, and read by
/// the off-site checks, whose findings are stored `open` for an officer. Amendments and
/// withdrawals are new versions; nothing filed is overwritten.
public final class Filing: Sendable {
  let store: any FilingStore
  let signingKey: SigningKey
  let now: @Sendable () -> Date
  /// A filing this many days after its report was issued raises LATE_FILING.
  let lateFilingDays: Int
  let crossChecks: CrossCheckSettings
  /// Agencies' registry records, decoded once per version.
  let records = RecordCache()
  /// Each agency's registry versions as the last filing's write transaction read them, for
  /// 1,024 agencies at most. `prepare` starts from these instead of reading them again; the
  /// write transaction, which reads the registry anyway, redoes the own-record checks if they
  /// differ in any way (`raiseFindings`).
  let registries = BoundedCache<String, [AgencyVersionRow]>(capacity: 1024)

  public init(
    store: any FilingStore, signingKey: SigningKey, lateFilingDays: Int = 30, crossChecks: CrossCheckSettings = CrossCheckSettings(),
    now: @escaping @Sendable () -> Date = Date.init
  ) {
    self.store = store
    self.signingKey = signingKey
    self.lateFilingDays = lateFilingDays
    self.crossChecks = crossChecks
    self.now = now
  }

  /// An activity at one version, with the findings raised on it.
  public struct Filed: Codable, Sendable {
    public var activity: ActivityRow
    public var version: ActivityVersionRow
    public var content: ActivityContent
    public var findings: [FindingRow]

    init(activity: ActivityRow, version: ActivityVersionRow, content: ActivityContent, findings: [FindingRow]) {
      self.activity = activity
      self.version = version
      self.content = content
      self.findings = findings
    }

    /// Kept without `content`: the version holds it already, as its JSON.
    enum CodingKeys: CodingKey { case activity, version, findings }

    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      activity = try container.decode(ActivityRow.self, forKey: .activity)
      version = try container.decode(ActivityVersionRow.self, forKey: .version)
      findings = try container.decode([FindingRow].self, forKey: .findings)
      content = Registry.decode(ActivityContent.self, version.content) ?? ActivityContent()
    }

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(activity, forKey: .activity)
      try container.encode(version, forKey: .version)
      try container.encode(findings, forKey: .findings)
    }
  }

  // MARK: - Writes

  /// Files an activity for `code`, the caller's own agency.
  public func file(creditCode code: CreditCode, content: ActivityContent?, contentSHA256: String, context: WriteContext) async throws -> Filed {
    let instant = now()
    let prepared = try await prepare(content, code: code, amendment: false, at: instant)
    let content = prepared.content
    return try await store.writeFiling { tx in try await tx.once(context) {
      let versions = try await self.requireFilable(tx, code: code, content: content, documents: prepared.documents)
      try await self.requireReportUnfiled(tx, content: content, code: code, other: nil)
      let id = IDSequence.activity.id(try await tx.nextNumber(in: .activity))
      let entry = try await tx.record(context, recordSHA256: prepared.recordSHA256, at: instant, key: self.signingKey)
      let findings = try await self.raiseFindings(tx, prepared, id: id, version: 1, code: code, registry: versions, at: instant)
      let span = Self.span(content)
      let activity = ActivityRow(
        id: id, creditCode: code.rawValue, status: .filed, version: 1, filedAt: instant, reportNumber: content.report?.reportNumber ?? "",
        clientName: content.client?.name ?? "", sampledFrom: span.lowerBound, sampledUntil: span.upperBound, findingCount: findings.count)
      try await tx.insertActivity(activity, districts: content.districtCodes, parameters: content.analyses.map(\.parameter))
      let version = ActivityVersionRow(
        activityID: id, version: 1, content: prepared.json, contentSHA256: contentSHA256, versionAt: instant, versionBy: context.actor,
        reason: "", audit: entry)
      try await tx.insertActivityVersion(version)
      return Filed(activity: activity, version: version, content: content, findings: findings)
    } }
  }

  /// Corrects an activity: a new version with the reason; `expectedVersion` must be the latest.
  public func amend(
    activityID id: String, expectedVersion: Int, content: ActivityContent?, contentSHA256: String, reason: String, filer code: CreditCode,
    context: WriteContext
  ) async throws -> Filed {
    let instant = now()
    var violations = Violations()
    violations.required("reason", reason, what: "the reason")
    violations.length("reason", reason, max: 2000, what: "the reason")
    if expectedVersion < 1 { violations.add("expected_version", "the version being corrected is required", reason: "REQUIRED") }
    let prepared = try await prepare(content, code: code, amendment: true, at: instant, also: violations.all)
    let content = prepared.content
    return try await store.writeFiling { tx in try await tx.once(context) {
      var row = try await self.ownActivity(tx, id: id, filer: code)
      try self.requireCurrent(row, expected: expectedVersion)
      let versions = try await self.requireFilable(tx, code: code, content: content, documents: prepared.documents)
      try await self.requireReportUnfiled(tx, content: content, code: code, other: id)
      let entry = try await tx.record(context, recordSHA256: prepared.recordSHA256, at: instant, key: self.signingKey)
      row.version += 1
      let findings = try await self.raiseFindings(tx, prepared, id: id, version: row.version, code: code, registry: versions, at: instant)
      row.findingCount += findings.count
      row.reportNumber = content.report?.reportNumber ?? ""
      row.clientName = content.client?.name ?? ""
      let span = Self.span(content)
      row.sampledFrom = span.lowerBound
      row.sampledUntil = span.upperBound
      try await tx.updateActivity(row, districts: content.districtCodes, parameters: content.analyses.map(\.parameter))
      let version = ActivityVersionRow(
        activityID: id, version: row.version, content: prepared.json, contentSHA256: contentSHA256, versionAt: instant, versionBy: context.actor,
        reason: reason, audit: entry)
      try await tx.insertActivityVersion(version)
      return Filed(activity: row, version: version, content: content, findings: findings)
    } }
  }

  /// Withdraws an activity with a reason: a last version, the same content, marked withdrawn.
  public func withdraw(activityID id: String, reason: String, filer code: CreditCode, context: WriteContext) async throws -> Filed {
    let instant = now()
    var violations = Violations()
    violations.required("reason", reason, what: "the reason")
    violations.length("reason", reason, max: 2000, what: "the reason")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    return try await store.writeFiling { tx in try await tx.once(context) {
      var row = try await self.ownActivity(tx, id: id, filer: code)
      try self.requireCurrent(row, expected: nil)
      guard let latest = try await tx.activityVersion(id: id, version: row.version) else {
        throw ServiceError(.internalError, "activity \(id) has no version \(row.version)", reason: "ACTIVITY_VERSION_MISSING")
      }
      let entry = try await tx.record(context, recordSHA256: Digest.sha256Hex(latest.content), at: instant, key: self.signingKey)
      row.version += 1
      row.status = .withdrawn
      // A withdrawn activity no longer stands: the cross-activity checks stop counting it.
      try await tx.replaceActivityFacts(activityID: id, creditCode: code.rawValue, facts: ActivityFacts())
      let content = Registry.decode(ActivityContent.self, latest.content) ?? ActivityContent()
      try await tx.updateActivity(row, districts: content.districtCodes, parameters: content.analyses.map(\.parameter))
      try await tx.insertActivityVersion(ActivityVersionRow(
        activityID: id, version: row.version, content: latest.content, contentSHA256: latest.contentSHA256, versionAt: instant,
        versionBy: context.actor, reason: reason, audit: entry))
      return try await self.filed(tx, id: id, version: nil)
    } }
  }

  // MARK: - Reads

  /// One activity at `version` (the latest when nil). An agency reads only its own, a district
  /// officer only one with sampling in its district (at its latest version): anything else is
  /// NOT_FOUND, the same answer as an id that does not exist, and decided before the version.
  public func activity(id: String, version: Int?, viewer: Viewer) async throws -> Filed {
    let found = try await store.activity(id: id)
    var latest: Filed?
    if let found { latest = try await filed(store, activity: found, version: nil) }
    try Self.requireRead(latest, id: id, viewer: viewer)
    guard let latest else { throw Self.activityNotFound(id) }
    guard let version, version != latest.activity.version else { return latest }
    return try await filed(store, activity: latest.activity, version: version)
  }

  /// Every version, oldest first, under the same rules as `activity`.
  public func versions(id: String, viewer: Viewer) async throws -> [Filed] {
    let latest = try await activity(id: id, version: nil, viewer: viewer)
    let findings = latest.activity.findingCount > 0 ? try await store.findings(ofActivities: [id]) : []
    var versions: [Filed] = []
    for row in try await store.activityVersions(id: id) {
      versions.append(Filed(
        activity: latest.activity, version: row, content: Registry.decode(ActivityContent.self, row.content) ?? ActivityContent(),
        findings: findings.filter { $0.activityVersion == row.version }))
    }
    return versions
  }

  /// A page of activities, newest first. An agency sees its own, a district officer those with
  /// sampling in its district (naming another is PERMISSION_DENIED); the city all.
  public func activities(_ filter: ActivityFilter, viewer: Viewer, page: PageRequest) async throws -> Page<Filed> {
    var filter = filter
    try viewer.narrow(creditCode: &filter.creditCode, districtCode: &filter.districtCode, listing: "activities")
    let rows = try await store.activities(filter, before: try page.afterSequence(), limit: page.limit)
    let listings = page.page(rows) { String(IDSequence.activity.number(of: $0.activity.id) ?? 0) }
    // The findings of the whole page in one read, each activity's on its latest version.
    let flagged = listings.items.filter { $0.activity.findingCount > 0 }.map(\.activity.id)
    let findings = flagged.isEmpty ? [:] : Dictionary(grouping: try await store.findings(ofActivities: flagged)) { $0.activityID ?? "" }
    return listings.map { listing in
      Filed(
        activity: listing.activity, version: listing.latest,
        content: Registry.decode(ActivityContent.self, listing.latest.content) ?? ActivityContent(),
        findings: (findings[listing.activity.id] ?? []).filter { $0.activityVersion == listing.latest.version })
    }
  }

  // MARK: - Rules

  /// What a filing needs that does not depend on the moment of writing, worked out before the
  /// write lock so that writes hold it only for what must be serialised: the content checked,
  /// the JSON stored and its digest, the facts the cross-activity checks look up, and the checks
  /// against the agency's own record as the last filing's transaction found the registry (or as
  /// read now, for an agency's first), redone under the lock if the registry differs.
  struct Prepared: Sendable {
    var content: ActivityContent
    var documents: [(field: String, sha256: String)]
    var json: String
    var recordSHA256: String
    var facts: ActivityFacts
    var registry: [AgencyVersionRow]
    var ownFindings: [CheckFinding]
  }

  func prepare(
    _ content: ActivityContent?, code: CreditCode, amendment: Bool, at instant: Date, also: [FieldViolation] = []
  ) async throws -> Prepared {
    let (content, documents) = try validated(content, at: instant, also: also)
    let json = content.json
    let registry: [AgencyVersionRow]
    if let remembered = registries[code.rawValue] {
      registry = remembered
    } else {
      registry = try await store.agencyVersions(of: code.rawValue)
    }
    return Prepared(
      content: content, documents: documents, json: json, recordSHA256: Digest.sha256Hex(json), facts: ActivityFacts(content),
      registry: registry, ownFindings: ownFindings(content, registry: registry, amendment: amendment, at: instant))
  }

  /// The checks of an activity against the agency's own record and the report's dates.
  func ownFindings(_ content: ActivityContent, registry versions: [AgencyVersionRow], amendment: Bool, at instant: Date) -> [CheckFinding] {
    // The record in force at the end of each day (China time), decoded once per version.
    let recordOn: (CalendarDate) -> ApplicationMaterials? = { day in
      guard let row = versions.last(where: { $0.since <= Self.endOfDay(day) }), row.status == .listed else { return nil }
      return self.records.materials(json: row.record, sha256: row.recordSHA256)
    }
    return OffSiteChecks.check(content, record: recordOn)
      + OffSiteChecks.timing(content, filedOn: OffSiteChecks.day(instant), amendment: amendment, lateAfterDays: lateFilingDays)
  }

  /// The content and the documents it refers to, or INVALID_ARGUMENT with every field at
  /// fault (and `also`).
  func validated(
    _ content: ActivityContent?, at instant: Date, also: [FieldViolation] = []
  ) throws -> (ActivityContent, [(field: String, sha256: String)]) {
    let result = ActivityValidator(now: instant).validate(content)
    let violations = also + result.violations
    if !violations.isEmpty { throw ServiceError.invalid(violations) }
    return (content!, result.documents)
  }

  /// The agency listed (not removed, not banned) on every sampling day, and every document
  /// referred to uploaded by it: otherwise INVALID_ARGUMENT naming the fields. Returns the
  /// agency's registry versions, which the checks read next.
  func requireFilable(
    _ tx: some FilingTransaction, code: CreditCode, content: ActivityContent, documents: [(field: String, sha256: String)]
  ) async throws -> [AgencyVersionRow] {
    var violations = Violations()
    let versions = try await tx.agencyVersions(of: code.rawValue)
    let bans = try await tx.bans(on: .agency(code.rawValue))
    for (field, instant) in Self.stepStarts(content) {
      // Listed on the sampling date (Art. 4): the registry as it stood at the end of that day.
      let day = OffSiteChecks.day(instant)
      let version = versions.last { $0.since <= Self.endOfDay(day) }
      if version?.status != .listed {
        violations.add(field, "agency \(code) was not listed on \(day) (Art. 4)", reason: "AGENCY_NOT_LISTED_THEN")
      } else if let ban = bans.first(where: { $0.startsOn <= day && day <= $0.endsOn }) {
        violations.add(field, "agency \(code) was banned on \(day), until \(ban.endsOn) (Art. 20)", reason: "AGENCY_BANNED")
      }
    }
    if !documents.isEmpty {
      let absent = try await tx.missingDocuments(Array(Set(documents.map(\.sha256))), owner: code.rawValue)
      for document in documents where absent.contains(document.sha256) {
        violations.add(document.field, "agency \(code) uploaded no document with this digest (DocumentService.Upload)", reason: "DOCUMENT_NOT_FOUND")
      }
    }
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    return versions
  }

  /// The report number not filed yet by the agency, but as activity `other` (the one amended):
  /// otherwise ALREADY_EXISTS naming the activity that has it.
  func requireReportUnfiled(_ tx: some FilingTransaction, content: ActivityContent, code: CreditCode, other: String?) async throws {
    let number = content.report?.reportNumber ?? ""
    guard let existing = try await tx.activityID(reportNumber: number, creditCode: code.rawValue), existing != other else { return }
    throw ServiceError(
      .alreadyExists, "report \(number) of agency \(code) was filed already as \(existing)", reason: "REPORT_FILED",
      violations: [FieldViolation("activity.report.report_number", "filed already as \(existing)", reason: "REPORT_FILED")],
      info: ["activity_id": existing])
  }

  /// The last instant of a day in China (UTC+8).
  static func endOfDay(_ day: CalendarDate) -> Date {
    Date(timeIntervalSince1970: Double(day.adding(days: 1).chinaMidnight) - 0.001)
  }

  /// Where each sampling event began (each analysis, for laboratory-only work).
  static func stepStarts(_ content: ActivityContent) -> [(field: String, instant: Date)] {
    let events = content.samplingEvents.enumerated().compactMap { index, event in
      event.startedAt.map { ("activity.sampling_events[\(index)].started_at", $0) }
    }
    if !events.isEmpty { return events }
    return content.analyses.enumerated().compactMap { index, analysis in analysis.startedAt.map { ("activity.analyses[\(index)].started_at", $0) } }
  }

  /// The span of the sampling (of the analyses for laboratory-only work).
  static func span(_ content: ActivityContent) -> ClosedRange<Date> {
    let starts = content.samplingEvents.compactMap(\.startedAt) + (content.samplingEvents.isEmpty ? content.analyses.compactMap(\.startedAt) : [])
    let ends = content.samplingEvents.compactMap(\.endedAt) + (content.samplingEvents.isEmpty ? content.analyses.compactMap(\.endedAt) : [])
    let from = starts.min() ?? .distantPast
    return from...max(from, ends.max() ?? from)
  }

  /// Runs the off-site checks on a version and stores their findings, `open`; returns them.
  /// `versions` is the registry as the write transaction reads it.
  func raiseFindings(
    _ tx: some FilingTransaction, _ prepared: Prepared, id: String, version: Int, code: CreditCode, registry versions: [AgencyVersionRow],
    at instant: Date
  ) async throws -> [FindingRow] {
    // The registry as read before the lock (or remembered from an earlier filing) is compared
    // whole: a version rolled back and written again differs in its record, not its number.
    let own = versions == prepared.registry
      ? prepared.ownFindings : ownFindings(prepared.content, registry: versions, amendment: version > 1, at: instant)
    registries.store(versions, for: code.rawValue)
    let findings = try await own + crossFindings(tx, content: prepared.content, facts: prepared.facts, id: id, code: code.rawValue)
    if version == 1 {
      try await tx.insertActivityFacts(activityID: id, creditCode: code.rawValue, facts: prepared.facts)
    } else {
      try await tx.replaceActivityFacts(activityID: id, creditCode: code.rawValue, facts: prepared.facts)
    }
    var rows: [FindingRow] = []
    for finding in findings {
      let row = Self.findingRow(finding, id: IDSequence.finding.id(try await tx.nextNumber(in: .finding)), activity: id, version: version, code: code.rawValue, at: instant)
      try await tx.insertFinding(row)
      rows.append(row)
    }
    return rows
  }

  /// The row of a finding the off-site checks raised on a version, `open` until an officer
  /// decides on it; the verification builds the rows of the replayed checks with it too.
  static func findingRow(_ finding: CheckFinding, id: String, activity: String, version: Int, code: String, at instant: Date) -> FindingRow {
    FindingRow(
      id: id, creditCode: code, category: finding.rule.category.rawValue, source: 3, sourceID: activity, description: finding.explanation,
      raisedAt: instant, verified: false, rule: finding.rule.id, activityID: activity, activityVersion: version,
      fields: Registry.json(finding.fields), status: "open")
  }

  /// The checks across activities, each an indexed lookup: the samplers' other sampling events
  /// (of any agency) near in time, the instruments' other uses, the sample ids, the series of
  /// results. Matches in this activity's own earlier versions do not count. What each lookup
  /// returns is put in one order first, so the findings, their order and their words do not
  /// depend on the order an engine's index returns rows in.
  func crossFindings(
    _ tx: some CrossCheckReads, content: ActivityContent, facts: ActivityFacts, id: String, code: String
  ) async throws -> [CheckFinding] {
    var found = OffSiteChecks.Findings(prefix: "activity")
    // One read for every sampler, over the span of all the events here.
    if !facts.samplings.isEmpty {
      let from = facts.samplings.map(\.startedAt).min()!.addingTimeInterval(-CrossChecks.samplingWindow)
      let until = facts.samplings.map(\.endedAt).max()!.addingTimeInterval(CrossChecks.samplingWindow)
      let people = Array(Set(facts.samplings.map(\.idNumber))).sorted()
      let others = Dictionary(
        grouping: try await tx.samplings(of: people, startedFrom: from, before: until).filter { $0.activityID != id }.sorted(by: Self.order),
        by: \.sampling.idNumber)
      for sampling in facts.samplings {
        CrossChecks.samplingFindings(sampling, code: code, others: others[sampling.idNumber] ?? [], settings: crossChecks, into: &found)
      }
    }
    // One read for every instrument, over the span of all the analyses here.
    if !facts.instrumentUses.isEmpty {
      let from = facts.instrumentUses.map(\.startedAt).min()!, until = facts.instrumentUses.map(\.endedAt).max()!
      let others = try await tx.instrumentUses(
        creditCode: code, instrumentIDs: Array(Set(facts.instrumentUses.map(\.instrumentID))).sorted(), overlapping: from, until: until,
        endedBefore: until.addingTimeInterval(CrossChecks.longestAnalysis)
      ).filter { $0.activityID != id }
      for use in facts.instrumentUses { CrossChecks.instrumentFindings(use, others: others, settings: crossChecks, into: &found) }
    }
    for (sample, other) in try await Self.ordered(tx.sampleUses(creditCode: code, sampleIDs: facts.sampleIDs).map { ($0.0, $0.1) }) where other != id {
      let field = content.samplingEvents.enumerated().compactMap { index, event in
        event.sampleIDs.firstIndex(of: sample).map { "sampling_events[\(index)].sample_ids[\($0)]" }
      }.first ?? "sampling_events"
      found.add(CrossChecks.sampleReused, subject: sample, "sample id \(sample) was used before, in activity \(other)", field)
    }
    // People this activity names who are also on another listed agency's staff list.
    var people: [(id: String, field: String)] = []
    for (index, event) in content.samplingEvents.enumerated() {
      for (number, person) in event.samplerIDNumbers.enumerated() { people.append((person, "sampling_events[\(index)].sampler_id_numbers[\(number)]")) }
    }
    for (index, analysis) in content.analyses.enumerated() { people.append((analysis.analystIDNumber, "analyses[\(index)].analyst_id_number")) }
    for (index, person) in (content.report?.signatoryIDNumbers ?? []).enumerated() {
      people.append((person, "report.signatory_id_numbers[\(index)]"))
    }
    let employers = try await Self.ordered(tx.agenciesEmploying(Array(Set(people.map(\.id)))).map { ($0.0, $0.1) })
    for (person, field) in people {
      for (idNumber, other) in employers where idNumber == person && other != code {
        found.add(
          CrossChecks.staffOfTwoAgencies, subject: person + other, "\(ResidentID.masked(person)) is also on the staff list of agency \(other)", field)
      }
    }
    for (series, other) in try await Self.ordered(tx.resultSeriesUses(facts.resultSeries).map { ($0.0, $0.1) }) where other != id {
      guard let position = facts.resultSeries.firstIndex(of: series) else { continue }
      let sample = facts.resultSeriesSamples[position]
      let fields = content.analyses.enumerated().filter { $0.element.sampleID == sample }.map { "analyses[\($0.offset)].result" }
      found.add(
        CrossChecks.copiedResults, subject: series + other,
        "the results of sample \(sample) repeat, value for value, those of a sample of activity \(other)", fields.first ?? "analyses")
    }
    return found.all
  }

  /// The pairs a cross-activity lookup returned, each once (an engine may return a pair once
  /// per id asked for), in the order of their text.
  static func ordered(_ pairs: [(String, String)]) -> [(String, String)] {
    Set(pairs.map { [$0.0, $0.1] }).sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { ($0[0], $0[1]) }
  }

  /// The one order of the samplings the cross-activity lookups return.
  static func order(_ a: OtherSampling, _ b: OtherSampling) -> Bool {
    (a.activityID, a.sampling.startedAt, a.sampling.endedAt, a.sampling.location.latitude, a.sampling.location.longitude)
      < (b.activityID, b.sampling.startedAt, b.sampling.endedAt, b.sampling.location.latitude, b.sampling.location.longitude)
  }

  // MARK: - Helpers

  func filed(_ reads: some FilingReads, id: String, version: Int?) async throws -> Filed {
    guard let activity = try await reads.activity(id: id) else {
      throw Self.activityNotFound(id)
    }
    return try await filed(reads, activity: activity, version: version)
  }

  /// `activity` at `version` (the latest when nil), with that version's findings.
  func filed(_ reads: some FilingReads, activity: ActivityRow, version: Int?) async throws -> Filed {
    let id = activity.id
    guard let row = try await reads.activityVersion(id: id, version: version ?? activity.version) else {
      throw ServiceError(
        .notFound, "activity \(id) has no version \(version ?? 0) (it has \(activity.version))", reason: "ACTIVITY_VERSION_NOT_FOUND",
        violations: [FieldViolation("version", "at most \(activity.version)", reason: "ACTIVITY_VERSION_NOT_FOUND")])
    }
    let findings = activity.findingCount > 0 ? try await reads.findings(ofActivities: [id]) : []
    return Filed(
      activity: activity, version: row, content: Registry.decode(ActivityContent.self, row.content) ?? ActivityContent(),
      findings: findings.filter { $0.activityVersion == row.version })
  }

  /// The filer's own activity; another's is NOT_FOUND, the same answer as an id that does not exist.
  func ownActivity(_ tx: some FilingTransaction, id: String, filer code: CreditCode) async throws -> ActivityRow {
    guard let row = try await tx.activity(id: id), row.creditCode == code.rawValue else { throw Self.activityNotFound(id) }
    return row
  }

  /// What a read answers for an activity that does not exist or that the caller may not see.
  static func activityNotFound(_ id: String) -> ServiceError {
    ServiceError(.notFound, "no activity \(id)", reason: "ACTIVITY_NOT_FOUND")
  }

  /// Not withdrawn, and at the version the caller corrects (when it says one).
  func requireCurrent(_ row: ActivityRow, expected: Int?) throws {
    if row.status == .withdrawn {
      throw ServiceError(.failedPrecondition, "activity \(row.id) was withdrawn", reason: "ACTIVITY_WITHDRAWN")
    }
    if let expected, expected != row.version {
      throw ServiceError(
        .aborted, "activity \(row.id) is at version \(row.version), not \(expected): read it again and correct that", reason: "VERSION_MISMATCH",
        info: ["version": String(row.version)])
    }
  }

  /// Who may read an activity: the city any; a district officer one with sampling in its
  /// district; an agency its own. Any other is, to the caller, not there (NOT_FOUND).
  static func requireRead(_ filed: Filed?, id: String, viewer: Viewer) throws {
    switch viewer {
    case .cityOfficer:
      if filed == nil { throw activityNotFound(id) }
    case .agency(let own):
      if filed?.activity.creditCode != own.rawValue { throw activityNotFound(id) }
    case .districtOfficer(let district):
      if filed?.content.districtCodes.contains(district) != true { throw activityNotFound(id) }
    case .partner:
      throw ServiceError(.permissionDenied, "partners do not read activities", reason: "METHOD_NOT_ALLOWED")
    }
  }
}
