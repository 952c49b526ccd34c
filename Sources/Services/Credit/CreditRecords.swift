import Foundation

// The records credit keeps, each version as JSON in `record_version`.

/// Evidence from outside supervision (Art. 13): the public, organisations, the media, the
/// public credit platform, court judgments, procurement lists. Counts only once verified.
public struct EvidenceRecord: Codable, Sendable, Equatable {
  public struct Verification: Codable, Sendable, Equatable {
    public var verified: Bool
    public var note: String
    public var decidedBy: String
    public var decidedAt: Date
  }

  public var id: String
  public var creditCode: String
  /// `EvidenceSource` number.
  public var source: Int
  public var indicatorCode: String
  /// Added (positive) or deducted (negative), in centipoints.
  public var centipoints: Int
  public var description: String
  public var occurredOn: CalendarDate
  public var documents: [DocumentRef]
  public var findingID: String
  /// Every verification decision, oldest first; the last one stands.
  public var verifications: [Verification]
  public var recordedAt: Date
  public var recordedBy: String

  public var verified: Bool { verifications.last?.verified ?? false }

  /// `verified`, `rejected`, or `unverified` while no one has decided.
  public var status: String { verifications.last.map { $0.verified ? "verified" : "rejected" } ?? "unverified" }
}

/// A year's evaluation as run: its result, and where it stands.
public struct EvaluationRecord: Codable, Sendable, Equatable {
  public var id: String
  public var year: Int
  /// `draft`, later `publicity` and `published`.
  public var status: String
  public var result: CreditEvaluation
  public var resultSHA256: String
  public var createdAt: Date
  public var createdBy: String
}

/// A year's holiday calendar as loaded.
public struct HolidayCalendarRecord: Codable, Sendable, Equatable {
  public var calendar: HolidayCalendar
  public var source: String
  public var loadedAt: Date
  /// The loading officer; `system` for the calendars built into the server.
  public var loadedBy: String
}
