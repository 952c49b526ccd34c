import Foundation

/// Reading what credit keeps (its records through `RecordReads`) and what it evaluates.
public protocol CreditReads: RecordReads {
  /// Everything a year's evaluation reads but evidence (a record kind of its own): every
  /// agency with its listing and its activities filed in the year, the verified findings
  /// raised in the year counted by agency, category and rule, and the Art. 16 removals decided
  /// in the year. The year runs 1 Jan – 31 Dec, China time.
  func evaluationInputs(year: Int) async throws -> EvaluationInputs
  /// A finding, nil when there is none (evidence may come from one).
  func finding(id: String) async throws -> FindingRow?
  /// Changes to published ratings after `cursor`, oldest first, at most `limit`.
  func ratingChanges(after cursor: Int64, limit: Int) async throws -> [RatingChangeRow]
  /// The latest change's cursor; 0 when there is none.
  func lastRatingCursor() async throws -> Int64
  /// The changes an event made (a publication's evaluation id, a direct E's removal id).
  func ratingChanges(forEvent id: String) async throws -> [RatingChangeRow]
  /// Agencies whose rating of `year` was revoked since it was published.
  func revokedRatings(year: Int) async throws -> Set<String>
}

/// A write transaction of credit (registry reads included).
public protocol CreditTransaction: CreditReads, RecordTransaction, RegistryTransaction {
  /// Appends changes to the feed, their cursors following the last.
  func insertRatingChanges(_ changes: [RatingChangeRow]) async throws
}

/// One change to published ratings, for the partners' feed (WatchRatings). Derived from the
/// evaluations and removals the audit log covers, kept so that a partner can resume from where
/// it stopped, on any server.
public struct RatingChangeRow: Sendable, Equatable {
  public enum Kind: Int, Sendable {
    case published = 1, directE = 2, revoked = 3
  }

  public var cursor: Int64
  public var kind: Kind
  public var year: Int
  public var creditCode: String
  public var level: String
  /// The rating after the change, as JSON of `PublishedRating`.
  public var rating: String
  /// The event that made it: the evaluation published, or the removal of a direct E.
  public var evaluationID: String
  public var changedAt: Date

  public init(cursor: Int64, kind: Kind, year: Int, creditCode: String, level: String, rating: String, evaluationID: String, changedAt: Date) {
    self.cursor = cursor
    self.kind = kind
    self.year = year
    self.creditCode = creditCode
    self.level = level
    self.rating = rating
    self.evaluationID = evaluationID
    self.changedAt = changedAt
  }
}

public protocol CreditStore: CreditReads, RegistryStore {
  /// Runs `body` in one serialised write transaction (see `WriteTransaction`).
  func writeCredit<T: Sendable>(_ body: (any CreditTransaction) async throws -> T) async throws -> T
}

extension RecordKind {
  public static let indicatorSystem = RecordKind("indicators")
  public static let evidence = RecordKind("evidence")
  public static let evaluation = RecordKind("evaluation")
  public static let holidayCalendar = RecordKind("calendar")
  public static let objection = RecordKind("objection")
}

extension IDSequence {
  /// `ind-000003` is version 3 of the indicator system.
  public static let indicatorSystem = IDSequence(name: "indicators", prefix: "ind")
  public static let evidence = IDSequence(name: "evidence", prefix: "evd")
  public static let evaluation = IDSequence(name: "evaluation", prefix: "eval")
  public static let objection = IDSequence(name: "objection", prefix: "obj")
}

/// A credit year: 1 Jan – 31 Dec in China Standard Time (Art. 13).
public enum CreditYear {
  /// Its first instant and the first instant after it, as stored timestamps (RFC 3339, UTC).
  public static func bounds(_ year: Int) -> (from: String, until: String) {
    (Timestamps.format(start(year)), Timestamps.format(start(year + 1)))
  }

  /// Midnight of 1 January in China.
  public static func start(_ year: Int) -> Date {
    Date(timeIntervalSince1970: Double(CalendarDate(year: year, month: 1, day: 1)!.chinaMidnight))
  }
}
