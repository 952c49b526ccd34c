import GRDB
import Services

extension SQLiteStore: DatabaseExporting {
  /// Rows in rowid order: every table here has one, and it never changes for a row.
  public func exportRows(of table: String, after: Int64, limit: Int) async throws -> (rows: [StoredRow], last: Int64) {
    guard CopiedTables.all.contains(table) else { throw StoreError(.unavailable, "no table \(table) to copy") }
    return try await run { db in
      var last = after
      var rows: [StoredRow] = []
      let cursor = try Row.fetchCursor(db, sql: "SELECT rowid AS copy_position, * FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT ?", arguments: [after, limit])
      while let row = try cursor.next() {
        last = row["copy_position"]
        var columns: [String] = []
        var values: [StoredValue] = []
        for (column, value) in row where column != "copy_position" {
          columns.append(column)
          switch value.storage {
          case .null: values.append(.null)
          case .int64(let integer): values.append(.integer(integer))
          case .double(let real): values.append(.real(real))
          case .string(let text): values.append(.text(text))
          case .blob(let data): values.append(.bytes([UInt8](data)))
          }
        }
        rows.append(StoredRow(columns: columns, values: values))
      }
      return (rows, last)
    }
  }
}
