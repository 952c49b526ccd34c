import Foundation

extension Supervision {
  /// A complaint as a reader may see it: the complainant's contact masked for everyone but the
  /// officer handling it.
  public struct ComplaintView: Codable, Sendable {
    public var complaint: ComplaintRecord
    public var row: RecordVersion
    /// Past its acceptance or conclusion day, undecided, as of the read.
    public var overdue: Bool
  }

  /// What a new complaint says (Art. 12).
  public struct ComplaintInput: Sendable {
    public var channel: Int
    public var creditCode: String
    public var districtCode: String
    public var receivedAt: Date?
    public var content: String
    public var channelReference: String
    public var complainantContact: String
    public var attachments: [DocumentRef]

    public init(
      channel: Int, creditCode: String, districtCode: String, receivedAt: Date?, content: String, channelReference: String = "",
      complainantContact: String = "", attachments: [DocumentRef] = []
    ) {
      self.channel = channel
      self.creditCode = creditCode
      self.districtCode = districtCode
      self.receivedAt = receivedAt
      self.content = content
      self.channelReference = channelReference
      self.complainantContact = complainantContact
      self.attachments = attachments
    }
  }

  /// The `ComplaintChannel` numbers (1 12369 … 9 phone).
  static let complaintChannels = 1...9

  /// Records a complaint as received, for the district it goes to: acceptance is to be decided
  /// within `acceptanceWorkingDays` working days of receipt.
  public func fileComplaint(_ input: ComplaintInput, viewer: Viewer, context: WriteContext) async throws -> ComplaintView {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    if !Self.complaintChannels.contains(input.channel) {
      violations.add("channel", "how it arrived: the 12369 or 12345 hotline, online, WeChat, phone, letter or visit, an organisation, the media, other", reason: "REQUIRED")
    }
    let code = Self.creditCode(input.creditCode, field: "credit_code", into: &violations)
    Self.checkDistrict(input.districtCode, field: "district_code", cityAllowed: false, into: &violations)
    let instant = now()
    if let receivedAt = input.receivedAt {
      if receivedAt > instant { violations.add("received_at", "it cannot arrive in the future", reason: "TIME_IN_FUTURE") }
    } else {
      violations.add("received_at", "when it arrived is required", reason: "REQUIRED")
    }
    violations.required("content", input.content, what: "what is complained about")
    violations.length("content", input.content, max: 4000, what: "the content")
    violations.length("channel_reference", input.channelReference, max: 100, what: "the channel's reference")
    violations.length("complainant_contact", input.complainantContact, max: 200, what: "the contact")
    let documents = Self.documents(input.attachments, field: "attachments", into: &violations)
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    try Self.requireOwnDistrict(viewer, input.districtCode)
    let receivedAt = input.receivedAt!
    return try await store.writeSupervision { tx in try await tx.once(context) {
      guard try await tx.agency(code!.rawValue) != nil else {
        throw ServiceError(
          .notFound, "no agency \(code!) is enrolled", reason: "AGENCY_NOT_FOUND",
          violations: [FieldViolation("credit_code", "no such agency", reason: "AGENCY_NOT_FOUND")])
      }
      try await Self.requireDocuments(tx, documents, viewer: viewer)
      // Working days on the calendars loaded (PutHolidayCalendar) over those built in; none for
      // the year: no day is guessed.
      let calendars = try await WorkingDays.loaded(from: tx, over: self.workingDays)
      let acceptBy = try? calendars.adding(self.settings.acceptanceWorkingDays, after: CalendarDate(chinaDayOf: receivedAt))
      let number = try await tx.nextNumber(in: .complaint)
      let id = IDSequence.complaint.id(number)
      let complaint = ComplaintRecord(
        id: id, channel: input.channel, creditCode: code!.rawValue, districtCode: input.districtCode, receivedAt: receivedAt,
        content: input.content, channelReference: input.channelReference, complainantContact: input.complainantContact,
        attachments: input.attachments, status: .received, acceptBy: acceptBy, acceptedAt: nil, concludeBy: nil, extension_: nil,
        resolution: nil, handledBy: context.actor, recordedAt: instant, recordedBy: context.actor)
      try await self.saveComplaint(tx, context, complaint, number: number, version: 1, at: instant)
      return try await self.complaintView(tx, id: id, caller: context.actor)
    } }
  }

  /// Accepts a received complaint: to be concluded within `conclusionDays` days.
  public func acceptComplaint(id: String, viewer: Viewer, context: WriteContext) async throws -> ComplaintView {
    try await changeComplaint(id: id, viewer: viewer, context: context) { complaint, instant, _ in
      guard complaint.status == .received else {
        throw ServiceError(.failedPrecondition, "complaint \(id) is \(complaint.status.rawValue), not awaiting acceptance", reason: "COMPLAINT_STATUS")
      }
      complaint.status = .open
      complaint.acceptedAt = instant
      complaint.concludeBy = CalendarDate(chinaDayOf: instant).adding(days: self.settings.conclusionDays)
      complaint.handledBy = context.actor
    }
  }

  /// Extends an accepted complaint's deadline, once, by at most `maximumExtensionDays`.
  public func extendComplaint(id: String, days: Int, reason: String, viewer: Viewer, context: WriteContext) async throws -> ComplaintView {
    var violations = Violations()
    if !(1...settings.maximumExtensionDays).contains(days) {
      violations.add("days", "an extension is 1 to \(settings.maximumExtensionDays) days, not \(days)", reason: "EXTENSION_DAYS")
    }
    violations.required("reason", reason, what: "the reason")
    violations.length("reason", reason, max: 1000, what: "the reason")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    return try await changeComplaint(id: id, viewer: viewer, context: context) { complaint, instant, _ in
      guard complaint.status == .open else {
        throw ServiceError(.failedPrecondition, "complaint \(id) is \(complaint.status.rawValue), not under investigation", reason: "COMPLAINT_STATUS")
      }
      if let earlier = complaint.extension_ {
        throw ServiceError(
          .failedPrecondition, "complaint \(id) was extended already, by \(earlier.days) days; a complaint is extended once", reason: "ALREADY_EXTENDED")
      }
      complaint.extension_ = ComplaintRecord.Extension(days: days, reason: reason, extendedBy: context.actor, extendedAt: instant)
      complaint.concludeBy = complaint.concludeBy?.adding(days: days)
    }
  }

  /// Concludes a complaint. A verified one becomes a confirmed finding (evidence, Art. 13);
  /// OUTSIDE_REMIT answers one not accepted.
  public func resolveComplaint(
    id: String, outcome: ComplaintRecord.Status?, explanation: String, category: Int, inspectionID: String, evidence: [DocumentRef],
    viewer: Viewer, context: WriteContext
  ) async throws -> ComplaintView {
    var violations = Violations()
    if ![.verified, .unfounded, .outsideRemit].contains(outcome) {
      violations.add("outcome", "VERIFIED, UNFOUNDED or OUTSIDE_REMIT", reason: "REQUIRED")
    }
    violations.required("explanation", explanation, what: "what the investigation found")
    violations.length("explanation", explanation, max: 4000, what: "the explanation")
    if outcome == .verified, !(1...7).contains(category) {
      violations.add("category", "a verified complaint becomes a finding: name its Art. 9 category", reason: "REQUIRED")
    }
    if outcome != .verified, category != 0 {
      violations.add("category", "only a verified complaint becomes a finding with a category", reason: "NOT_APPLICABLE")
    }
    let documents = Self.documents(evidence, field: "evidence", into: &violations)
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let outcome = outcome!
    return try await changeComplaint(id: id, viewer: viewer, context: context) { complaint, instant, tx in
      switch (complaint.status, outcome) {
      case (.open, .verified), (.open, .unfounded), (.received, .outsideRemit):
        break
      case (.received, _):
        throw ServiceError(
          .failedPrecondition, "complaint \(id) is not accepted yet: accept it to investigate, or resolve it OUTSIDE_REMIT", reason: "COMPLAINT_STATUS")
      case (.open, _):
        throw ServiceError(.failedPrecondition, "complaint \(id) was accepted: it is VERIFIED or UNFOUNDED now", reason: "COMPLAINT_STATUS")
      default:
        throw ServiceError(.failedPrecondition, "complaint \(id) is concluded already (\(complaint.status.rawValue))", reason: "COMPLAINT_STATUS")
      }
      try await Self.requireDocuments(tx, documents, viewer: viewer)
      if !inspectionID.isEmpty, try await tx.recordIndex(id: inspectionID)?.kind != .inspection {
        throw ServiceError(
          .notFound, "no inspection \(inspectionID)", reason: "INSPECTION_NOT_FOUND",
          violations: [FieldViolation("inspection_id", "no such inspection", reason: "INSPECTION_NOT_FOUND")])
      }
      let findingID = outcome == .verified ? IDSequence.finding.id(try await tx.nextNumber(in: .finding)) : ""
      complaint.status = outcome
      complaint.resolution = ComplaintRecord.Resolution(
        outcome: outcome, explanation: explanation, category: category, findingID: findingID, inspectionID: inspectionID, evidence: evidence,
        resolvedBy: context.actor, resolvedAt: instant)
      if let finding = Self.finding(of: complaint) { try await tx.insertFinding(finding) }
    }
  }

  /// The finding a verified complaint raised, confirmed, from its resolution; nil for another
  /// complaint. The verification rebuilds the row with it too.
  static func finding(of complaint: ComplaintRecord) -> FindingRow? {
    guard let resolution = complaint.resolution, !resolution.findingID.isEmpty else { return nil }
    return FindingRow(
      id: resolution.findingID, creditCode: complaint.creditCode, category: resolution.category, source: 2, sourceID: complaint.id,
      description: "complaint \(complaint.id) verified: \(resolution.explanation)", raisedAt: resolution.resolvedAt, verified: true,
      status: "confirmed", districtCode: complaint.districtCode)
  }

  /// One complaint, for the officers of its district and the city.
  public func complaint(id: String, viewer: Viewer, caller: String) async throws -> ComplaintView {
    try Self.requireOfficer(viewer)
    if id.isEmpty { throw ServiceError.required("complaint_id", "the complaint id") }
    let view = try await complaintView(store, id: id, caller: caller)
    try Self.requireOwnDistrict(viewer, view.complaint.districtCode, record: "complaint", id: id)
    return view
  }

  /// What a list of complaints is narrowed to.
  public struct ComplaintFilter: Sendable {
    public var creditCode = ""
    public var districtCode = ""
    public var status: ComplaintRecord.Status?
    public var overdueOnly = false

    public init() {}
  }

  /// Complaints newest first: the overdue ones only, if asked (past their acceptance or
  /// conclusion day, undecided). District officers see their district's.
  public func complaints(_ filter: ComplaintFilter, viewer: Viewer, caller: String, page: PageRequest) async throws -> Page<ComplaintView> {
    try Self.requireOfficer(viewer)
    var creditCode = filter.creditCode
    var district = filter.districtCode
    try viewer.narrow(creditCode: &creditCode, districtCode: &district, listing: "complaints")
    var query = RecordFilter(kind: .complaint)
    query.creditCode = creditCode
    query.districtCode = district
    if let status = filter.status { query.statuses = [status.rawValue] }
    if filter.overdueOnly {
      query.statuses = query.statuses.isEmpty ? ["received", "open"] : query.statuses.filter { $0 == "received" || $0 == "open" }
      if query.statuses.isEmpty { return Page(items: [], nextPageToken: "") }
      query.dayBefore = today().description
    }
    let rows = try await store.recordVersions(query, before: try page.afterSequence(), limit: page.limit)
    let today = today()
    let views = rows.compactMap { row in Registry.decode(ComplaintRecord.self, row.content).map { self.view($0, row: row, caller: caller, today: today) } }
    return page.page(views) { String(IDSequence.complaint.number(of: $0.complaint.id) ?? 0) }
  }

  // MARK: - Internals

  /// Applies `change` to the latest version of a complaint of the caller's district and saves
  /// it as the next version.
  func changeComplaint(
    id: String, viewer: Viewer, context: WriteContext,
    _ change: @escaping @Sendable (inout ComplaintRecord, Date, any SupervisionTransaction) async throws -> Void
  ) async throws -> ComplaintView {
    try Self.requireOfficer(viewer)
    if id.isEmpty { throw ServiceError.required("complaint_id", "the complaint id") }
    let instant = now()
    return try await store.writeSupervision { tx in try await tx.once(context) {
      var (complaint, row) = try await self.read(ComplaintRecord.self, tx, id: id, what: "complaint")
      try Self.requireOwnDistrict(viewer, complaint.districtCode, record: "complaint", id: id)
      try await change(&complaint, instant, tx)
      guard let number = IDSequence.complaint.number(of: id) else { throw ServiceError(.notFound, "no complaint \(id)", reason: "COMPLAINT_NOT_FOUND") }
      try await self.saveComplaint(tx, context, complaint, number: number, version: row.version + 1, at: instant)
      return try await self.complaintView(tx, id: id, caller: context.actor)
    } }
  }

  /// Writes a version and its index row (`RecordIndex.complaint`).
  func saveComplaint(
    _ tx: some SupervisionTransaction, _ context: WriteContext, _ complaint: ComplaintRecord, number: Int64, version: Int, at instant: Date
  ) async throws {
    _ = try await write(tx, context, id: complaint.id, version: version, complaint, at: instant)
    try await tx.putRecordIndex(.complaint(complaint, number: number, version: version))
  }

  func complaintView(_ reads: some SupervisionReads, id: String, caller: String) async throws -> ComplaintView {
    let (complaint, row) = try await read(ComplaintRecord.self, reads, id: id, what: "complaint")
    return view(complaint, row: row, caller: caller, today: today())
  }

  /// The contact is shown whole only to the officer handling the complaint.
  func view(_ complaint: ComplaintRecord, row: RecordVersion, caller: String, today: CalendarDate) -> ComplaintView {
    var shown = complaint
    if caller != complaint.handledBy { shown.complainantContact = ComplaintRecord.mask(complaint.complainantContact) }
    return ComplaintView(complaint: shown, row: row, overdue: complaint.isOverdue(on: today))
  }

  /// A credit code checked for form, nil (with a violation) when it is not one.
  static func creditCode(_ text: String, field: String, into violations: inout Violations) -> CreditCode? {
    if text.isEmpty {
      violations.add(field, "the agency's credit code is required", reason: "REQUIRED")
      return nil
    }
    do {
      return try CreditCode(validating: text)
    } catch {
      violations.add(field, "\(error)", reason: error.reason)
      return nil
    }
  }

  /// Document references checked for form, with their fields, for `requireDocuments`.
  static func documents(_ documents: [DocumentRef], field: String, into violations: inout Violations) -> [(field: String, sha256: String)] {
    var found: [(field: String, sha256: String)] = []
    for (index, document) in documents.enumerated() {
      let at = "\(field)[\(index)]"
      if let digest = violations.document(document, at: at, required: true, what: "the document") { found.append((at, digest)) }
    }
    return found
  }
}
