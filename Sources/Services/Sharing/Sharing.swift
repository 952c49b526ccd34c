import Foundation

/// What partner authorities read (Art. 19): published ratings, the feed of every change to
/// them, and each year's signed bulletin. Read-only: it is made by `Credit.publish`.
public final class Sharing: Sendable {
  let store: any CreditStore

  public init(store: any CreditStore) {
    self.store = store
  }

  static func requireReader(_ viewer: Viewer) throws {
    if case .agency = viewer { throw ServiceError(.permissionDenied, "partners and officers read what is shared", reason: "METHOD_NOT_ALLOWED") }
  }

  /// The year's published evaluation (of the latest year published when nil).
  public func published(year: Int?) async throws -> EvaluationRecord? {
    try await Credit.latestEvaluation(store, year: year, status: "published")?.0
  }

  /// A page of a year's published ratings, by rank, then the direct E ratings; at one level or
  /// of one agency if asked. A rating revoked since by a direct E says so.
  public func ratings(year: Int?, level: String?, creditCode: String, viewer: Viewer, page: PageRequest) async throws
    -> (Page<PublishedRating>, EvaluationRecord?)
  {
    try Self.requireReader(viewer)
    guard let record = try await published(year: year) else { return (Page(items: [], nextPageToken: ""), nil) }
    let revoked = try await store.revokedRatings(year: record.year)
    let all = Credit.published(record).map { rating in
      var rating = rating
      if revoked.contains(rating.creditCode) { rating.status = "revoked" }
      return rating
    }.filter { (level == nil || $0.level == level) && (creditCode.isEmpty || $0.creditCode == creditCode) }
    return (try record.page(all, page), record)
  }

  /// Changes after `cursor`, oldest first. OUT_OF_RANGE: the cursor is ahead of the feed.
  public func changes(after cursor: Int64, limit: Int, viewer: Viewer) async throws -> [RatingChangeRow] {
    try Self.requireReader(viewer)
    let changes = try await store.ratingChanges(after: cursor, limit: limit)
    if changes.isEmpty, cursor > 0 {
      let last = try await store.lastRatingCursor()
      if cursor > last {
        throw ServiceError(
          .outOfRange, "cursor \(cursor) is ahead of the feed's latest change (\(last))", reason: "CURSOR_AHEAD",
          violations: [FieldViolation("after_cursor", "at most \(last)", reason: "CURSOR_AHEAD")])
      }
    }
    return changes
  }

  /// A year's signed bulletin. NOT_FOUND: the year is not published.
  public func bulletin(year: Int, viewer: Viewer) async throws -> (EvaluationRecord, SignedBulletin) {
    try Self.requireReader(viewer)
    guard let record = try await published(year: year), let signed = record.bulletin else {
      throw ServiceError(.notFound, "\(year)'s ratings are not published", reason: "NOT_PUBLISHED")
    }
    return (record, signed)
  }
}
