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
/// first (`SELECT … FOR UPDATE`), so each sees every write committed before it; within a
/// server, writes arriving together share one transaction (see `transaction`). Reads see what
/// is committed. When the database stops answering, operations fail within seconds with
/// `StoreError.unavailable`, until a probe (`isAvailable`) reaches it again.
public final class PostgresStore: Store, Sendable {
  let client: PostgresClient
  private let runner: Task<Void, Never>
  private let reachable = Mutex(true)
  let logger: Logger
  /// Whether writes arriving together share a transaction; off, each has its own (benchmarks
  /// compare the two).
  let groupCommit: Bool
  let groupAge: Duration
  let writeLock = WriteLock()
  /// Where writers queue for their turns (see `transaction`).
  let writeExecutor = SerialTaskExecutor(label: "postgres-writes")
  /// The transaction a group of writes is filling, while one is open.
  private let openGroup = Mutex<WriteGroup?>(nil)
  /// Turns with the write lock so far (see `writeStatistics`).
  private let statistics = Mutex(WriteStatistics())

  public static let documentPartSize = 1 << 20
  /// For statements: failures are reported through errors, not logs.
  static let quiet = Logger(label: "cqmon.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

  /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, or with
  /// `?host=/socket/directory` for a Unix socket) and migrates the schema. Servers starting
  /// together take turns, under an advisory lock.
  /// `groupAge` bounds how long a commit group stays open (`CommitGroup.maximumAge`).
  public static func connect(
    url: String, logger: Logger, groupCommit: Bool = true, groupAge: Duration = CommitGroup.maximumAge
  ) async throws -> PostgresStore {
    let store = PostgresStore(
      client: PostgresClient(configuration: try configuration(url), backgroundLogger: quiet), logger: logger, groupCommit: groupCommit,
      groupAge: groupAge)
    do {
      try await store.migrate()
    } catch {
      await store.shutdown()
      throw error
    }
    return store
  }

  private init(client: PostgresClient, logger: Logger, groupCommit: Bool, groupAge: Duration) {
    self.client = client
    self.logger = logger
    self.groupCommit = groupCommit
    self.groupAge = groupAge
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

  /// Runs `body` as one write transaction: committed when it returns, rolled back when it throws.
  ///
  /// Group commit, as on SQLite: writers of this server take turns with `writeLock`, and those
  /// arriving while others are under way share one transaction, and so one commit and one WAL
  /// flush. The writer that finds no transaction open leases a connection, begins one and locks
  /// the `write_lock` row, and keeps the connection until the group is committed. Each body runs
  /// alone, inside a savepoint of its own, so a body that throws undoes only itself; whoever
  /// finds no other writer coming (or the group full or old) commits for the whole group, and every
  /// member returns only once that COMMIT has answered — PostgreSQL answers it once its WAL is
  /// flushed — or throws its error, nothing of the group written.
  ///
  /// Writers queue for the lock on an executor of their own, a serial queue, and a writer
  /// handed the lock takes its turn on the group connection's event loop: there it resumes as
  /// each answer arrives, where in the shared pool it would wait behind every request being
  /// decoded or checked, holding the lock idle meanwhile. Writers waiting for their turn hold
  /// no connection, which leaves the pool to reads.
  func transaction<T: Sendable>(_ body: (PostgresTransaction) async throws -> T) async throws -> T {
    writeLock.announce()
    let turn = try await withTaskExecutorPreference(writeExecutor) { () async throws -> Turn<T> in
      await writeLock.lock()
      if let group = openGroup.withLock({ $0 }) {
        return await withTaskExecutorPreference(group.executor) { await self.takeTurn(in: group, body) }
      }
      do {
        return try await withConnection { connection in
          let group = try await self.beginGroup(on: connection)
          let turn = await withTaskExecutorPreference(group.executor) { await self.takeTurn(in: group, body) }
          // The connection goes back to the pool only once the group's last member has committed on it.
          _ = await group.commit.committed()
          return turn
        }
      } catch {
        // No group was opened, so this writer still holds the lock.
        writeLock.unlock()
        throw error
      }
    }
    let result = try turn.outcome.get()
    if case .failure(let error) = await turn.group.commit.committed() { throw error }
    return result
  }

  /// A transaction that a group of writes shares, and the connection it runs on.
  final class WriteGroup: Sendable {
    let connection: PostgresConnection
    let commit: CommitGroup
    /// The connection's event loop, where its members' turns run.
    let executor: EventLoopTaskExecutor

    init(connection: PostgresConnection, maximumAge: Duration) {
      self.connection = connection
      commit = CommitGroup(maximumAge: maximumAge)
      executor = EventLoopTaskExecutor(connection.eventLoop)
    }
  }

  private struct Turn<T: Sendable>: Sendable {
    var outcome: Result<T, any Error>
    var group: WriteGroup
  }

  /// BEGIN, and the `write_lock` row that serialises every server's writes. Called holding the
  /// write lock.
  private func beginGroup(on connection: PostgresConnection) async throws -> WriteGroup {
    try await connection.run(SQL("BEGIN"))
    do {
      try await connection.run(SQL("SELECT writes FROM write_lock WHERE id = 1 FOR UPDATE"))
    } catch {
      try? await connection.run(SQL("ROLLBACK"))
      throw error
    }
    let group = WriteGroup(connection: connection, maximumAge: groupAge)
    openGroup.withLock { $0 = group }
    return group
  }

  /// One writer's turn with the lock: its body, then either the group handed on to the next
  /// writer or — when none is coming, the group is full or old, or grouping is off — its commit.
  /// Releases the write lock either way; the commit's outcome goes to every member.
  private func takeTurn<T: Sendable>(in group: WriteGroup, _ body: (PostgresTransaction) async throws -> T) async -> Turn<T> {
    let acquired = ContinuousClock.now
    let connection = group.connection
    let outcome: Result<T, any Error>
    var bodyTime = Duration.zero
    do {
      if groupCommit { try await connection.run(SQL("SAVEPOINT write")) }
      let began = ContinuousClock.now
      let transaction = PostgresTransaction(connection: connection)
      let result = try await body(transaction)
      try await transaction.flush()
      bodyTime = ContinuousClock.now - began
      outcome = .success(result)
      group.commit.members += 1
    } catch {
      // Undone alone when grouped; ungrouped, its transaction is rolled back below.
      if groupCommit { try? await connection.run(SQL("ROLLBACK TO SAVEPOINT write")) }
      outcome = .failure(translate(error))
    }
    let commits = !(groupCommit && group.commit.staysOpen(othersComing: writeLock.othersComing))
    if commits { openGroup.withLock { $0 = nil } }
    // The next writer may begin its own group meanwhile: its lock on the `write_lock` row waits
    // for this COMMIT.
    writeLock.unlock()
    statistics.withLock { $0.count(held: ContinuousClock.now - acquired, body: bodyTime, committed: commits) }
    if commits {
      let committed: Result<Void, any Error>
      do {
        try await connection.run(SQL(group.commit.members > 0 ? "COMMIT" : "ROLLBACK"))
        committed = .success(())
      } catch {
        try? await connection.run(SQL("ROLLBACK"))
        committed = .failure(translate(error))
      }
      group.commit.finish(committed)
    }
    return Turn(outcome: outcome, group: group)
  }

  /// The lock is released before the COMMIT, which the next writer's lock on the `write_lock`
  /// row waits for; its time is not in `held`.
  public func writeStatistics() -> WriteStatistics {
    statistics.withLock { $0 }
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
///
/// Its INSERTs wait, and go to the server together as one statement (`WITH i0 AS (INSERT …), …
/// INSERT …`) just before the body's next statement of any other kind, or at its end: the dozen
/// inserts of a filing cost one round trip, not a dozen. Every other statement, reads included,
/// sends them first, so the body reads its own writes as before; a constraint they break is
/// reported by the statement that sent them, which the body throws all the same.
struct PostgresTransaction: PostgresAccess {
  private let connection: PostgresConnection
  private let pending = PendingInserts()

  init(connection: PostgresConnection) {
    self.connection = connection
  }

  /// Sends the waiting inserts, then runs `work`.
  func run<T>(_ work: (PostgresConnection) async throws -> T) async throws -> T {
    try await flush()
    return try await work(connection)
  }

  /// Runs a statement that returns no rows, after the waiting inserts.
  func execute(_ sql: SQL) async throws {
    try await run { try await $0.run(sql) }
  }

  /// The first row of a query, after the waiting inserts.
  func one<T>(_ sql: SQL, _ decode: (Columns) throws -> T) async throws -> T? {
    try await run { try await $0.one(sql, decode) }
  }

  /// Queues an INSERT (`?` placeholders, no RETURNING) to go with the next statement. Its
  /// values must come from its own placeholders, not from other tables: the inserts sent
  /// together see the database as it was before any of them.
  func insert(_ text: String, _ values: [(any PostgresDynamicTypeEncodable)?]) {
    pending.append((text, values))
  }

  /// Sends the waiting inserts, if any.
  func flush() async throws {
    let inserts = pending.take()
    guard let last = inserts.last else { return }
    var text = ""
    var values: [(any PostgresDynamicTypeEncodable)?] = []
    for (index, insert) in inserts.dropLast().enumerated() {
      text += (index == 0 ? "WITH " : ", ") + "i\(index) AS (\(insert.text))"
      values += insert.values
    }
    try await connection.run(.with(text + (text.isEmpty ? "" : " ") + last.text, values + last.values))
  }

  /// The connection itself, its statements not queued: for `PostgresImport`, which has its own.
  var unqueued: PostgresConnection { connection }
}

/// A transaction's INSERTs not yet sent (see `PostgresTransaction`). Unchecked, because the
/// values bound (`PostgresDynamicTypeEncodable`) are not `Sendable`; a transaction's body is
/// one task at a time, and the lock keeps even a misuse from racing.
final class PendingInserts: @unchecked Sendable {
  typealias Insert = (text: String, values: [(any PostgresDynamicTypeEncodable)?])
  private let lock = NSLock()
  private var inserts: [Insert] = []

  func append(_ insert: Insert) {
    lock.withLock { inserts.append(insert) }
  }

  func take() -> [Insert] {
    lock.withLock {
      defer { inserts = [] }
      return inserts
    }
  }
}

/// A task executor on a NIO event loop: a turn that runs on its connection's loop resumes
/// there when each answer arrives, with no hop to another thread and back.
final class EventLoopTaskExecutor: TaskExecutor {
  let loop: any EventLoop

  init(_ loop: any EventLoop) {
    self.loop = loop
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let executor = asUnownedTaskExecutor()
    loop.execute { job.runSynchronously(on: executor) }
  }
}
