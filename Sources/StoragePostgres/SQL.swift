import Foundation
import NIOCore
import PostgresNIO
import Services

/// A statement put together piece by piece, its values bound as `$1`, `$2` … in order.
struct SQL {
  private(set) var text = ""
  private(set) var binds = PostgresBindings()

  init(_ text: String = "") {
    self.text = text
  }

  /// Appends text as is.
  mutating func add(_ text: String) {
    self.text += text
  }

  /// Puts the statement inside others (its placeholders keep their numbers).
  mutating func wrap(prefix: String, suffix: String) {
    text = prefix + text + suffix
  }

  /// Appends a placeholder for `value`.
  mutating func bind(_ value: some PostgresDynamicTypeEncodable) {
    binds.append(value)
    text += "$\(binds.count)"
  }

  /// Appends a placeholder for NULL, of no particular type.
  mutating func bindNull() {
    binds.appendNull()
    text += "$\(binds.count)"
  }

  mutating func bind(_ value: (some PostgresDynamicTypeEncodable)?) {
    binds.append(value)
    text += "$\(binds.count)"
  }

  /// `text` with `values` bound to its `?` placeholders, in order.
  static func with(_ text: String, _ values: [(any PostgresDynamicTypeEncodable)?]) -> SQL {
    var sql = SQL()
    var values = values.makeIterator()
    for character in text {
      if character == "?", let value = values.next() {
        if let value { sql.binds.append(value) } else { sql.binds.appendNull() }
        sql.text += "$\(sql.binds.count)"
      } else {
        sql.text.append(character)
      }
    }
    return sql
  }

  var query: PostgresQuery { PostgresQuery(unsafeSQL: text, binds: binds) }
}

/// A result row's columns by name, with the conversions the schema uses: instants as RFC 3339
/// text, days as `YYYY-MM-DD`.
struct Columns {
  let row: PostgresRandomAccessRow

  init(_ row: PostgresRow) {
    self.row = row.makeRandomAccess()
  }

  func string(_ name: String) throws -> String { try row[name].decode(String.self) }
  func optionalString(_ name: String) throws -> String? { try row[name].decode(String?.self) }
  func int64(_ name: String) throws -> Int64 { try row[name].decode(Int64.self) }
  func optionalInt64(_ name: String) throws -> Int64? { try row[name].decode(Int64?.self) }
  func int(_ name: String) throws -> Int { Int(try row[name].decode(Int64.self)) }
  func bool(_ name: String) throws -> Bool { try row[name].decode(Bool.self) }
  func double(_ name: String) throws -> Double { try row[name].decode(Double.self) }
  func instant(_ name: String) throws -> Date { Timestamps.parse(try string(name)) ?? .distantPast }
  func optionalInstant(_ name: String) throws -> Date? { try optionalString(name).flatMap(Timestamps.parse) }
  func day(_ name: String) throws -> CalendarDate { CalendarDate(try string(name)) ?? CalendarDate(dayNumber: 0) }
  func bytes(_ name: String) throws -> [UInt8] { Array(try row[name].decode(ByteBuffer.self).readableBytesView) }
}

extension PostgresConnection {
  /// Runs `sql` and decodes every row.
  func all<T>(_ sql: SQL, _ decode: (Columns) throws -> T) async throws -> [T] {
    var result: [T] = []
    for try await row in try await query(sql.query, logger: PostgresStore.quiet) {
      result.append(try decode(Columns(row)))
    }
    return result
  }

  func one<T>(_ sql: SQL, _ decode: (Columns) throws -> T) async throws -> T? {
    try await all(sql, decode).first
  }

  func run(_ sql: SQL) async throws {
    try await query(sql.query, logger: PostgresStore.quiet)
  }
}
