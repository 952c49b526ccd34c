import Foundation

/// What a list of findings is narrowed to; each on an indexed column.
public struct FindingFilter: Sendable, Equatable {
  /// This one finding only (GetFinding asks whether a list would show it).
  public var id = ""
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
