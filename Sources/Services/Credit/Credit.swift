import Foundation

/// Credit management (Art. 13–18): the versioned indicator system, evidence from outside
/// supervision, the annual evaluation and its ratings, the holiday calendar publicity counts
/// working days on.
///
/// Every write is one store transaction with its audit entry and one version of the record it
/// changes (`record_version`); a new indicator system never changes a rating already computed,
/// and every evaluation names the version that produced it.
public final class Credit: Sendable {
  let store: any CreditStore
  /// Direct E removes the agency through the registry's own removal (Art. 20).
  let registry: Registry
  let signingKey: SigningKey
  let now: @Sendable () -> Date

  public init(store: any CreditStore, registry: Registry, signingKey: SigningKey, now: @escaping @Sendable () -> Date = Date.init) {
    self.store = store
    self.registry = registry
    self.signingKey = signingKey
    self.now = now
  }

  func today() -> CalendarDate { CalendarDate(chinaDayOf: now()) }

  /// Appends the write's audit entry and a version of record `id` holding `value`.
  func write(_ tx: some CreditTransaction, _ context: WriteContext, id: String, version: Int, _ value: some Encodable, at instant: Date) async throws
    -> RecordVersion
  {
    try await tx.appendVersion(context, id: id, version: version, value, at: instant, key: signingKey)
  }

  func read<T: Decodable>(_ type: T.Type, _ reads: some RecordReads, id: String, what: String, reason: String) async throws -> (T, RecordVersion) {
    guard let row = try await reads.recordVersion(id: id, version: nil), let value = Registry.decode(type, row.content) else {
      throw ServiceError(.notFound, "no \(what) \(id)", reason: reason)
    }
    return (value, row)
  }

  static func requireOfficer(_ viewer: Viewer) throws {
    if !viewer.isOfficer { throw ServiceError(.permissionDenied, "officers only", reason: "METHOD_NOT_ALLOWED") }
  }

  // MARK: - The indicator system (Art. 14)

  /// Stores a new version; the earlier ones stay, and ratings keep the version they used.
  public func putIndicators(_ system: IndicatorSystem, context: WriteContext) async throws -> (IndicatorSystem, RecordVersion) {
    let violations = IndicatorSystem.violations(system)
    if !violations.isEmpty { throw ServiceError.invalid(violations) }
    let instant = now()
    return try await store.writeCredit { tx in try await tx.once(context) {
      let number = try await tx.nextNumber(in: .indicatorSystem)
      var stored = system
      stored.version = Int(number)
      stored.createdAt = instant
      stored.createdBy = context.actor
      let id = IDSequence.indicatorSystem.id(number)
      let row = try await self.write(tx, context, id: id, version: 1, stored, at: instant)
      try await tx.putRecordIndex(.indicatorSystem(id: id, number: number))
      return (stored, row)
    } }
  }

  /// A version of the system, or the current (latest) one.
  public func indicators(version: Int?, viewer: Viewer) async throws -> (IndicatorSystem, RecordVersion) {
    try Self.requireOfficer(viewer)
    return try await indicators(store, version: version)
  }

  func indicators(_ reads: some RecordReads, version: Int?) async throws -> (IndicatorSystem, RecordVersion) {
    let id: String
    if let version {
      id = IDSequence.indicatorSystem.id(Int64(version))
    } else {
      guard let latest = try await reads.recordVersions(RecordFilter(kind: .indicatorSystem), before: nil, limit: 1).first else {
        throw ServiceError(.notFound, "no indicator system is loaded (monctl credit indicators put -f config/credit-indicators.yaml)", reason: "INDICATORS_NOT_FOUND")
      }
      id = latest.id
    }
    return try await read(IndicatorSystem.self, reads, id: id, what: "indicator system", reason: "INDICATORS_NOT_FOUND")
  }

  // MARK: - Evidence (Art. 13)

  /// What an officer records.
  public struct EvidenceInput: Sendable {
    public var creditCode: String
    public var source: Int
    public var indicatorCode: String
    public var points: Double
    public var description: String
    public var occurredOn: CalendarDate?
    public var verified: Bool
    public var note: String
    public var documents: [DocumentRef]
    public var findingID: String

    public init(
      creditCode: String, source: Int, indicatorCode: String, points: Double, description: String, occurredOn: CalendarDate?, verified: Bool,
      note: String, documents: [DocumentRef] = [], findingID: String = ""
    ) {
      self.creditCode = creditCode
      self.source = source
      self.indicatorCode = indicatorCode
      self.points = points
      self.description = description
      self.occurredOn = occurredOn
      self.verified = verified
      self.note = note
      self.documents = documents
      self.findingID = findingID
    }
  }

  /// Records evidence from outside; verified at once only with a note (an officer's act).
  public func recordEvidence(_ input: EvidenceInput, viewer: Viewer, context: WriteContext) async throws -> (EvidenceRecord, RecordVersion) {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    let code = Supervision.creditCode(input.creditCode, field: "credit_code", into: &violations)
    if !(1...6).contains(input.source) {
      violations.add("source", "where it came from: filed activities, the public, an organisation, the media, the credit platform, supervision", reason: "REQUIRED")
    }
    violations.required("indicator_code", input.indicatorCode, what: "the indicator it bears on")
    let centipoints = IndicatorSystem.centipoints(input.points)
    if centipoints == nil || centipoints == 0 {
      violations.add("points", "points added (positive) or deducted (negative), not 0, with at most two decimals", reason: "POINTS")
    }
    violations.required("description", input.description, what: "what it is")
    violations.length("description", input.description, max: 2000, what: "the description")
    if let day = input.occurredOn {
      if day > today() { violations.add("occurred_on", "\(day) is in the future", reason: "DATE_IN_FUTURE") }
    } else {
      violations.add("occurred_on", "the day it happened is required: it counts in that day's year", reason: "REQUIRED")
    }
    if input.verified { violations.required("note", input.note, what: "why it is verified at once") }
    violations.length("note", input.note, max: 2000, what: "the note")
    let documents = Supervision.documents(input.documents, field: "documents", into: &violations)
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let instant = now()
    return try await store.writeCredit { tx in try await tx.once(context) {
      guard try await tx.agency(code!.rawValue) != nil else {
        throw ServiceError(
          .notFound, "no agency \(code!) is enrolled", reason: "AGENCY_NOT_FOUND",
          violations: [FieldViolation("credit_code", "no such agency", reason: "AGENCY_NOT_FOUND")])
      }
      let (system, _) = try await self.indicators(tx, version: nil)
      guard system.indicators.contains(where: { $0.code == input.indicatorCode }) else {
        throw ServiceError(
          .notFound, "indicator system version \(system.version) has no indicator \(input.indicatorCode)", reason: "INDICATOR_NOT_FOUND",
          violations: [FieldViolation("indicator_code", "not an indicator of the current system", reason: "INDICATOR_NOT_FOUND")])
      }
      if !input.findingID.isEmpty, try await tx.finding(id: input.findingID)?.creditCode != code!.rawValue {
        throw ServiceError(
          .notFound, "no finding \(input.findingID) about agency \(code!)", reason: "FINDING_NOT_FOUND",
          violations: [FieldViolation("finding_id", "no such finding of this agency", reason: "FINDING_NOT_FOUND")])
      }
      try await Supervision.requireDocuments(tx, documents, viewer: viewer)
      let number = try await tx.nextNumber(in: .evidence)
      let record = EvidenceRecord(
        id: IDSequence.evidence.id(number), creditCode: code!.rawValue, source: input.source, indicatorCode: input.indicatorCode,
        centipoints: centipoints!, description: input.description, occurredOn: input.occurredOn!, documents: input.documents,
        findingID: input.findingID,
        verifications: input.verified ? [.init(verified: true, note: input.note, decidedBy: context.actor, decidedAt: instant)] : [],
        recordedAt: instant, recordedBy: context.actor)
      let row = try await self.saveEvidence(tx, context, record, number: number, version: 1, at: instant)
      return (record, row)
    } }
  }

  /// An officer's decision that evidence is true (it counts) or not (it does not), with a note.
  public func verifyEvidence(id: String, verified: Bool, note: String, viewer: Viewer, context: WriteContext) async throws
    -> (EvidenceRecord, RecordVersion)
  {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    if id.isEmpty { violations.add("evidence_id", "the evidence id is required", reason: "REQUIRED") }
    violations.required("note", note, what: "why")
    violations.length("note", note, max: 2000, what: "the note")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let instant = now()
    return try await store.writeCredit { tx in try await tx.once(context) {
      var (record, row) = try await self.read(EvidenceRecord.self, tx, id: id, what: "evidence", reason: "EVIDENCE_NOT_FOUND")
      record.verifications.append(.init(verified: verified, note: note, decidedBy: context.actor, decidedAt: instant))
      let saved = try await self.saveEvidence(tx, context, record, number: IDSequence.evidence.number(of: id) ?? 0, version: row.version + 1, at: instant)
      row = saved
      return (record, row)
    } }
  }

  /// Recorded evidence, newest first, of an agency and a year if given.
  public func evidence(creditCode: String, year: Int?, viewer: Viewer, page: PageRequest) async throws -> Page<(EvidenceRecord, RecordVersion)> {
    try Self.requireOfficer(viewer)
    var filter = RecordFilter(kind: .evidence)
    filter.creditCode = creditCode
    if let year {
      filter.dayFrom = "\(year)-01-01"
      filter.dayThrough = "\(year)-12-31"
    }
    let rows = try await store.recordVersions(filter, before: try page.afterSequence(), limit: page.limit)
    let records = rows.compactMap { row in Registry.decode(EvidenceRecord.self, row.content).map { ($0, row) } }
    return page.page(records) { String(IDSequence.evidence.number(of: $0.0.id) ?? 0) }
  }

  func saveEvidence(_ tx: some CreditTransaction, _ context: WriteContext, _ record: EvidenceRecord, number: Int64, version: Int, at instant: Date)
    async throws -> RecordVersion
  {
    let row = try await write(tx, context, id: record.id, version: version, record, at: instant)
    try await tx.putRecordIndex(.evidence(record, number: number, version: version))
    return row
  }

  // MARK: - The annual evaluation (Art. 13, 15, 16)

  /// Evaluates a past year with an indicator system version (the current one if nil): a new
  /// draft, the year's earlier draft superseded. The same evidence, version and year give the
  /// same result, byte for byte.
  public func evaluate(year: Int, indicatorVersion: Int?, context: WriteContext) async throws -> (EvaluationRecord, RecordVersion) {
    let current = today().year
    if year < 2000 || year >= current {
      throw ServiceError.invalid([FieldViolation("year", "a past year, before \(current): the year evaluated must be over", reason: "YEAR")])
    }
    let instant = now()
    return try await store.writeCredit { tx in try await tx.once(context) {
      let (system, _) = try await self.indicators(tx, version: indicatorVersion)
      var earlier = RecordFilter(kind: .evaluation)
      earlier.dayFrom = "\(year)"
      earlier.dayThrough = "\(year)"
      if let latest = try await tx.recordVersions(earlier, before: nil, limit: 1).first,
        let record = Registry.decode(EvaluationRecord.self, latest.content), record.status != "draft"
      {
        throw ServiceError(.failedPrecondition, "\(year)'s evaluation \(record.id) is in \(record.status) already", reason: "EVALUATION_NOT_DRAFT")
      }
      let result = CreditEvaluation(year: year, system: system, inputs: try await self.inputs(tx, year: year))
      let number = try await tx.nextNumber(in: .evaluation)
      let record = EvaluationRecord(
        id: IDSequence.evaluation.id(number), year: year, status: "draft", result: result, resultSHA256: result.sha256, createdAt: instant,
        createdBy: context.actor)
      let row = try await self.write(tx, context, id: record.id, version: 1, record, at: instant)
      try await tx.putRecordIndex(.evaluation(record, number: number, version: 1))
      return (record, row)
    } }
  }

  /// The store's aggregates and the year's verified evidence.
  func inputs(_ tx: some CreditTransaction, year: Int) async throws -> EvaluationInputs {
    var inputs = try await tx.evaluationInputs(year: year)
    var filter = RecordFilter(kind: .evidence)
    filter.statuses = ["verified"]
    filter.dayFrom = "\(year)-01-01"
    filter.dayThrough = "\(year)-12-31"
    for row in try await tx.allRecordVersions(filter, number: IDSequence.evidence.number(of:)) {
      guard let record = Registry.decode(EvidenceRecord.self, row.content) else { continue }
      inputs.evidence.append(.init(creditCode: record.creditCode, indicatorCode: record.indicatorCode, centipoints: record.centipoints))
    }
    inputs.evidence.sort { ($0.creditCode, $0.indicatorCode, $0.centipoints) < ($1.creditCode, $1.indicatorCode, $1.centipoints) }
    return inputs
  }

  /// One evaluation. Officers.
  public func evaluation(id: String, viewer: Viewer) async throws -> (EvaluationRecord, RecordVersion) {
    try Self.requireOfficer(viewer)
    if id.isEmpty { throw ServiceError.required("evaluation_id", "the evaluation id") }
    let (record, row) = try await read(EvaluationRecord.self, store, id: id, what: "evaluation", reason: "EVALUATION_NOT_FOUND")
    return (try await Self.reviewed(store, record), row)
  }

  /// The year's latest evaluation (of the latest year evaluated when nil), in `status` if given.
  static func latestEvaluation(_ reads: some RecordReads, year: Int?, status: String? = nil) async throws -> (EvaluationRecord, RecordVersion)? {
    // An evaluation's index `day` is its year: the latest year is one indexed read, and its
    // latest evaluation the newest row of that year; only that one is read and decoded.
    var filter = RecordFilter(kind: .evaluation)
    if let status { filter.statuses = [status] }
    let latestDay = year == nil ? try await reads.latestDay(kind: .evaluation, statuses: filter.statuses) : nil
    guard let day = year.map({ "\($0)" }) ?? latestDay else { return nil }
    filter.dayFrom = day
    filter.dayThrough = day
    guard let row = try await reads.recordVersions(filter, before: nil, limit: 1).first,
      let record = Registry.decode(EvaluationRecord.self, row.content)
    else { return nil }
    return (record, row)
  }

  /// An agency's rating in the year's latest evaluation: officers, and the agency its own.
  public func rating(creditCode: String, year: Int?, viewer: Viewer) async throws -> (CreditEvaluation.Rating, EvaluationRecord) {
    if case .agency(let own) = viewer, own.rawValue != creditCode {
      throw ServiceError(
        .permissionDenied, "an agency reads only its own rating", reason: "NOT_YOUR_AGENCY",
        violations: [FieldViolation("credit_code", "must be your own credit code", reason: "NOT_YOUR_AGENCY")])
    }
    if viewer == .partner { throw ServiceError(.permissionDenied, "partners read published ratings (SharingService)", reason: "METHOD_NOT_ALLOWED") }
    guard let (latest, _) = try await Self.latestEvaluation(store, year: year), case let record = try await Self.reviewed(store, latest),
      let rating = record.ratings.first(where: { $0.creditCode == creditCode })
    else {
      throw ServiceError(.notFound, "agency \(creditCode) is not rated\(year.map { " for \($0)" } ?? "")", reason: "RATING_NOT_FOUND")
    }
    return (rating, record)
  }

  /// A page of the year's ratings, by rank, at one level if asked. Officers.
  public func ratings(year: Int, level: String?, viewer: Viewer, page: PageRequest) async throws -> (Page<CreditEvaluation.Rating>, EvaluationRecord?) {
    try Self.requireOfficer(viewer)
    guard let (latest, _) = try await Self.latestEvaluation(store, year: year) else { return (Page(items: [], nextPageToken: ""), nil) }
    let record = try await Self.reviewed(store, latest)
    let all = record.ratings.filter { level == nil || $0.level == level }
    return (try record.page(all, page), record)
  }
}

extension EvaluationRecord {
  /// A page of what is listed from this evaluation, by position. The token names the
  /// evaluation and the position after the last item sent: an evaluation never changes, so
  /// pages neither repeat nor skip.
  func page<Item>(_ items: [Item], _ page: PageRequest) throws(ServiceError) -> Page<Item> {
    var start = 0
    if let token = page.after {
      let parts = token.split(separator: "@")
      guard parts.count == 2, String(parts[0]) == id, let position = Int(parts[1]) else {
        throw .invalid([FieldViolation("page_token", "not a token of \(year)'s evaluation \(id)", reason: "PAGE_TOKEN")])
      }
      start = position
    }
    let slice = Array(items.dropFirst(start).prefix(page.size))
    let next = start + slice.count < items.count ? PageRequest.token(for: "\(id)@\(start + slice.count)") : ""
    return Page(items: slice, nextPageToken: next)
  }
}
