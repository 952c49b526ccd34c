import Foundation

/// What a list of findings is narrowed to; each on an indexed column.
public struct FindingFilter: Sendable, Equatable {
  public var creditCode = ""
  /// Of agencies registered in this district, or raised on an activity sampled there.
  public var districtCode = ""
  /// `FindingSource` numbers (3: off-site check).
  public var source: Int?
  /// Art. 9 category numbers.
  public var category: Int?
  public var rule = ""
  public var status = ""
  /// Raised in [from, before).
  public var raisedFrom: Date?
  public var raisedBefore: Date?

  public init() {}
}

/// Reading findings, whatever raised them.
public protocol FindingReads {
  /// Findings newest first (by the number in their id), before `before`, at most `limit`.
  func findings(_ filter: FindingFilter, before: Int64?, limit: Int) async throws -> [FindingRow]
}

public protocol FindingStore: FindingReads, Sendable {}

/// Findings from every source (Art. 8, 9): the off-site checks' on filings and registry
/// changes now; inspections' and complaints' with the supervision issue. Listed for officers
/// and, its own, for an agency: the evidence an officer confirms or dismisses.
public final class Findings: Sendable {
  let store: any FindingStore

  /// Where a finding stands.
  public static let statuses = ["open", "confirmed", "dismissed", "rectified"]

  public init(store: any FindingStore) {
    self.store = store
  }

  /// A page of findings, newest first. An agency sees its own, a district officer those of its
  /// district (naming another district is PERMISSION_DENIED), the city all.
  public func list(_ filter: FindingFilter, viewer: Viewer, page: PageRequest) async throws -> Page<FindingRow> {
    var filter = filter
    if !filter.status.isEmpty, !Self.statuses.contains(filter.status) {
      throw ServiceError.invalid([
        FieldViolation("status", "one of \(Self.statuses.joined(separator: ", ")), or empty for any", reason: "FINDING_STATUS")
      ])
    }
    if viewer == .partner { throw ServiceError(.permissionDenied, "partners do not read findings", reason: "METHOD_NOT_ALLOWED") }
    try viewer.narrow(creditCode: &filter.creditCode, districtCode: &filter.districtCode, listing: "findings")
    let rows = try await store.findings(filter, before: try page.afterSequence(), limit: page.limit)
    return page.page(rows) { String(IDSequence.finding.number(of: $0.id) ?? 0) }
  }
}
