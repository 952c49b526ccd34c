import Foundation

extension Credit {
  /// Rates an agency E at once in an Art. 16 case: it leaves the registry with the bans of
  /// Art. 20 (2 years, 5 on a second removal), through the registry's own removal, and the
  /// feed tells partners that its published rating, if it had one, is revoked and that it is E.
  ///
  /// The removal is the record (its audit entry covers it); the feed's two changes are derived
  /// from it and written in the same transaction, so partners learn of every removal that is
  /// acknowledged. A retry with the same request id gets the first answer back and writes nothing.
  public func triggerE(
    creditCode code: CreditCode, art16Case: Int, decidedOn: CalendarDate?, description: String, evidence: [DocumentRef], persons: [PersonRef],
    context: WriteContext
  ) async throws -> PublishedRating {
    let validated = try registry.validatedRemoval(
      creditCode: code, art16Case: art16Case, decidedOn: decidedOn, description: description, evidence: evidence, persons: persons)
    return try await store.writeCredit { tx in try await tx.once(context) {
      // The latest published year as the transaction sees it, so the feed is what the log's order gives.
      let published = try await Credit.latestEvaluation(tx, year: nil, status: "published")?.0
      let removal = try await self.registry.remove(validated, in: tx, context: context)
      // The feed's changes are at the removal's own time, so that they are rebuilt from it.
      let instant = removal.receipt.receivedAt
      let direct = Self.directE(creditCode: code.rawValue, name: removal.agency.name, year: removal.decidedOn.year, art16Case: art16Case)
      var changes: [RatingChangeRow] = []
      var cursor = try await tx.lastRatingCursor()
      if let published, var rating = Credit.published(published).first(where: { $0.creditCode == code.rawValue }), rating.level != "E" {
        rating.status = "revoked"
        cursor += 1
        changes.append(.init(
          cursor: cursor, kind: .revoked, year: published.year, creditCode: code.rawValue, level: rating.level, rating: Registry.json(rating),
          evaluationID: removal.id, changedAt: instant))
      }
      cursor += 1
      changes.append(.init(
        cursor: cursor, kind: .directE, year: direct.year, creditCode: code.rawValue, level: "E", rating: Registry.json(direct), evaluationID: removal.id,
        changedAt: instant))
      try await tx.insertRatingChanges(changes)
      return direct
    } }
  }

  /// The rating a direct E gives, in the year of the removal's decision.
  static func directE(creditCode: String, name: String, year: Int, art16Case: Int) -> PublishedRating {
    PublishedRating(
      creditCode: creditCode, name: name, year: year, level: "E", score: 0, rank: 0, art16Case: art16Case, indicatorVersion: 0,
      levelBeforeReview: "", status: "final")
  }
}
