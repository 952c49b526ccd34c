import Foundation
import GRDB
import Services

extension SQLiteStore: FindingStore {}

/// The findings query, once for reads outside and inside a transaction.
extension SQLiteAccess {
  /// One query on indexed columns, newest first by the number in the id.
  public func findings(_ filter: FindingFilter, before: Int64?, limit: Int) async throws -> [FindingRow] {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if let before { conditions.append("number < ?"); arguments += [before] }
    if !filter.id.isEmpty { conditions.append("id = ?"); arguments += [filter.id] }
    if !filter.creditCode.isEmpty { conditions.append("credit_code = ?"); arguments += [filter.creditCode] }
    if !filter.districtCode.isEmpty {
      conditions.append(
        "(credit_code IN (SELECT credit_code FROM agency WHERE district_code = ?) OR activity_id IN (SELECT activity_id FROM activity_district WHERE district_code = ?) OR district_code = ?)")
      arguments += [filter.districtCode, filter.districtCode, filter.districtCode]
    }
    if let source = filter.source { conditions.append("source = ?"); arguments += [source] }
    if let category = filter.category { conditions.append("category = ?"); arguments += [category] }
    if !filter.rule.isEmpty { conditions.append("rule = ?"); arguments += [filter.rule] }
    if !filter.status.isEmpty { conditions.append("status = ?"); arguments += [filter.status] }
    if let from = filter.raisedFrom { conditions.append("raised_at >= ?"); arguments += [Timestamps.format(from)] }
    if let until = filter.raisedBefore { conditions.append("raised_at < ?"); arguments += [Timestamps.format(until)] }
    let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    arguments += [limit]
    let sql = "SELECT * FROM finding \(condition) ORDER BY number DESC LIMIT ?"
    let bound = arguments
    return try await run { db in try FindingRow.fetchAll(db, sql: sql, arguments: bound) }
  }
}
