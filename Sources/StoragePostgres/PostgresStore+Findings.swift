import Foundation
import Services

extension PostgresStore: FindingStore {}

/// The findings query, once for reads outside and inside a transaction.
extension PostgresAccess {
  /// One query on indexed columns, newest first by the number in the id.
  public func findings(_ filter: FindingFilter, before: Int64?, limit: Int) async throws -> [FindingRow] {
    var sql = SQL("SELECT * FROM finding WHERE true")
    if let before { sql.add(" AND number < "); sql.bind(before) }
    if !filter.id.isEmpty { sql.add(" AND id = "); sql.bind(filter.id) }
    if !filter.creditCode.isEmpty { sql.add(" AND credit_code = "); sql.bind(filter.creditCode) }
    if !filter.districtCode.isEmpty {
      sql.add(" AND (credit_code IN (SELECT credit_code FROM agency WHERE district_code = ")
      sql.bind(filter.districtCode)
      sql.add(") OR activity_id IN (SELECT activity_id FROM activity_district WHERE district_code = ")
      sql.bind(filter.districtCode)
      sql.add(") OR district_code = ")
      sql.bind(filter.districtCode)
      sql.add(")")
    }
    if let source = filter.source { sql.add(" AND source = "); sql.bind(Int64(source)) }
    if let category = filter.category { sql.add(" AND category = "); sql.bind(Int64(category)) }
    if !filter.rule.isEmpty { sql.add(" AND rule = "); sql.bind(filter.rule) }
    if !filter.status.isEmpty { sql.add(" AND status = "); sql.bind(filter.status) }
    if let from = filter.raisedFrom { sql.add(" AND raised_at >= "); sql.bind(Timestamps.format(from)) }
    if let until = filter.raisedBefore { sql.add(" AND raised_at < "); sql.bind(Timestamps.format(until)) }
    sql.add(" ORDER BY number DESC LIMIT ")
    sql.bind(Int64(limit))
    let query = sql
    return try await run { try await $0.all(query, Rows.finding) }
  }
}
