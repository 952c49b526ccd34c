import Foundation

extension Supervision {
  // MARK: - The pool of inspectors

  /// Registers an inspector: a district officer for its own district's bureau, the city for any.
  public func addInspector(name: String, badgeNumber: String, districtCode: String, viewer: Viewer, context: WriteContext) async throws
    -> (InspectorRecord, RecordVersion)
  {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    violations.required("name", name, what: "the inspector's name")
    violations.length("name", name, max: 100, what: "the name")
    violations.required("badge_number", badgeNumber, what: "the badge number")
    violations.length("badge_number", badgeNumber, max: 50, what: "the badge number")
    Self.checkDistrict(districtCode, field: "district_code", cityAllowed: true, into: &violations)
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    try Self.requireOwnDistrict(viewer, districtCode)
    let instant = now()
    return try await store.writeSupervision { tx in try await tx.once(context) {
      if let existing = try await tx.recordID(kind: .inspector, key: badgeNumber) {
        throw ServiceError(
          .alreadyExists, "badge number \(badgeNumber) is registered already, as \(existing)", reason: "INSPECTOR_EXISTS",
          violations: [FieldViolation("badge_number", "registered already (\(existing))", reason: "INSPECTOR_EXISTS")])
      }
      let number = try await tx.nextNumber(in: .inspector)
      let record = InspectorRecord(
        id: IDSequence.inspector.id(number), name: name, badgeNumber: badgeNumber, districtCode: districtCode, conflicts: [],
        addedAt: instant, addedBy: context.actor)
      let row = try await self.saveInspector(tx, context, record, number: number, version: 1, at: instant)
      return (record, row)
    } }
  }

  /// Declares an inspector's conflict with an agency: no draw sends them there.
  public func declareConflict(inspectorID id: String, creditCode: String, reason: String, viewer: Viewer, context: WriteContext) async throws
    -> (InspectorRecord, RecordVersion)
  {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    if id.isEmpty { violations.add("inspector_id", "the inspector id is required", reason: "REQUIRED") }
    let code = Self.creditCode(creditCode, field: "conflict.credit_code", into: &violations)
    violations.required("conflict.reason", reason, what: "the reason")
    violations.length("conflict.reason", reason, max: 1000, what: "the reason")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let instant = now()
    return try await store.writeSupervision { tx in try await tx.once(context) {
      var (record, row) = try await self.read(InspectorRecord.self, tx, id: id, what: "inspector")
      try Self.requireOwnDistrict(viewer, record.districtCode, record: "inspector", id: id)
      if record.conflicts.contains(where: { $0.creditCode == code!.rawValue }) {
        throw ServiceError(.alreadyExists, "\(id) declared a conflict with \(code!) already", reason: "CONFLICT_EXISTS")
      }
      record.conflicts.append(InspectorRecord.Conflict(creditCode: code!.rawValue, reason: reason, declaredAt: instant))
      let number = IDSequence.inspector.number(of: id) ?? 0
      let saved = try await self.saveInspector(tx, context, record, number: number, version: row.version + 1, at: instant)
      row = saved
      return (record, row)
    } }
  }

  /// The pool, newest first; a district officer's district's.
  public func inspectors(districtCode: String, viewer: Viewer, page: PageRequest) async throws -> Page<(InspectorRecord, RecordVersion)> {
    try Self.requireOfficer(viewer)
    var creditCode = ""
    var district = districtCode
    try viewer.narrow(creditCode: &creditCode, districtCode: &district, listing: "inspectors")
    var query = RecordFilter(kind: .inspector)
    query.districtCode = district
    let rows = try await store.recordVersions(query, before: try page.afterSequence(), limit: page.limit)
    let records = rows.compactMap { row in Registry.decode(InspectorRecord.self, row.content).map { ($0, row) } }
    return page.page(records) { String(IDSequence.inspector.number(of: $0.0.id) ?? 0) }
  }

  func saveInspector(
    _ tx: some SupervisionTransaction, _ context: WriteContext, _ record: InspectorRecord, number: Int64, version: Int, at instant: Date
  ) async throws -> RecordVersion {
    let row = try await write(tx, context, id: record.id, version: version, record, at: instant)
    try await tx.putRecordIndex(.inspector(record, number: number, version: version))
    return row
  }

  // MARK: - The seed, committed before the draw

  /// Commits to a fresh random seed for a coming draw: only its SHA-256 is recorded (and so in
  /// the audit log) until the plan reveals it.
  public func commitSeed(periodStart: CalendarDate?, periodEnd: CalendarDate?, districtCode: String, viewer: Viewer, context: WriteContext)
    async throws -> (CommitmentRecord, RecordVersion, planID: String)
  {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    Self.checkPeriod(periodStart, periodEnd, into: &violations)
    Self.checkDistrict(districtCode, field: "district_code", cityAllowed: true, into: &violations)
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    try Self.requireOwnDistrict(viewer, districtCode)
    let instant = now()
    let seed = Digest.randomBytes(32)
    return try await store.writeSupervision { tx in try await tx.once(context) {
      let number = try await tx.nextNumber(in: .commitment)
      let record = CommitmentRecord(
        id: IDSequence.commitment.id(number), periodStart: periodStart!, periodEnd: periodEnd!, districtCode: districtCode,
        seedSHA256: Digest.sha256Hex(seed), committedAt: instant, committedBy: context.actor)
      _ = try await self.write(tx, context, id: record.id, version: 1, record, at: instant)
      try await tx.insertSeed(commitmentID: record.id, seedHex: Digest.hex(seed))
      try await tx.putRecordIndex(.commitment(record, number: number))
      return try await self.commitment(tx, id: record.id)
    } }
  }

  /// A commitment and the plan that used it ("" while unused).
  func commitment(_ reads: some SupervisionReads, id: String) async throws -> (CommitmentRecord, RecordVersion, planID: String) {
    let (record, row) = try await read(CommitmentRecord.self, reads, id: id, what: "commitment")
    return (record, row, try await reads.recordIndex(id: id)?.status ?? "")
  }

  // MARK: - The draw

  /// A plan with the commitment whose seed drew it and the plan that replaced it ("" while it stands).
  public struct PlanView: Codable, Sendable {
    public var plan: PlanRecord
    public var row: RecordVersion
    public var commitment: CommitmentRecord
    public var commitmentRow: RecordVersion
    public var replacedBy: String
  }

  /// Draws a plan with a committed, unused seed: the agencies in the commitment's scope by
  /// stratum and two inspectors each (`InspectionDraw`). A redraw names the plan it replaces and
  /// why; the old plan stays, marked replaced.
  public func plan(
    commitmentID: String, shares levelShares: (a: Double, b: Double, c: Double)?, replacesPlanID: String, reason: String, viewer: Viewer,
    context: WriteContext
  ) async throws -> PlanView {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    if commitmentID.isEmpty { violations.add("commitment_id", "the commitment whose seed draws the plan is required (CommitDrawSeed)", reason: "REQUIRED") }
    var shares = InspectionDraw.Shares.defaults
    shares.unrated = settings.unratedBasisPoints
    shares.complaint = settings.complaintBasisPoints
    if let levelShares {
      shares.a = Self.basisPoints(levelShares.a, maximum: 500, field: "shares.a_percent", into: &violations)
      shares.b = Self.basisPoints(levelShares.b, maximum: 1000, field: "shares.b_percent", into: &violations)
      shares.c = Self.basisPoints(levelShares.c, maximum: 3000, field: "shares.c_percent", into: &violations)
    }
    if replacesPlanID.isEmpty {
      if !reason.isEmpty { violations.add("reason", "a reason is given only for a redraw (replaces_plan_id)", reason: "NOT_APPLICABLE") }
    } else {
      violations.required("reason", reason, what: "why the plan is redrawn")
    }
    violations.length("reason", reason, max: 1000, what: "the reason")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let instant = now()
    return try await store.writeSupervision { tx in try await tx.once(context) {
      let (commitment, _, usedBy) = try await self.commitment(tx, id: commitmentID)
      try Self.requireOwnDistrict(viewer, commitment.districtCode, record: "commitment", id: commitmentID)
      if !usedBy.isEmpty {
        throw ServiceError(
          .failedPrecondition, "commitment \(commitmentID) drew \(usedBy) already: commit a new seed to redraw", reason: "COMMITMENT_USED")
      }
      if !replacesPlanID.isEmpty {
        let replaced = try await self.planView(tx, id: replacesPlanID)
        if !replaced.replacedBy.isEmpty {
          throw ServiceError(.failedPrecondition, "plan \(replacesPlanID) was replaced already, by \(replaced.replacedBy)", reason: "PLAN_REPLACED")
        }
        if replaced.plan.districtCode != commitment.districtCode {
          throw ServiceError(
            .failedPrecondition, "plan \(replacesPlanID) is of another scope than commitment \(commitmentID)", reason: "SCOPE_MISMATCH")
        }
      }
      guard let seedHex = try await tx.seed(commitmentID: commitmentID) else {
        throw ServiceError(.internalError, "the seed of \(commitmentID) is missing", reason: "SEED_MISSING")
      }
      let inputs = try await self.drawInputs(tx, commitment: commitment, seedHex: seedHex, shares: shares)
      let draw: InspectionDraw
      do {
        draw = try InspectionDraw(inputs)
      } catch let error as InspectionDraw.Shortfall {
        throw ServiceError(
          .failedPrecondition,
          "the pool has fewer than \(InspectionDraw.inspectorsPerAgency) inspectors without a conflict for \(error.creditCodes.joined(separator: ", ")): register more (AddInspector)",
          reason: "POOL_TOO_SMALL", info: ["credit_codes": error.creditCodes.joined(separator: ",")])
      }
      let number = try await tx.nextNumber(in: .plan)
      let plan = PlanRecord(
        id: IDSequence.plan.id(number), periodStart: commitment.periodStart, periodEnd: commitment.periodEnd,
        districtCode: commitment.districtCode, commitmentID: commitmentID, seedHex: seedHex, algorithm: InspectionDraw.algorithm,
        shares: shares, candidates: inputs.candidates, pool: inputs.pool, inputsSHA256: inputs.sha256, strata: draw.strata, drawn: draw.drawn,
        createdAt: instant, createdBy: context.actor, replacesPlanID: replacesPlanID, reason: reason)
      _ = try await self.write(tx, context, id: plan.id, version: 1, plan, at: instant)
      try await tx.putRecordIndex(.plan(plan, number: number))
      // The commitment's and the replaced plan's index rows name what used or replaced them.
      if let used = try await tx.recordIndex(id: commitmentID) {
        var index = used
        index.status = plan.id
        try await tx.putRecordIndex(index)
      }
      if !replacesPlanID.isEmpty, var replaced = try await tx.recordIndex(id: replacesPlanID) {
        replaced.status = plan.id
        try await tx.putRecordIndex(replaced)
      }
      return try await self.planView(tx, id: plan.id)
    } }
  }

  /// One plan, for officers (a district officer those of its district).
  public func plan(id: String, viewer: Viewer) async throws -> PlanView {
    try Self.requireOfficer(viewer)
    if id.isEmpty { throw ServiceError.required("plan_id", "the plan id") }
    let view = try await planView(store, id: id)
    try Self.requireOwnDistrict(viewer, view.plan.districtCode, record: "plan", id: id)
    return view
  }

  func planView(_ reads: some SupervisionReads, id: String) async throws -> PlanView {
    let (plan, row) = try await read(PlanRecord.self, reads, id: id, what: "plan")
    let (commitment, commitmentRow, _) = try await commitment(reads, id: plan.commitmentID)
    return PlanView(
      plan: plan, row: row, commitment: commitment, commitmentRow: commitmentRow, replacedBy: try await reads.recordIndex(id: id)?.status ?? "")
  }

  /// The candidates (the scope's listed agencies, each with its level and recent verified
  /// complaints) and the pool (the scope's bureau's inspectors), as the draw takes them.
  func drawInputs(_ tx: some SupervisionTransaction, commitment: CommitmentRecord, seedHex: String, shares: InspectionDraw.Shares) async throws
    -> InspectionDraw.Inputs
  {
    let instant = now()
    let codes = try await tx.agenciesInScope(districtCode: commitment.districtCode, samplingSince: monthsBefore(settings.jurisdictionMonths, instant))
    let complained = try await tx.agenciesWithVerifiedComplaints(since: monthsBefore(settings.complaintLookbackMonths, instant))
    // Each agency's level in the latest published ratings (Art. 15, 19); unrated until it has
    // one. (An agency rated E directly has left the registry, and so the candidates.)
    let published = try await Credit.latestEvaluation(tx, year: nil, status: "published")?.0
    let levels = Dictionary(published.map(Credit.published)?.map { ($0.creditCode, $0.level) } ?? [], uniquingKeysWith: { first, _ in first })
    let candidates = codes.map { InspectionDraw.Candidate(creditCode: $0, level: levels[$0], verifiedComplaint: complained.contains($0)) }
    var query = RecordFilter(kind: .inspector)
    query.districtCode = commitment.districtCode
    let pool = try await tx.allRecordVersions(query, number: IDSequence.inspector.number(of:)).compactMap { row in
      Registry.decode(InspectorRecord.self, row.content).flatMap { inspector in
        inspector.districtCode == commitment.districtCode
          ? InspectionDraw.Inspector(id: inspector.id, conflicts: inspector.conflicts.map(\.creditCode)) : nil
      }
    }
    return InspectionDraw.Inputs(
      seed: Hex.bytes(seedHex), periodStart: commitment.periodStart.description, periodEnd: commitment.periodEnd.description,
      districtCode: commitment.districtCode, shares: shares, candidates: candidates, pool: pool)
  }

  /// A percentage as basis points, at most two decimals and at most `maximum` (Art. 22).
  static func basisPoints(_ percent: Double, maximum: Int, field: String, into violations: inout Violations) -> Int {
    let points = (percent * 100).rounded()
    if !percent.isFinite || percent < 0 || abs(points - percent * 100) > 1e-6 {
      violations.add(field, "a percentage from 0 with at most two decimals", reason: "SHARE")
      return 0
    }
    if Int(points) > maximum {
      violations.add(field, "at most \(Double(maximum) / 100) % (Art. 22), not \(percent)", reason: "SHARE_ABOVE_MAXIMUM")
    }
    return Int(points)
  }

  static func checkPeriod(_ start: CalendarDate?, _ end: CalendarDate?, into violations: inout Violations) {
    if start == nil { violations.add("period.start", "the period's first day is required", reason: "REQUIRED") }
    if end == nil { violations.add("period.end", "the period's last day is required", reason: "REQUIRED") }
    if let start, let end, end < start {
      violations.add("period.end", "the period ends before it starts (\(start))", reason: "PERIOD_REVERSED")
    }
  }
}
