import Foundation

extension Supervision {
  /// An inspection at one version, with the findings raised by all its versions.
  public struct InspectionView: Codable, Sendable {
    public var inspection: InspectionRecord
    public var row: RecordVersion
    public var findings: [FindingRow]
  }

  /// Art. 8 method numbers, Art. 7 item numbers, Art. 9 categories, Art. 9(1) measures.
  static let inspectionMethods = 1...8
  static let inspectionItems = 1...15
  static let findingCategories = 1...7
  static let measureKinds = 1...3

  /// Records an inspection (Art. 6–9), within the caller's jurisdiction. Its findings are raised
  /// confirmed (the inspectors verified them on the spot); a 9(2) finding opens a case referred
  /// for investigation.
  public func recordInspection(_ input: InspectionInput, viewer: Viewer, context: WriteContext) async throws -> InspectionView {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    let documents = check(input, prefix: "", correction: false, into: &violations)
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    try Self.requireOwnDistrict(viewer, input.districtCode)
    let instant = now()
    return try await store.writeSupervision { tx in try await tx.once(context) {
      try await self.requireJurisdiction(viewer, over: input.creditCode, reads: tx)
      try await self.requireReferences(tx, input, prefix: "", documents: documents, viewer: viewer)
      let number = try await tx.nextNumber(in: .inspection)
      let id = IDSequence.inspection.id(number)
      var record = InspectionRecord(
        id: id, version: 1, reason: "", input: input, findingIDs: [], cases: [], recordedAt: instant, recordedBy: context.actor)
      try await self.raise(tx, input.findings, of: &record, at: instant)
      try await self.saveInspection(tx, context, record, number: number, at: instant)
      return try await self.inspectionView(tx, id: id, version: nil)
    } }
  }

  /// Corrects an inspection: a new version with the reason. Its agency and district stay; the
  /// findings it lists are added (those raised stay, each with its own history).
  public func correctInspection(id: String, input: InspectionInput, reason: String, viewer: Viewer, context: WriteContext) async throws
    -> InspectionView
  {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    if id.isEmpty { violations.add("inspection_id", "the inspection id is required", reason: "REQUIRED") }
    violations.required("reason", reason, what: "the reason")
    violations.length("reason", reason, max: 1000, what: "the reason")
    let documents = check(input, prefix: "record.", correction: true, into: &violations)
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let instant = now()
    return try await store.writeSupervision { tx in try await tx.once(context) {
      let (earlier, row) = try await self.read(InspectionRecord.self, tx, id: id, what: "inspection")
      try Self.requireOwnDistrict(viewer, earlier.input.districtCode, record: "inspection", id: id)
      try await self.requireJurisdiction(viewer, over: earlier.input.creditCode, reads: tx, field: "inspection_id")
      var corrected = input
      for (field, given, kept) in [("credit_code", input.creditCode, earlier.input.creditCode), ("district_code", input.districtCode, earlier.input.districtCode)]
      where !given.isEmpty && given != kept {
        throw ServiceError.invalid([FieldViolation("record.\(field)", "an inspection's \(field) stays \(kept); record another inspection instead", reason: "IMMUTABLE")])
      }
      corrected.creditCode = earlier.input.creditCode
      corrected.districtCode = earlier.input.districtCode
      try await self.requireReferences(tx, corrected, prefix: "record.", documents: documents, viewer: viewer)
      var record = earlier
      record.version = row.version + 1
      record.reason = reason
      record.input = corrected
      record.recordedAt = instant
      record.recordedBy = context.actor
      try await self.raise(tx, corrected.findings, of: &record, at: instant)
      guard let number = IDSequence.inspection.number(of: id) else { throw ServiceError(.notFound, "no inspection \(id)", reason: "INSPECTION_NOT_FOUND") }
      try await self.saveInspection(tx, context, record, number: number, at: instant)
      return try await self.inspectionView(tx, id: id, version: nil)
    } }
  }

  /// One inspection: officers (a district officer those of its district), the inspected agency.
  public func inspection(id: String, version: Int?, viewer: Viewer) async throws -> InspectionView {
    if id.isEmpty { throw ServiceError.required("inspection_id", "the inspection id") }
    let view = try await inspectionView(store, id: id, version: version)
    switch viewer {
    case .partner:
      throw ServiceError(.permissionDenied, "partners do not read inspections", reason: "METHOD_NOT_ALLOWED")
    case .agency(let own) where own.rawValue != view.inspection.input.creditCode:
      throw Self.notFound("inspection", id)
    case .districtOfficer:
      try Self.requireOwnDistrict(viewer, view.inspection.input.districtCode, record: "inspection", id: id)
    default:
      break
    }
    return view
  }

  /// What a list of inspections is narrowed to.
  public struct InspectionFilter: Sendable {
    public var creditCode = ""
    public var districtCode = ""
    public var from: CalendarDate?
    public var through: CalendarDate?

    public init() {}
  }

  /// Inspections, newest first: a district officer's of its district, an agency its own.
  public func inspections(_ filter: InspectionFilter, viewer: Viewer, page: PageRequest) async throws -> Page<InspectionView> {
    if viewer == .partner { throw ServiceError(.permissionDenied, "partners do not read inspections", reason: "METHOD_NOT_ALLOWED") }
    var query = RecordFilter(kind: .inspection)
    query.creditCode = filter.creditCode
    query.districtCode = filter.districtCode
    try viewer.narrow(creditCode: &query.creditCode, districtCode: &query.districtCode, listing: "inspections")
    query.dayFrom = filter.from?.description
    query.dayThrough = filter.through?.description
    let rows = try await store.recordVersions(query, before: try page.afterSequence(), limit: page.limit)
    var views: [InspectionView] = []
    for row in rows {
      guard let record = Registry.decode(InspectionRecord.self, row.content) else { continue }
      views.append(InspectionView(inspection: record, row: row, findings: try await findings(store, ids: record.findingIDs)))
    }
    return page.page(views) { String(IDSequence.inspection.number(of: $0.inspection.id) ?? 0) }
  }

  // MARK: - Internals

  /// Checks what can be checked without the store; returns the documents to look up.
  func check(_ input: InspectionInput, prefix: String, correction: Bool, into violations: inout Violations) -> [(field: String, sha256: String)] {
    if !correction {
      _ = Self.creditCode(input.creditCode, field: prefix + "credit_code", into: &violations)
      Self.checkDistrict(input.districtCode, field: prefix + "district_code", cityAllowed: false, into: &violations)
    }
    let today = today()
    if let day = input.inspectedOn {
      if day > today { violations.add(prefix + "inspected_on", "\(day) is in the future", reason: "DATE_IN_FUTURE") }
    } else {
      violations.add(prefix + "inspected_on", "the day of the inspection is required", reason: "REQUIRED")
    }
    if input.methods.isEmpty { violations.add(prefix + "methods", "at least one Art. 8 method", reason: "REQUIRED") }
    for (index, method) in input.methods.enumerated() where !Self.inspectionMethods.contains(method) {
      violations.add(prefix + "methods[\(index)]", "not an Art. 8 method", reason: "REQUIRED")
    }
    if input.items.isEmpty { violations.add(prefix + "items", "at least one Art. 7 item", reason: "REQUIRED") }
    for (index, item) in input.items.enumerated() where !Self.inspectionItems.contains(item) {
      violations.add(prefix + "items[\(index)]", "not an Art. 7 item", reason: "REQUIRED")
    }
    if input.inspectorIDs.isEmpty { violations.add(prefix + "inspector_ids", "at least one inspector from the pool", reason: "REQUIRED") }
    violations.length(prefix + "summary", input.summary, max: 4000, what: "the summary")
    var documents: [(field: String, sha256: String)] = []
    for (index, finding) in input.findings.enumerated() {
      let at = prefix + "findings[\(index)]"
      if !Self.findingCategories.contains(finding.category) {
        violations.add(at + ".category", "an Art. 9 category: 9(1)1 to 6, or 9(2) suspected falsification", reason: "REQUIRED")
      }
      violations.required(at + ".description", finding.description, what: "what was found")
      violations.length(at + ".description", finding.description, max: 2000, what: "the description")
      documents += Self.documents(finding.evidence, field: at + ".evidence", into: &violations)
    }
    for (index, measure) in input.measures.enumerated() {
      let at = prefix + "measures[\(index)]"
      if !Self.measureKinds.contains(measure.kind) {
        violations.add(at + ".kind", "a written notice, an interview or a public notice (Art. 9(1))", reason: "REQUIRED")
      }
      if let day = measure.takenOn {
        if day > today { violations.add(at + ".taken_on", "\(day) is in the future", reason: "DATE_IN_FUTURE") }
      } else {
        violations.add(at + ".taken_on", "the day the measure was taken is required", reason: "REQUIRED")
      }
      violations.length(at + ".note", measure.note, max: 1000, what: "the note")
      if let document = measure.document, let digest = violations.document(document, at: at + ".document", required: true, what: "the document") {
        documents.append((at + ".document", digest))
      }
    }
    return documents
  }

  /// Everything the inspection names must exist: the agency, its activities, the inspectors,
  /// the plan (drawing this agency), the complaint (about it), the documents.
  func requireReferences(
    _ tx: some SupervisionTransaction, _ input: InspectionInput, prefix: String, documents: [(field: String, sha256: String)], viewer: Viewer
  ) async throws {
    var missing: [FieldViolation] = []
    if try await tx.agency(input.creditCode) == nil {
      missing.append(FieldViolation(prefix + "credit_code", "no agency \(input.creditCode) is enrolled", reason: "AGENCY_NOT_FOUND"))
    }
    let activities = input.activityIDs.enumerated().map { (prefix + "activity_ids[\($0)]", $1) }
      + input.findings.enumerated().filter { !$1.activityID.isEmpty }.map { (prefix + "findings[\($0)].activity_id", $1.activityID) }
    for (field, id) in activities {
      let activity = try await tx.activity(id: id)
      if activity?.creditCode != input.creditCode {
        missing.append(FieldViolation(field, "agency \(input.creditCode) filed no activity \(id)", reason: "ACTIVITY_NOT_FOUND"))
      }
    }
    for (index, inspector) in input.inspectorIDs.enumerated() where try await tx.recordIndex(id: inspector)?.kind != .inspector {
      missing.append(FieldViolation(prefix + "inspector_ids[\(index)]", "no inspector \(inspector) in the pool", reason: "INSPECTOR_NOT_FOUND"))
    }
    if !input.planID.isEmpty {
      let plan = try await tx.recordVersion(id: input.planID, version: nil).flatMap { Registry.decode(PlanRecord.self, $0.content) }
      if plan == nil {
        missing.append(FieldViolation(prefix + "plan_id", "no plan \(input.planID)", reason: "PLAN_NOT_FOUND"))
      } else if !(plan!.drawn.contains { $0.creditCode == input.creditCode }) {
        missing.append(FieldViolation(prefix + "plan_id", "plan \(input.planID) did not draw agency \(input.creditCode)", reason: "NOT_DRAWN"))
      }
    }
    if !input.complaintID.isEmpty {
      let complaint = try await tx.recordIndex(id: input.complaintID)
      if complaint?.kind != .complaint || complaint?.creditCode != input.creditCode {
        missing.append(FieldViolation(prefix + "complaint_id", "no complaint \(input.complaintID) about agency \(input.creditCode)", reason: "COMPLAINT_NOT_FOUND"))
      }
    }
    if !missing.isEmpty {
      throw ServiceError(.notFound, "\(missing.count) thing(s) the inspection names do not exist", reason: missing[0].reason, violations: missing)
    }
    try await Self.requireDocuments(tx, documents, viewer: viewer)
  }

  /// Raises the findings, confirmed, and opens a case for each 9(2) one.
  func raise(_ tx: some SupervisionTransaction, _ findings: [FindingInput], of record: inout InspectionRecord, at instant: Date) async throws {
    for finding in findings {
      let id = IDSequence.finding.id(try await tx.nextNumber(in: .finding))
      var caseID = ""
      if finding.isSuspectedFalsification {
        let number = try await tx.nextNumber(in: .investigationCase)
        caseID = IDSequence.investigationCase.id(number)
        let activities = finding.activityID.isEmpty ? record.input.activityIDs : [finding.activityID]
        record.cases.append(InvestigationCase(
          id: caseID, creditCode: record.input.creditCode, findingID: id, activityIDs: activities, referredOn: CalendarDate(chinaDayOf: instant),
          status: "referred"))
        try await tx.putRecordIndex(.investigationCase(record.cases.last!, of: record, number: number, version: record.version))
      }
      // A finding on an activity concerns the version the inspectors had before them: its latest.
      let activity = finding.activityID.isEmpty ? nil : try await tx.activity(id: finding.activityID)
      try await tx.insertFinding(Self.finding(
        finding, id: id, of: record, activity: activity.map { ($0.id, $0.version) }, caseID: caseID, at: instant))
      record.findingIDs.append(id)
    }
  }

  /// The row of a finding an inspection raised, confirmed on the spot; the verification
  /// rebuilds the row with it too.
  static func finding(
    _ finding: FindingInput, id: String, of record: InspectionRecord, activity: (id: String, version: Int)?, caseID: String, at instant: Date
  ) -> FindingRow {
    FindingRow(
      id: id, creditCode: record.input.creditCode, category: finding.category, source: 1, sourceID: record.id,
      description: finding.description, raisedAt: instant, verified: true, activityID: activity?.id, activityVersion: activity?.version,
      status: "confirmed", districtCode: record.input.districtCode, caseID: caseID)
  }

  func saveInspection(_ tx: some SupervisionTransaction, _ context: WriteContext, _ record: InspectionRecord, number: Int64, at instant: Date)
    async throws
  {
    _ = try await write(tx, context, id: record.id, version: record.version, record, at: instant)
    try await tx.putRecordIndex(.inspection(record, number: number))
  }

  func inspectionView(_ reads: some SupervisionReads, id: String, version: Int?) async throws -> InspectionView {
    let (record, row) = try await read(InspectionRecord.self, reads, id: id, version: version, what: "inspection")
    return InspectionView(inspection: record, row: row, findings: try await findings(reads, ids: record.findingIDs))
  }

  func findings(_ reads: some SupervisionReads, ids: [String]) async throws -> [FindingRow] {
    var rows: [FindingRow] = []
    for id in ids { if let row = try await reads.finding(id: id) { rows.append(row) } }
    return rows
  }
}
