import Foundation

extension Credit {
  /// Art. 17's publicity lasts this many working days.
  public static let publicityWorkingDays = 15

  /// Starts the publicity of the year's latest draft on `startsOn` (a working day, not in the
  /// past): it ends on the 15th working day counted from the day after. A window that runs into
  /// a year with no calendar is refused, never guessed. A retry gets its first answer even once
  /// `startsOn` has passed.
  public func startPublicity(evaluationID id: String, startsOn: CalendarDate?, context: WriteContext) async throws -> (EvaluationRecord, RecordVersion) {
    if let earlier = try await store.earlier(context, as: (EvaluationRecord, RecordVersion).self) { return earlier }
    var violations = Violations()
    if id.isEmpty { violations.add("evaluation_id", "the draft evaluation is required", reason: "REQUIRED") }
    if startsOn == nil { violations.add("starts_on", "the first day of publicity is required", reason: "REQUIRED") }
    if let startsOn, startsOn < today() { violations.add("starts_on", "\(startsOn) is in the past", reason: "DATE_IN_PAST") }
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let start = startsOn!
    let instant = now()
    return try await store.writeCredit { tx in try await tx.once(context) {
      var (record, row) = try await self.read(EvaluationRecord.self, tx, id: id, what: "evaluation", reason: "EVALUATION_NOT_FOUND")
      guard record.status == "draft" else {
        throw ServiceError(.failedPrecondition, "evaluation \(id) is \(record.status), not a draft", reason: "EVALUATION_NOT_DRAFT")
      }
      if let latest = try await Self.latestEvaluation(tx, year: record.year), latest.0.id != id {
        throw ServiceError(.failedPrecondition, "\(latest.0.id) is \(record.year)'s latest evaluation, not \(id)", reason: "EVALUATION_SUPERSEDED")
      }
      let calendars = try await WorkingDays.loaded(from: tx, over: .shipped)
      guard calendars.calendars[start.year]?.isWorkingDay(start) ?? false else {
        throw ServiceError(
          calendars.calendars[start.year] == nil ? .failedPrecondition : .invalidArgument,
          calendars.calendars[start.year] == nil ? "no holiday calendar for \(start.year) is loaded (PutHolidayCalendar)" : "\(start) is not a working day",
          reason: calendars.calendars[start.year] == nil ? "CALENDAR_MISSING" : "NOT_A_WORKING_DAY",
          violations: [FieldViolation("starts_on", "publicity starts on a working day", reason: "NOT_A_WORKING_DAY")])
      }
      let end: CalendarDate
      do {
        end = try calendars.adding(Self.publicityWorkingDays, after: start)
      } catch let error as WorkingDays.MissingCalendar {
        throw ServiceError(
          .failedPrecondition,
          "15 working days from \(start) run into \(error.year), whose holidays are not loaded: load the State Council's notice (PutHolidayCalendar) first",
          reason: "CALENDAR_MISSING", info: ["year": String(error.year)])
      }
      record.status = "publicity"
      record.publicityStart = start
      record.publicityEnd = end
      row = try await self.saveEvaluation(tx, context, record, version: row.version + 1, at: instant)
      return (record, row)
    } }
  }

  /// An objection to a level, during its publicity (Art. 18): the agency for itself, or an
  /// officer recording one from someone else (named in `objector`).
  public func fileObjection(
    evaluationID id: String, creditCode: String, grounds: String, documents: [DocumentRef], objector: String, viewer: Viewer, context: WriteContext
  ) async throws -> (ObjectionRecord, RecordVersion) {
    var violations = Violations()
    if id.isEmpty { violations.add("evaluation_id", "the evaluation in publicity is required", reason: "REQUIRED") }
    let code = Supervision.creditCode(creditCode, field: "credit_code", into: &violations)
    violations.required("grounds", grounds, what: "the grounds")
    violations.length("grounds", grounds, max: 4000, what: "the grounds")
    violations.length("objector", objector, max: 200, what: "the objector")
    let references = Supervision.documents(documents, field: "documents", into: &violations)
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    switch viewer {
    case .agency(let own) where own.rawValue != creditCode:
      throw ServiceError(
        .permissionDenied, "an agency objects only to its own level", reason: "NOT_YOUR_AGENCY",
        violations: [FieldViolation("credit_code", "must be your own credit code", reason: "NOT_YOUR_AGENCY")])
    case .partner:
      throw ServiceError(.permissionDenied, "partners do not object", reason: "METHOD_NOT_ALLOWED")
    default:
      break
    }
    let instant = now()
    let today = today()
    return try await store.writeCredit { tx in try await tx.once(context) {
      let (evaluation, _) = try await self.read(EvaluationRecord.self, tx, id: id, what: "evaluation", reason: "EVALUATION_NOT_FOUND")
      guard evaluation.status == "publicity", let start = evaluation.publicityStart, let end = evaluation.publicityEnd, (start...end).contains(today) else {
        throw ServiceError(
          .failedPrecondition,
          "objections are filed during publicity\(evaluation.publicityStart.map { " (\($0) to \(evaluation.publicityEnd!))" } ?? ""); \(id) is \(evaluation.status)",
          reason: "OUTSIDE_PUBLICITY")
      }
      guard evaluation.result.ratings.contains(where: { $0.creditCode == code!.rawValue }) else {
        throw ServiceError(
          .notFound, "agency \(code!) is not rated in \(id)", reason: "RATING_NOT_FOUND",
          violations: [FieldViolation("credit_code", "not rated in this evaluation", reason: "RATING_NOT_FOUND")])
      }
      try await Supervision.requireDocuments(tx, references, viewer: viewer)
      let number = try await tx.nextNumber(in: .objection)
      let record = ObjectionRecord(
        id: IDSequence.objection.id(number), evaluationID: id, creditCode: code!.rawValue, grounds: grounds, documents: documents, objector: objector,
        status: "open", reviewedLevel: "", decision: "", filedAt: instant, filedBy: context.actor, decidedAt: nil, decidedBy: "")
      let row = try await self.saveObjection(tx, context, record, number: number, version: 1, at: instant)
      return (record, row)
    } }
  }

  /// Decides an objection: upheld, the level changed with the reason (the evaluation's result
  /// stays as computed; the objection is the review); or dismissed, with the reasons.
  public func resolveObjection(id: String, upheld: Bool?, reviewedLevel: String?, decision: String, context: WriteContext) async throws
    -> (ObjectionRecord, RecordVersion)
  {
    var violations = Violations()
    if id.isEmpty { violations.add("objection_id", "the objection is required", reason: "REQUIRED") }
    if upheld == nil { violations.add("outcome", "UPHELD or DISMISSED", reason: "REQUIRED") }
    if upheld == true, !["A", "B", "C", "D"].contains(reviewedLevel ?? "") {
      violations.add("reviewed_level", "the level after review, A to D (E comes only from Art. 16)", reason: "REQUIRED")
    }
    if upheld == false, reviewedLevel != nil { violations.add("reviewed_level", "only an upheld objection reviews the level", reason: "NOT_APPLICABLE") }
    violations.required("decision", decision, what: "the reasons")
    violations.length("decision", decision, max: 4000, what: "the reasons")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let instant = now()
    return try await store.writeCredit { tx in try await tx.once(context) {
      var (objection, row) = try await self.read(ObjectionRecord.self, tx, id: id, what: "objection", reason: "OBJECTION_NOT_FOUND")
      guard objection.status == "open" else {
        throw ServiceError(.failedPrecondition, "objection \(id) was decided already (\(objection.status))", reason: "OBJECTION_DECIDED")
      }
      let (evaluation, _) = try await self.read(EvaluationRecord.self, tx, id: objection.evaluationID, what: "evaluation", reason: "EVALUATION_NOT_FOUND")
      guard evaluation.status == "publicity" else {
        throw ServiceError(.failedPrecondition, "evaluation \(evaluation.id) is \(evaluation.status)", reason: "EVALUATION_NOT_IN_PUBLICITY")
      }
      objection.status = upheld! ? "upheld" : "dismissed"
      objection.reviewedLevel = reviewedLevel ?? ""
      objection.decision = decision
      objection.decidedAt = instant
      objection.decidedBy = context.actor
      // An upheld objection is the review of the level: the evaluation's ratings read it until
      // publication writes it into the evaluation (`reviewed`).
      row = try await self.saveObjection(tx, context, objection, number: IDSequence.objection.number(of: id) ?? 0, version: row.version + 1, at: instant)
      return (objection, row)
    } }
  }

  /// Publishes the year's results once publicity is over and every objection decided: the
  /// ratings become final, the bulletin is signed, and each rating goes out on the partners' feed.
  public func publish(evaluationID id: String, context: WriteContext) async throws -> (EvaluationRecord, RecordVersion) {
    if id.isEmpty { throw ServiceError.required("evaluation_id", "the evaluation") }
    let instant = now()
    let today = today()
    return try await store.writeCredit { tx in try await tx.once(context) {
      var (record, row) = try await self.read(EvaluationRecord.self, tx, id: id, what: "evaluation", reason: "EVALUATION_NOT_FOUND")
      guard record.status == "publicity", let end = record.publicityEnd else {
        throw ServiceError(.failedPrecondition, "evaluation \(id) is \(record.status): publicity comes first (StartPublicity)", reason: "EVALUATION_NOT_IN_PUBLICITY")
      }
      guard today > end else {
        throw ServiceError(.failedPrecondition, "publicity runs until \(end) (Art. 17): publish from \(end.adding(days: 1))", reason: "PUBLICITY_NOT_OVER")
      }
      var open = RecordFilter(kind: .objection)
      open.statuses = ["open"]
      open.dayFrom = id
      open.dayThrough = id
      let undecided = try await tx.allRecordVersions(open, number: IDSequence.objection.number(of:)).map(\.id)
      guard undecided.isEmpty else {
        throw ServiceError(
          .failedPrecondition, "\(undecided.count) objection(s) are still open: \(undecided.sorted().joined(separator: ", "))", reason: "OBJECTIONS_OPEN",
          info: ["objections": undecided.sorted().joined(separator: ",")])
      }
      record = try await Self.reviewed(tx, record)
      record.status = "published"
      record.publishedAt = instant
      let ratings = Self.published(record)
      record.bulletin = self.bulletin(record, ratings: ratings, at: instant)
      row = try await self.saveEvaluation(tx, context, record, version: row.version + 1, at: instant)
      var cursor = try await tx.lastRatingCursor()
      try await tx.insertRatingChanges(ratings.map { rating in
        cursor += 1
        return RatingChangeRow(
          cursor: cursor, kind: rating.level == "E" ? .directE : .published, year: record.year, creditCode: rating.creditCode, level: rating.level,
          rating: Registry.json(rating), evaluationID: id, changedAt: instant)
      })
      return (record, row)
    } }
  }

  /// The final ratings of a published evaluation: by rank, then the direct E ratings.
  public static func published(_ record: EvaluationRecord) -> [PublishedRating] {
    record.ratings.map { rating in
      PublishedRating(
        creditCode: rating.creditCode, name: rating.name, year: record.year, level: rating.level, score: rating.score, rank: rating.rank,
        art16Case: rating.art16Case, indicatorVersion: record.result.indicatorVersion,
        levelBeforeReview: record.levelBeforeReview(of: rating.creditCode) ?? "", status: "final")
    }
  }

  /// The bulletin's canonical JSON, signed with the bureau's key.
  func bulletin(_ record: EvaluationRecord, ratings: [PublishedRating], at instant: Date) -> SignedBulletin {
    struct Content: Encodable {
      var evaluationId: String
      var indicatorVersion: Int
      var publishedAt: String
      var ratings: [PublishedRating]
      var resultSha256: String
      var year: Int
    }
    let content = Content(
      evaluationId: record.id, indicatorVersion: record.result.indicatorVersion, publishedAt: Timestamps.format(instant), ratings: ratings,
      resultSha256: record.resultSHA256, year: record.year)
    let bytes = Array(Self.canonicalJSON(content))
    return SignedBulletin(
      content: String(decoding: bytes, as: UTF8.self), signature: Data(signingKey.sign(bytes)).base64EncodedString(), keyID: signingKey.publicKey.id)
  }

  /// Canonical bytes of what is signed or digested (an evaluation's result, a bulletin): JSON
  /// with sorted keys and no insignificant space, slashes unescaped.
  public static func canonicalJSON(_ value: some Encodable) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)) ?? Data()
  }

  // MARK: - Saving

  func saveEvaluation(_ tx: some CreditTransaction, _ context: WriteContext, _ record: EvaluationRecord, version: Int, at instant: Date) async throws
    -> RecordVersion
  {
    let row = try await write(tx, context, id: record.id, version: version, record, at: instant)
    try await tx.putRecordIndex(.evaluation(record, number: IDSequence.evaluation.number(of: record.id) ?? 0, version: version))
    return row
  }

  /// The evaluation with the levels its upheld objections reviewed, in the order decided. A
  /// published evaluation has them written in already.
  static func reviewed(_ reads: some RecordReads, _ record: EvaluationRecord) async throws -> EvaluationRecord {
    guard record.status != "published" else { return record }
    var filter = RecordFilter(kind: .objection)
    filter.statuses = ["upheld"]
    filter.dayFrom = record.id
    filter.dayThrough = record.id
    let upheld = try await reads.allRecordVersions(filter, number: IDSequence.objection.number(of:)).compactMap {
      Registry.decode(ObjectionRecord.self, $0.content)
    }
    var record = record
    let computed = Dictionary(uniqueKeysWithValues: record.result.ratings.map { ($0.creditCode, $0.level) })
    record.reviews = upheld.sorted { ($0.decidedAt ?? $0.filedAt, $0.id) < ($1.decidedAt ?? $1.filedAt, $1.id) }.map { objection in
      .init(
        creditCode: objection.creditCode, levelBefore: computed[objection.creditCode] ?? "", levelAfter: objection.reviewedLevel,
        objectionID: objection.id, reason: objection.decision)
    }
    return record
  }

  func saveObjection(_ tx: some CreditTransaction, _ context: WriteContext, _ record: ObjectionRecord, number: Int64, version: Int, at instant: Date)
    async throws -> RecordVersion
  {
    let row = try await write(tx, context, id: record.id, version: version, record, at: instant)
    try await tx.putRecordIndex(.objection(record, number: number, version: version))
    return row
  }
}

extension Credit {
  /// An evaluation's objections, newest first, in one status if asked. Officers.
  public func objections(evaluationID id: String, status: String?, viewer: Viewer, page: PageRequest) async throws -> Page<(ObjectionRecord, RecordVersion)> {
    try Self.requireOfficer(viewer)
    if id.isEmpty { throw ServiceError.required("evaluation_id", "the evaluation") }
    var filter = RecordFilter(kind: .objection)
    filter.dayFrom = id
    filter.dayThrough = id
    if let status { filter.statuses = [status] }
    let rows = try await store.recordVersions(filter, before: try page.afterSequence(), limit: page.limit)
    let records = rows.compactMap { row in Registry.decode(ObjectionRecord.self, row.content).map { ($0, row) } }
    return page.page(records) { String(IDSequence.objection.number(of: $0.0.id) ?? 0) }
  }
}
