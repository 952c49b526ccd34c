import Foundation
import PostgresNIO
import Services

// What credit evaluates: four aggregate queries, with the meaning of SQLite's.
extension PostgresAccess {
  public func evaluationInputs(year: Int) async throws -> EvaluationInputs {
    let (from, until) = CreditYear.bounds(year)
    return try await run { connection in
      var activities: [String: Int] = [:]
      for (code, count) in try await connection.all(
        .with(
          "SELECT credit_code, count(*) AS n FROM activity WHERE status = 'filed' AND sampled_from >= ? AND sampled_from < ? GROUP BY credit_code",
          [from, until]), { (try $0.string("credit_code"), try $0.int("n")) })
      {
        activities[code] = count
      }
      let agencies = try await connection.all(SQL("SELECT credit_code, name, enrolled_at, listed_at, removed_at FROM agency")) { c in
        EvaluationInputs.Agency(
          creditCode: try c.string("credit_code"), name: try c.string("name"), enrolledAt: try c.instant("enrolled_at"),
          listedAt: try c.optionalInstant("listed_at"), removedAt: try c.optionalInstant("removed_at"),
          activities: activities[try c.string("credit_code")] ?? 0)
      }
      let findings = try await connection.all(
        .with(
          """
          SELECT credit_code, category, rule, count(*) AS n FROM finding WHERE verified AND raised_at >= ? AND raised_at < ?
          GROUP BY credit_code, category, rule ORDER BY credit_code, category, rule
          """, [from, until])
      ) { c in
        EvaluationInputs.Findings(creditCode: try c.string("credit_code"), category: try c.int("category"), rule: try c.string("rule"), count: try c.int("n"))
      }
      var art16: [String: Int] = [:]
      for (code, art16Case) in try await connection.all(
        .with(
          "SELECT credit_code, min(art16_case) AS art16 FROM removal WHERE decided_on >= ? AND decided_on <= ? GROUP BY credit_code",
          ["\(year)-01-01", "\(year)-12-31"]), { (try $0.string("credit_code"), try $0.int("art16")) })
      {
        art16[code] = art16Case
      }
      return EvaluationInputs(agencies: agencies, findings: findings, evidence: [], art16Cases: art16)
    }
  }
}

extension PostgresStore: CreditStore {
  public func writeCredit<T: Sendable>(_ body: (any CreditTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension PostgresTransaction: CreditTransaction {}

// The partners' feed.
extension PostgresAccess {
  public func ratingChanges(after cursor: Int64, limit: Int) async throws -> [RatingChangeRow] {
    try await run {
      try await $0.all(.with("SELECT * FROM rating_change WHERE cursor > ? ORDER BY cursor LIMIT ?", [cursor, Int64(limit)]), ratingChange)
    }
  }

  /// The changes an evaluation's publication or a removal made, oldest first.
  public func ratingChanges(forEvent id: String) async throws -> [RatingChangeRow] {
    try await run { try await $0.all(.with("SELECT * FROM rating_change WHERE evaluation_id = ? ORDER BY cursor", [id]), ratingChange) }
  }

  public func lastRatingCursor() async throws -> Int64 {
    try await run { try await $0.one(SQL("SELECT COALESCE(max(cursor), 0) AS last FROM rating_change")) { try $0.int64("last") } ?? 0 }
  }
}

extension PostgresTransaction {
  func insertRatingChanges(_ changes: [RatingChangeRow]) async throws {
    for change in changes {
      insert(
        "INSERT INTO rating_change (cursor, kind, year, credit_code, level, rating, evaluation_id, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [change.cursor, Int64(change.kind.rawValue), Int64(change.year), change.creditCode, change.level, change.rating, change.evaluationID,
         Timestamps.format(change.changedAt)])
    }
  }
}

extension PostgresAccess {
  public func revokedRatings(year: Int) async throws -> Set<String> {
    Set(try await run {
      try await $0.all(.with("SELECT credit_code FROM rating_change WHERE kind = 3 AND year = ?", [Int64(year)])) { try $0.string("credit_code") }
    })
  }
}

/// A `rating_change` row.
private func ratingChange(_ c: Columns) throws -> RatingChangeRow {
  RatingChangeRow(
    cursor: try c.int64("cursor"), kind: RatingChangeRow.Kind(rawValue: try c.int("kind")) ?? .published, year: try c.int("year"),
    creditCode: try c.string("credit_code"), level: try c.string("level"), rating: try c.string("rating"),
    evaluationID: try c.string("evaluation_id"), changedAt: try c.instant("changed_at"))
}
