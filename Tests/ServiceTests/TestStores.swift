import Foundation
import GRDB
import Logging
import Services
import StoragePostgres
import StorageSQLite
import Testing

/// The storage engines tests run on. `make test` starts a throwaway PostgreSQL
/// (`scripts/postgres.sh with`) and sets `MONITORD_TEST_POSTGRES` to its URL; without it, only
/// SQLite runs (and `MONITORD_REQUIRE_POSTGRES=1` makes that a failure).
enum Engine: String, Sendable, CustomTestStringConvertible {
  case sqlite, postgres

  static let postgresURL = ProcessInfo.processInfo.environment["MONITORD_TEST_POSTGRES"]

  /// Every engine available: the contract suite runs on each.
  static var all: [Engine] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

  /// The engine the RPC tests run on: SQLite, or PostgreSQL with `MONITORD_TEST_STORE=postgres`.
  static var forServiceTests: Engine {
    ProcessInfo.processInfo.environment["MONITORD_TEST_STORE"] == "postgres" ? .postgres : .sqlite
  }

  var testDescription: String { rawValue }
}

/// A fresh, empty store on `engine`: a temporary SQLite directory, or a new database on the
/// test PostgreSQL. `close` releases it.
struct TestStore: Sendable {
  let store: any Store
  let engine: Engine
  /// The PostgreSQL database's URL; nil on SQLite.
  let url: String?
  let close: @Sendable () async -> Void

  /// `groupAge` is how long a commit group may stay open: tests that need writers to share a
  /// commit, however loaded the machine, give it seconds.
  static func make(_ engine: Engine, groupAge: Duration = CommitGroup.maximumAge) async throws -> TestStore {
    switch engine {
    case .sqlite:
      return TestStore(store: try SQLiteStore.temporary(groupAge: groupAge), engine: engine, url: nil, close: {})
    case .postgres:
      let url = try PostgresTestDatabase.create()
      var logger = Logger(label: "test")
      logger.logLevel = .critical
      let store = try await PostgresStore.connect(url: url, logger: logger, groupAge: groupAge)
      return TestStore(store: store, engine: engine, url: url, close: { await store.shutdown() })
    }
  }
}

/// Runs `body` with a fresh store on `engine`, released afterwards whatever happens.
func withStore<T>(_ engine: Engine, groupAge: Duration = CommitGroup.maximumAge, _ body: (TestStore) async throws -> T) async throws -> T {
  let store = try await TestStore.make(engine, groupAge: groupAge)
  do {
    let result = try await body(store)
    await store.close()
    return result
  } catch {
    await store.close()
    throw error
  }
}

enum PostgresTestDatabase {
  /// A new, empty database on the test server; its URL.
  static func create() throws -> String {
    guard let base = Engine.postgresURL, let slash = base.lastIndex(of: "/") else {
      throw StoreError(.unavailable, "MONITORD_TEST_POSTGRES is not set: run the tests through `make test`")
    }
    let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    try psql(base, "CREATE DATABASE \(name)")
    return String(base[..<slash]) + "/" + name
  }

  /// Runs SQL with `psql` (behind the server's back, for tests that tamper); its output.
  @discardableResult
  static func psql(_ url: String, _ sql: String) throws -> String {
    let result = try ServerProcess.run("/usr/bin/env", ["psql", url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql])
    guard result.status == 0 else { throw StoreError(.unavailable, "psql: \(result.error)") }
    return result.output
  }
}

@Suite("Test engines")
struct TestEngineTests {
  @Test("make test runs every store test on PostgreSQL too")
  func postgresIsThere() {
    if ProcessInfo.processInfo.environment["MONITORD_REQUIRE_POSTGRES"] == "1" {
      #expect(Engine.postgresURL != nil, "MONITORD_TEST_POSTGRES is not set")
    }
  }
}

extension TestStore {
  /// Runs SQL behind the server's back, as someone with the database's password (or file)
  /// would: with foreign keys not enforced (SQLite's shell does not enforce them; on
  /// PostgreSQL a superuser turns their triggers off).
  func tamper(_ sql: String) async throws {
    if let url {
      try PostgresTestDatabase.psql(url, "SET session_replication_role = replica; " + sql)
    } else {
      try await (store as! SQLiteStore).writer.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA foreign_keys = OFF")
        defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
        try db.inTransaction {
          try db.execute(sql: sql)
          return .commit
        }
      }
    }
  }
}

extension TestStore {
  /// Runs a query behind the server's back; each row's columns as text (NULL as nil).
  func query(_ sql: String) async throws -> [[String?]] {
    if let url {
      let text = try ServerProcess.run("/usr/bin/env", ["psql", url, "-v", "ON_ERROR_STOP=1", "-AtqF", "\u{1f}", "-R", "\u{1e}", "-P", "null=\u{2400}NULL", "-c", sql])
      guard text.status == 0 else { throw StoreError(.unavailable, "psql: \(text.error)") }
      return text.output.trimmingCharacters(in: .newlines).split(separator: "\u{1e}", omittingEmptySubsequences: true).map { line in
        line.split(separator: "\u{1f}", omittingEmptySubsequences: false).map { $0 == "\u{2400}NULL" ? nil : String($0) }
      }
    }
    return try await (store as! SQLiteStore).writer.read { db in
      try Row.fetchAll(db, sql: sql).map { row in (0..<row.count).map { (row[$0] as DatabaseValue).storage.value.map { "\($0)" } } }
    }
  }

  /// Every table of the store's schema with its columns and their declared types.
  func schema() async throws -> [String: [(name: String, type: String)]] {
    let rows = url == nil
      ? try await query("""
        SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid
        """)
      : try await query("""
        SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()
        ORDER BY table_name, ordinal_position
        """)
    var tables: [String: [(name: String, type: String)]] = [:]
    for row in rows { tables[row[0] ?? "", default: []].append((row[1] ?? "", (row[2] ?? "").lowercased())) }
    return tables
  }
}
