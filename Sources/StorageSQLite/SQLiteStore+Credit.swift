import Foundation
import GRDB
import Services

// What credit evaluates: four aggregate queries, the same inside and outside a transaction.
extension SQLiteAccess {
  /// One pass over each table: agencies, the year's filed activities by agency, the year's
  /// verified findings by agency, category and rule, the year's Art. 16 removals.
  public func evaluationInputs(year: Int) async throws -> EvaluationInputs {
    let (from, until) = CreditYear.bounds(year)
    return try await run { db in
      var activities: [String: Int] = [:]
      for row in try Row.fetchAll(
        db, sql: "SELECT credit_code, count(*) AS n FROM activity WHERE status = 'filed' AND sampled_from >= ? AND sampled_from < ? GROUP BY credit_code",
        arguments: [from, until])
      {
        activities[row["credit_code"]] = row["n"]
      }
      let agencies = try Row.fetchAll(db, sql: "SELECT credit_code, name, enrolled_at, listed_at, removed_at FROM agency").map { row in
        EvaluationInputs.Agency(
          creditCode: row["credit_code"], name: row["name"], enrolledAt: row.instant("enrolled_at"), listedAt: row.optionalInstant("listed_at"),
          removedAt: row.optionalInstant("removed_at"), activities: activities[row["credit_code"]] ?? 0)
      }
      let findings = try Row.fetchAll(
        db,
        sql: """
          SELECT credit_code, category, rule, count(*) AS n FROM finding WHERE verified AND raised_at >= ? AND raised_at < ?
          GROUP BY credit_code, category, rule ORDER BY credit_code, category, rule
          """, arguments: [from, until]
      ).map { EvaluationInputs.Findings(creditCode: $0["credit_code"], category: $0["category"], rule: $0["rule"], count: $0["n"]) }
      var art16: [String: Int] = [:]
      for row in try Row.fetchAll(
        db, sql: "SELECT credit_code, min(art16_case) AS art16 FROM removal WHERE decided_on >= ? AND decided_on <= ? GROUP BY credit_code",
        arguments: ["\(year)-01-01", "\(year)-12-31"])
      {
        art16[row["credit_code"]] = row["art16"]
      }
      return EvaluationInputs(agencies: agencies, findings: findings, evidence: [], art16Cases: art16)
    }
  }
}

extension SQLiteStore: CreditStore {
  public func writeCredit<T: Sendable>(_ body: (any CreditTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension SQLiteTransaction: CreditTransaction {}

// The partners' feed.
extension SQLiteAccess {
  public func ratingChanges(after cursor: Int64, limit: Int) async throws -> [RatingChangeRow] {
    try await run { db in
      try Row.fetchAll(cached: db, sql: "SELECT * FROM rating_change WHERE cursor > ? ORDER BY cursor LIMIT ?", arguments: [cursor, limit], ratingChange)
    }
  }

  /// The changes an evaluation's publication or a removal made, oldest first.
  public func ratingChanges(forEvent id: String) async throws -> [RatingChangeRow] {
    try await run { db in
      try Row.fetchAll(cached: db, sql: "SELECT * FROM rating_change WHERE evaluation_id = ? ORDER BY cursor", arguments: [id], ratingChange)
    }
  }

  public func lastRatingCursor() async throws -> Int64 {
    try await run { db in try Int64.fetchOne(cached: db, sql: "SELECT COALESCE(max(cursor), 0) FROM rating_change") ?? 0 }
  }
}

extension SQLiteTransaction {
  func insertRatingChanges(_ changes: [RatingChangeRow]) async throws {
    try await run { db in
      for change in changes {
        try db.executeCached(
          sql: "INSERT INTO rating_change (cursor, kind, year, credit_code, level, rating, evaluation_id, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          arguments: [
            change.cursor, change.kind.rawValue, change.year, change.creditCode, change.level, change.rating, change.evaluationID,
            Timestamps.format(change.changedAt),
          ])
      }
    }
  }
}

extension SQLiteAccess {
  public func revokedRatings(year: Int) async throws -> Set<String> {
    try await run { db in
      Set(try String.fetchAll(cached: db, sql: "SELECT credit_code FROM rating_change WHERE kind = 3 AND year = ?", arguments: [year]))
    }
  }
}

/// A `rating_change` row.
@Sendable private func ratingChange(_ row: Row) -> RatingChangeRow {
  RatingChangeRow(
    cursor: row["cursor"], kind: RatingChangeRow.Kind(rawValue: row["kind"]) ?? .published, year: row["year"], creditCode: row["credit_code"],
    level: row["level"], rating: row["rating"], evaluationID: row["evaluation_id"], changedAt: row.instant("changed_at"))
}
