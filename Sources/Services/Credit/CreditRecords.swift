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
  /// A level changed after an objection was upheld (Art. 18).
  public struct Review: Codable, Sendable, Equatable {
    public var creditCode: String
    public var levelBefore: String
    public var levelAfter: String
    public var objectionID: String
    public var reason: String
  }

  public var id: String
  public var year: Int
  /// `draft`, then `publicity`, then `published`.
  public var status: String
  /// What the evaluation computed; never changed (its digest is `resultSHA256`).
  public var result: CreditEvaluation
  public var resultSHA256: String
  public var createdAt: Date
  public var createdBy: String
  /// Art. 17's window, once publicity has started: 15 working days from `publicityStart`.
  public var publicityStart: CalendarDate?
  public var publicityEnd: CalendarDate?
  /// Levels changed after objections, in the order decided.
  public var reviews: [Review]?
  public var publishedAt: Date?
  public var bulletin: SignedBulletin?

  /// The ratings with the levels reviewed after objections.
  public var ratings: [CreditEvaluation.Rating] {
    let reviewed = Dictionary((reviews ?? []).map { ($0.creditCode, $0.levelAfter) }, uniquingKeysWith: { _, last in last })
    return result.ratings.map { rating in
      var rating = rating
      rating.level = reviewed[rating.creditCode] ?? rating.level
      return rating
    }
  }

  /// The level an agency had before its objection was upheld, if one was.
  public func levelBeforeReview(of creditCode: String) -> String? {
    reviews?.first { $0.creditCode == creditCode }?.levelBefore
  }
}

/// A year's published results as signed: `content` is the canonical JSON the signature covers.
public struct SignedBulletin: Codable, Sendable, Equatable {
  public var content: String
  /// Base64 of the Ed25519 signature.
  public var signature: String
  public var keyID: String
}

/// A published rating as partners read it (the bulletin's entries, the feed's ratings).
public struct PublishedRating: Codable, Sendable, Equatable {
  public var creditCode: String
  public var name: String
  public var year: Int
  /// `A` to `E`.
  public var level: String
  /// In hundredths; 0 for a direct E.
  public var score: Int
  /// From 1; 0 for a direct E.
  public var rank: Int
  public var art16Case: Int
  public var indicatorVersion: Int
  /// The level before an objection was upheld; empty when none was.
  public var levelBeforeReview: String
  /// `final`, or `revoked` by a direct E.
  public var status: String
}

/// An objection to a level during publicity (Art. 18).
public struct ObjectionRecord: Codable, Sendable, Equatable {
  public var id: String
  public var evaluationID: String
  public var creditCode: String
  public var grounds: String
  public var documents: [DocumentRef]
  /// Who objects, when an officer records it for someone else.
  public var objector: String
  /// `open`, `upheld` or `dismissed`.
  public var status: String
  public var reviewedLevel: String
  public var decision: String
  public var filedAt: Date
  public var filedBy: String
  public var decidedAt: Date?
  public var decidedBy: String
}

/// A year's holiday calendar as loaded.
public struct HolidayCalendarRecord: Codable, Sendable, Equatable {
  public var calendar: HolidayCalendar
  public var source: String
  public var loadedAt: Date
  /// The loading officer; `system` for the calendars built into the server.
  public var loadedBy: String
}

extension PublishedRating {
  /// A rating as the feed keeps it (`RatingChangeRow.rating`); nil when it is not one.
  public init?(json: String) {
    guard let rating = Registry.decode(PublishedRating.self, json) else { return nil }
    self = rating
  }
}
