import NIOCore
import PostgresNIO
import Services

extension PostgresStore: DatabaseImporting {
  public func importing<T: Sendable>(_ body: (any DatabaseImport) async throws -> T) async throws -> T {
    try await transaction { try await body(PostgresImport(connection: $0.unqueued)) }
  }
}

/// Copied rows into PostgreSQL's tables, each value converted to its column's type.
final class PostgresImport: DatabaseImport {
  let connection: PostgresConnection
  /// Each table's columns and their types, read from the catalogue once.
  private var types: [String: [String: String]] = [:]

  init(connection: PostgresConnection) {
    self.connection = connection
  }

  func isEmpty() async throws -> Bool {
    let counts = try await connection.all(SQL("SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM agency) AS n")) { try $0.int64("n") }
    return counts.first == 0
  }

  func insert(_ rows: [StoredRow], into table: String) async throws {
    guard CopiedTables.all.contains(table) else { throw StoreError(.unavailable, "no table \(table) to copy into") }
    let types = try await columnTypes(of: table)
    for row in rows {
      var sql = SQL("INSERT INTO \(table) (\(row.columns.joined(separator: ", "))) VALUES (")
      for (index, (column, value)) in zip(row.columns, row.values).enumerated() {
        if index > 0 { sql.add(", ") }
        guard let type = types[column] else {
          throw StoreError(.conflict, "\(table).\(column) has no column in PostgreSQL to go to")
        }
        try bind(value, as: type, at: "\(table).\(column)", into: &sql)
      }
      sql.add(")")
      try await connection.run(sql)
    }
  }

  func insertDocumentPart(sha256: String, index: Int, bytes: [UInt8]) async throws {
    try await connection.run(.with("INSERT INTO document_part (sha256, part, bytes) VALUES (?, ?, ?)", [sha256, index, ByteBuffer(bytes: bytes)]))
  }

  func finish() async throws {
    try await connection.run(SQL("SELECT setval(pg_get_serial_sequence('ban', 'id'), GREATEST((SELECT max(id) FROM ban), 1), (SELECT max(id) FROM ban) IS NOT NULL)"))
  }

  private func columnTypes(of table: String) async throws -> [String: String] {
    if let known = types[table] { return known }
    let columns = try await connection.all(.with(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?", [table])) {
      (try $0.string("column_name"), try $0.string("data_type"))
    }
    let found = Dictionary(uniqueKeysWithValues: columns)
    types[table] = found
    return found
  }

  /// SQLite keeps booleans as integers; the other types carry over as they are.
  private func bind(_ value: StoredValue, as type: String, at column: String, into sql: inout SQL) throws {
    switch (value, type) {
    case (.null, _): sql.bindNull()
    case (.integer(let integer), "boolean"): sql.bind(integer != 0)
    case (.integer(let integer), "bigint"), (.integer(let integer), "integer"): sql.bind(integer)
    case (.text(let text), "text"): sql.bind(text)
    case (.real(let real), "double precision"): sql.bind(real)
    case (.integer(let integer), "double precision"): sql.bind(Double(integer))
    case (.bytes(let bytes), "bytea"): sql.bind(ByteBuffer(bytes: bytes))
    default: throw StoreError(.conflict, "\(column): a \(value) does not fit a \(type) column")
    }
  }
}
