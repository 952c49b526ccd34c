import Foundation
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
  /// Runs SQL behind the server's back, as someone with the database's password would.
  func tamper(_ sql: String) async throws {
    if let url {
      try PostgresTestDatabase.psql(url, sql)
    } else {
      try await (store as! SQLiteStore).writer.write { try $0.execute(sql: sql) }
    }
  }
}
