import Foundation
public import Logging
import NIOCore
import PostgresNIO
import _ConnectionPoolModule
public import Services
import Synchronization

/// The store on PostgreSQL (PostgresNIO's `PostgresClient` and its pool), for a bureau that
/// runs more than one server: servers keep nothing of their own, documents' bytes included.
///
/// Write transactions are serialised across servers by locking the single `write_lock` row
/// first (`SELECT … FOR UPDATE`), so each sees every write committed before it; reads see
/// what is committed. When the database stops answering, operations fail within seconds with
/// `StoreError.unavailable`, until a probe (`isAvailable`) reaches it again.
public final class PostgresStore: Store, Sendable {
  let client: PostgresClient
  private let runner: Task<Void, Never>
  private let reachable = Mutex(true)
  let logger: Logger

  public static let documentPartSize = 1 << 20
  /// For statements: failures are reported through errors, not logs.
  static let quiet = Logger(label: "cqmon.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

  /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, or with
  /// `?host=/socket/directory` for a Unix socket) and migrates the schema. Servers starting
  /// together take turns, under an advisory lock.
  public static func connect(url: String, logger: Logger) async throws -> PostgresStore {
    let store = PostgresStore(client: PostgresClient(configuration: try configuration(url), backgroundLogger: quiet), logger: logger)
    do {
      try await store.migrate()
    } catch {
      await store.shutdown()
      throw error
    }
    return store
  }

  private init(client: PostgresClient, logger: Logger) {
    self.client = client
    self.logger = logger
    runner = Task { await client.run() }
  }

  /// Closes the pool's connections.
  public func shutdown() async {
    runner.cancel()
    await runner.value
  }

  /// Parses a `postgres://` URL into the client's configuration.
  static func configuration(_ url: String) throws -> PostgresClient.Configuration {
    guard let parts = URLComponents(string: url), parts.scheme == "postgres" || parts.scheme == "postgresql",
      let user = parts.user, !user.isEmpty
    else {
      throw StoreError(.unavailable, "'\(url)' is not postgres://USER@HOST:PORT/DATABASE")
    }
    let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
    let password = parts.password?.removingPercentEncoding
    var configuration: PostgresClient.Configuration
    if let socketDirectory = parts.queryItems?.first(where: { $0.name == "host" })?.value, socketDirectory.hasPrefix("/") {
      configuration = .init(
        unixSocketPath: socketDirectory + "/.s.PGSQL.\(parts.port ?? 5432)", username: user, password: password,
        database: database.isEmpty ? user : database)
    } else {
      guard let host = parts.host, !host.isEmpty else { throw StoreError(.unavailable, "'\(url)' names no host") }
      configuration = .init(
        host: host, port: parts.port ?? 5432, username: user, password: password, database: database.isEmpty ? user : database,
        tls: .disable)
    }
    configuration.options.connectTimeout = .seconds(3)
    configuration.options.maximumConnections = 16
    return configuration
  }

  // MARK: - Running statements

  /// Runs `work` on a pooled connection, translating the engine's failures.
  func withConnection<T>(_ work: (PostgresConnection) async throws -> T) async throws -> T {
    // Once the database has failed, each call probes it (for 2 s at most) instead of waiting
    // on the pool, which would retry for much longer.
    if !reachable.withLock({ $0 }), await !isAvailable() {
      throw StoreError(.unavailable, "the database does not answer")
    }
    do {
      return try await client.withConnection { try await work($0) }
    } catch {
      throw translate(error)
    }
  }

  /// Runs `body` in a serialised write transaction on one connection.
  func transaction<T: Sendable>(_ body: (PostgresTransaction) async throws -> T) async throws -> T {
    try await withConnection { connection in
      try await connection.run(SQL("BEGIN"))
      do {
        try await connection.run(SQL("SELECT writes FROM write_lock WHERE id = 1 FOR UPDATE"))
        let result = try await body(PostgresTransaction(connection: connection))
        try await connection.run(SQL("COMMIT"))
        return result
      } catch {
        try? await connection.run(SQL("ROLLBACK"))
        throw error
      }
    }
  }

  /// The engine's error in the store's terms: a broken connection or a pool that cannot reach
  /// the server is `unavailable` (and marks the database unreachable until the next probe);
  /// a unique violation is a `conflict`; errors of the services' own pass through.
  func translate(_ error: any Error) -> any Error {
    if error is ServiceError || error is StoreError || error is CancellationError { return error }
    if let error = error as? PSQLError {
      if error.code == .server {
        let state = error.serverInfo?[.sqlState] ?? ""
        if state == "23505" { return StoreError(.conflict, error.serverInfo?[.message] ?? "unique violation") }
        // Class 08 (connection), 57P (operator intervention: shutdown), 53 (resources).
        if state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") {
          return unreachable("\(error.serverInfo?[.message] ?? state)")
        }
        return error
      }
      return unreachable("\(error.code)")
    }
    if error is ConnectionPoolError { return unreachable("\(error)") }
    return error
  }

  private func unreachable(_ why: String) -> StoreError {
    reachable.withLock { $0 = false }
    return StoreError(.unavailable, "the database is unreachable: \(why)")
  }

  public func isAvailable() async -> Bool {
    let client = self.client
    let answered = await withTaskGroup(of: Bool.self) { group in
      group.addTask {
        (try? await client.withConnection { connection in
          try await connection.query("SELECT 1", logger: Self.quiet).collect().count == 1
        }) ?? false
      }
      group.addTask {
        try? await Task.sleep(for: .seconds(2))
        return false
      }
      let first = await group.next() ?? false
      group.cancelAll()
      return first
    }
    reachable.withLock { $0 = answered }
    return answered
  }

  // MARK: - Migrations

  /// Applies the migrations not applied yet, each in its own transaction, holding a
  /// session-level advisory lock so that servers starting together do not race.
  func migrate() async throws {
    try await withConnection { connection in
      try await connection.run(SQL("SELECT pg_advisory_lock(\(Self.migrationLock))"))
      do {
        try await connection.run(SQL("CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY, applied_at text NOT NULL)"))
        let applied = Set(try await connection.all(SQL("SELECT name FROM schema_migration")) { try $0.string("name") })
        for migration in Migrations.all where !applied.contains(migration.name) {
          try await connection.run(SQL("BEGIN"))
          do {
            for statement in migration.statements { try await connection.run(SQL(statement)) }
            try await connection.run(.with(
              "INSERT INTO schema_migration (name, applied_at) VALUES (?, ?)", [migration.name, Timestamps.format(Date())]))
            try await connection.run(SQL("COMMIT"))
          } catch {
            try? await connection.run(SQL("ROLLBACK"))
            throw error
          }
          logger.info("migrated", metadata: ["migration": "\(migration.name)"])
        }
      } catch {
        _ = try? await connection.run(SQL("SELECT pg_advisory_unlock(\(Self.migrationLock))"))
        throw error
      }
      try await connection.run(SQL("SELECT pg_advisory_unlock(\(Self.migrationLock))"))
    }
  }

  /// The advisory lock's key: "cqmon" in ASCII.
  static let migrationLock: Int64 = 0x63_71_6D_6F_6E
}

/// How the store's reads reach the database: a pooled connection outside a transaction, the
/// transaction's own inside one. The queries are written once, over this.
protocol PostgresAccess: Sendable {
  func run<T>(_ work: (PostgresConnection) async throws -> T) async throws -> T
}

extension PostgresStore: PostgresAccess {
  func run<T>(_ work: (PostgresConnection) async throws -> T) async throws -> T {
    try await withConnection(work)
  }
}

/// The handle a write transaction's body gets.
struct PostgresTransaction: PostgresAccess {
  let connection: PostgresConnection

  func run<T>(_ work: (PostgresConnection) async throws -> T) async throws -> T {
    try await work(connection)
  }
}
