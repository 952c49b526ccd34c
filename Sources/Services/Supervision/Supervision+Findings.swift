import Foundation

extension Supervision {
  /// Where a finding stands.
  public static let findingStatuses = ["open", "confirmed", "dismissed", "rectified"]

  /// A finding with the officers' decisions on it, oldest first.
  public struct FindingView: Codable, Sendable {
    public var finding: FindingRow
    public var reviews: [Review]

    /// A decision and the version that keeps it.
    public struct Review: Codable, Sendable {
      public var review: FindingReview
      public var row: RecordVersion
    }
  }

  /// A page of findings, newest first. An agency sees its own, a district officer those of its
  /// district (naming another district is PERMISSION_DENIED), the city all.
  public func findings(_ filter: FindingFilter, viewer: Viewer, page: PageRequest) async throws -> Page<FindingRow> {
    var filter = filter
    if !filter.status.isEmpty, !Self.findingStatuses.contains(filter.status) {
      throw ServiceError.invalid([
        FieldViolation("status", "one of \(Self.findingStatuses.joined(separator: ", ")), or empty for any", reason: "FINDING_STATUS")
      ])
    }
    if viewer == .partner { throw ServiceError(.permissionDenied, "partners do not read findings", reason: "METHOD_NOT_ALLOWED") }
    try viewer.narrow(creditCode: &filter.creditCode, districtCode: &filter.districtCode, listing: "findings")
    let rows = try await store.findings(filter, before: try page.afterSequence(), limit: page.limit)
    return page.page(rows) { String(IDSequence.finding.number(of: $0.id) ?? 0) }
  }

  /// One finding with its reviews, for whoever may list it; NOT_FOUND for anyone else, as for
  /// an id that does not exist.
  public func finding(id: String, viewer: Viewer) async throws -> FindingView {
    if id.isEmpty { throw ServiceError.required("finding_id", "the finding id") }
    if viewer == .partner { throw ServiceError(.permissionDenied, "partners do not read findings", reason: "METHOD_NOT_ALLOWED") }
    try await requireListed(id, viewer: viewer, reads: store)
    return try await findingView(store, id: id)
  }

  /// NOT_FOUND unless the finding is in what `viewer`'s ListFindings shows: the one rule of who
  /// sees a finding, asked of the same query the list runs.
  func requireListed(_ id: String, viewer: Viewer, reads: some FindingReads) async throws {
    var filter = FindingFilter()
    filter.id = id
    try viewer.narrow(creditCode: &filter.creditCode, districtCode: &filter.districtCode, listing: "findings")
    guard try await !reads.findings(filter, before: nil, limit: 1).isEmpty else {
      throw ServiceError(.notFound, "no finding \(id)", reason: "FINDING_NOT_FOUND")
    }
  }

  func findingView(_ reads: some SupervisionReads, id: String) async throws -> FindingView {
    guard let row = try await reads.finding(id: id) else { throw ServiceError(.notFound, "no finding \(id)", reason: "FINDING_NOT_FOUND") }
    let reviews = try await reads.recordVersions(id: id).compactMap { version in
      Registry.decode(FindingReview.self, version.content).map { FindingView.Review(review: $0, row: version) }
    }
    return FindingView(finding: row, reviews: reviews)
  }

  /// The status a decision leads to from `status`, nil when it does not follow from it.
  static func status(after decision: FindingReview.Decision, from status: String) -> String? {
    switch (decision, status) {
    case (.confirm, "open"), (.confirm, "dismissed"): "confirmed"
    case (.dismiss, "open"), (.dismiss, "confirmed"): "dismissed"
    case (.rectified, "confirmed"): "rectified"
    default: nil
    }
  }

  /// An officer's decision on a finding, within its jurisdiction: confirmed (and rectified)
  /// findings are verified, evidence for the rating (Art. 13); every decision is kept.
  public func decide(
    findingID id: String, decision: FindingReview.Decision?, reason: String, evidence: [DocumentRef], rectifiedOn: CalendarDate?,
    viewer: Viewer, context: WriteContext
  ) async throws -> FindingView {
    try Self.requireOfficer(viewer)
    var violations = Violations()
    if id.isEmpty { violations.add("finding_id", "the finding id is required", reason: "REQUIRED") }
    if decision == nil { violations.add("decision", "confirm, dismiss or rectified", reason: "REQUIRED") }
    violations.required("reason", reason, what: "the reason")
    violations.length("reason", reason, max: 2000, what: "the reason")
    var documents: [(field: String, sha256: String)] = []
    for (index, document) in evidence.enumerated() {
      if let digest = violations.document(document, at: "evidence[\(index)]", required: true, what: "the evidence") {
        documents.append(("evidence[\(index)]", digest))
      }
    }
    let today = today()
    if decision == .rectified {
      if let rectifiedOn {
        if rectifiedOn > today { violations.add("rectified_on", "\(rectifiedOn) is in the future", reason: "DATE_IN_FUTURE") }
      } else {
        violations.add("rectified_on", "the day it was put right is required for RECTIFIED", reason: "REQUIRED")
      }
    } else if rectifiedOn != nil {
      violations.add("rectified_on", "only a RECTIFIED decision has a day of rectification", reason: "NOT_APPLICABLE")
    }
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let decision = decision!
    let instant = now()
    return try await store.writeSupervision { tx in try await tx.once(context) {
      try await self.requireListed(id, viewer: viewer, reads: tx)
      let view = try await self.findingView(tx, id: id)
      try await self.requireJurisdiction(viewer, over: view.finding.creditCode, reads: tx, field: "finding_id")
      try await Self.requireDocuments(tx, documents, viewer: viewer)
      guard let status = Self.status(after: decision, from: view.finding.status) else {
        throw ServiceError(
          .failedPrecondition, "finding \(id) is \(view.finding.status): \(decision) does not follow (see FindingDecision)",
          reason: "FINDING_STATUS", info: ["status": view.finding.status])
      }
      let review = FindingReview(
        findingID: id, decision: decision, status: status, reason: reason, evidence: evidence, rectifiedOn: rectifiedOn, decidedAt: instant,
        decidedBy: context.actor)
      _ = try await self.write(tx, context, id: id, version: view.reviews.count + 1, review, at: instant)
      try await tx.updateFinding(id: id, status: status, verified: status == "confirmed" || status == "rectified")
      return try await self.findingView(tx, id: id)
    } }
  }
}
