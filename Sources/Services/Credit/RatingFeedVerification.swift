import Foundation

/// The partners' feed (`rating_change`) rebuilt from what the log covers and compared row by row.
///
/// The feed is made by two writes, in the order of their audit entries: a publication adds the
/// published evaluation's ratings (a direct E among them as a direct E); a direct E in an
/// Art. 16 case (TriggerLevelE) adds the revocation of the agency's rating in the latest
/// published year, when it had one other than E, then the direct E itself. Cursors follow from 1.
public enum RatingFeedVerification {
  static let triggerMethod = "cqmon.v1.CreditService/TriggerLevelE"

  /// One write that added changes to the feed, at its audit entry.
  enum Event {
    case publication(EvaluationRecord)
    case directE(removalID: String, creditCode: String, art16Case: Int, decidedOn: CalendarDate, removedAt: Date)
  }

  public static func verify(_ store: some Store) async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    func mismatch(_ cursor: Int64, _ problem: String) {
      mismatches.append(AuditLog.RecordMismatch(table: "rating_change", key: String(cursor), auditSequence: 0, problem: problem))
    }
    func missing(_ change: RatingChangeRow) {
      mismatch(change.cursor, "the change of \(change.creditCode) (\(change.kind), \(change.evaluationID)) is not there: it was deleted")
    }
    let expected = try await rebuilt(store)
    var cursor: Int64 = 0
    var next = expected.makeIterator()
    var pending = next.next()
    while true {
      let page = try await store.ratingChanges(after: cursor, limit: 1000)
      for row in page {
        // Expected changes before this cursor were deleted.
        while let change = pending, change.cursor < row.cursor {
          missing(change)
          pending = next.next()
        }
        guard let change = pending, change.cursor == row.cursor else {
          mismatch(row.cursor, "no publication or direct E made this change: a row nobody filed")
          continue
        }
        if let columns = differences(row, change) {
          mismatch(row.cursor, "its \(columns) not what the \(change.evaluationID) it names made: the row was altered")
        }
        pending = next.next()
      }
      guard page.count == 1000, let last = page.last else { break }
      cursor = last.cursor
    }
    while let change = pending {
      missing(change)
      pending = next.next()
    }
    return mismatches
  }

  /// The feed as the covered publications and removals make it.
  static func rebuilt(_ store: some Store) async throws -> [RatingChangeRow] {
    var events: [(sequence: Int64, event: Event)] = []
    var published = RecordFilter(kind: .evaluation)
    published.statuses = ["published"]
    for row in try await store.allRecordVersions(published, number: IDSequence.evaluation.number(of:)) {
      guard let record = Registry.decode(EvaluationRecord.self, row.content), record.status == "published" else { continue }
      events.append((row.audit.sequence, .publication(record)))
    }
    var removals: [CoveredRecord] = []
    try await store.forEachCoveredRecord(.removal) { removals.append($0) }
    for removal in removals {
      guard let sequence = removal.auditSequence, sequence > 0,
        try await store.auditEntries(after: sequence - 1, limit: 1).first?.method == triggerMethod,
        removal.fields.count >= 3, let art16Case = Int(removal.fields[1]), let decidedOn = CalendarDate(removal.fields[2]),
        let removedAt = removal.recordedAt.flatMap(Timestamps.parse)
      else { continue }
      events.append((
        sequence, .directE(removalID: removal.key, creditCode: removal.fields[0], art16Case: art16Case, decidedOn: decidedOn, removedAt: removedAt)
      ))
    }

    var changes: [RatingChangeRow] = []
    func add(_ kind: RatingChangeRow.Kind, _ rating: PublishedRating, event: String, at instant: Date) {
      changes.append(RatingChangeRow(
        cursor: Int64(changes.count + 1), kind: kind, year: rating.year, creditCode: rating.creditCode, level: rating.level,
        rating: Registry.json(rating), evaluationID: event, changedAt: instant))
    }
    var latestByYear: [Int: EvaluationRecord] = [:]
    for (_, event) in events.sorted(by: { $0.sequence < $1.sequence }) {
      switch event {
      case .publication(let record):
        for rating in Credit.published(record) {
          add(rating.level == "E" ? .directE : .published, rating, event: record.id, at: record.publishedAt ?? .distantPast)
        }
        latestByYear[record.year] = record
      case .directE(let id, let code, let art16Case, let decidedOn, let removedAt):
        if let latest = latestByYear.max(by: { $0.key < $1.key })?.value,
          var rating = Credit.published(latest).first(where: { $0.creditCode == code }), rating.level != "E"
        {
          rating.status = "revoked"
          add(.revoked, rating, event: id, at: removedAt)
        }
        let name = try await store.agencyVersion(code, asOf: removedAt)?.name ?? ""
        add(.directE, Credit.directE(creditCode: code, name: name, year: decidedOn.year, art16Case: art16Case), event: id, at: removedAt)
      }
    }
    return changes
  }

  /// The columns in which `row` differs from `change` ("level is"), nil when none does.
  static func differences(_ row: RatingChangeRow, _ change: RatingChangeRow) -> String? {
    AuditLog.differing([
      "kind": row.kind == change.kind, "year": row.year == change.year, "credit_code": row.creditCode == change.creditCode,
      "level": row.level == change.level, "rating": row.rating == change.rating, "evaluation_id": row.evaluationID == change.evaluationID,
      "changed_at": Timestamps.format(row.changedAt) == Timestamps.format(change.changedAt),
    ])
  }
}
