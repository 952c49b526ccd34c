import Foundation
public import GRDB
public import Services
import Synchronization

/// The embedded engine: one SQLite file under the data directory (GRDB, WAL), documents'
/// bytes as files beside it. All `make run` needs.
///
/// Write transactions are serialised by `WriteLock` and run on GRDB's single writer
/// connection as `BEGIN IMMEDIATE … COMMIT`, writes arriving together sharing one (group
/// commit); no write is acknowledged before the WAL holding it is fsynced (`WALSync`). Reads
/// run on the pool's reader connections and see only what is committed. `Checkpointer` copies
/// the WAL into the database file in the background.
public final class SQLiteStore: Store, Sendable {
  /// The connection pool. Tests reach under the store through it to tamper with rows.
  public let writer: DatabasePool
  /// Where documents' bytes live: `documents/ab/abcdef…`.
  public let documentDirectory: String
  let writeLock = WriteLock()
  /// Where write transactions run (see `transaction`).
  let writeExecutor = SerialTaskExecutor(label: "sqlite-writes")
  /// The transaction a group of writes is filling, while one is open (see `transaction`).
  private let openGroup = Mutex<CommitGroup?>(nil)
  /// Whether writes arriving together share a commit; off, each commits alone (benchmarks
  /// compare the two).
  let groupCommit: Bool
  let groupAge: Duration
  /// Syncs the WAL after grouped commits (see `finishTurn`).
  let walSync: WALSync
  /// Copies the WAL into the database file, off the write path.
  private let checkpointer: Checkpointer
  /// Turns with the write lock so far (see `writeStatistics`).
  private let statistics = Mutex(WriteStatistics())
  /// Set for `temporary()` stores, removed when the store goes.
  private let removeOnDeinit: String?

  public static let documentPartSize = 1 << 20

  /// Opens (creating if needed) `directory/monitoring.sqlite` and migrates it.
  public convenience init(directory: String, groupCommit: Bool = true) throws {
    try self.init(directory: directory, removeOnDeinit: nil, groupCommit: groupCommit)
  }

  /// A store in a new temporary directory, removed with the store: for tests.
  /// `groupAge` bounds how long a commit group stays open (`CommitGroup.maximumAge`).
  public static func temporary(groupAge: Duration = CommitGroup.maximumAge) throws -> SQLiteStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
    return try SQLiteStore(directory: directory, removeOnDeinit: directory, groupAge: groupAge)
  }

  private init(directory: String, removeOnDeinit: String?, groupCommit: Bool = true, groupAge: Duration = CommitGroup.maximumAge) throws {
    self.groupCommit = groupCommit
    self.groupAge = groupAge
    try FileManager.default.createDirectory(atPath: directory + "/documents", withIntermediateDirectories: true)
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.busyMode = .timeout(5)
    // A transaction stays open across the awaits of its body (see `transaction`).
    configuration.allowsUnsafeTransactions = true
    configuration.prepareDatabase { db in
      // Every acknowledged write survives a crash or power loss. Without grouping, each COMMIT
      // syncs the WAL itself (FULL); with it, the store syncs the WAL after the commit, out of
      // the write lock, before acknowledging (NORMAL and `WALSync`).
      try db.execute(sql: groupCommit ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL")
      // Savepoint journals (one per write in a group) in memory, not in files under /var/tmp.
      try db.execute(sql: "PRAGMA temp_store = MEMORY")
      // Checkpoints run in the background (`Checkpointer`); this is the writer's backstop.
      try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Checkpointer.backstopPages)")
    }
    let path = directory + "/monitoring.sqlite"
    writer = try DatabasePool(path: path, configuration: configuration)
    walSync = WALSync(databasePath: path)
    documentDirectory = directory + "/documents"
    self.removeOnDeinit = removeOnDeinit
    try Self.migrator.migrate(writer)
    try walSync.syncNow()
    checkpointer = try Checkpointer(path: path)
  }

  deinit {
    if let removeOnDeinit { try? FileManager.default.removeItem(atPath: removeOnDeinit) }
  }

  public func isAvailable() async -> Bool {
    do {
      return try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") == 1 }
    } catch {
      return false
    }
  }

  /// Runs `body` as one write transaction: committed when it returns, rolled back when it throws.
  ///
  /// Group commit: writes that arrive while others are under way share one SQLite transaction
  /// and so one fsync. Each body runs alone (the write lock), inside a savepoint of its own, so
  /// a body that throws undoes only itself; whoever finds no other writer coming (or the group
  /// full or old) commits for the whole group, and every member returns only once that commit is
  /// durable — or throws its error, nothing of the group written.
  ///
  /// Bodies and commits run on an executor of their own, a serial queue, not the shared pool:
  /// a writer handed the lock resumes at once, where in the pool it would wait behind every
  /// request being decoded or checked, holding the lock idle meanwhile. BEGIN, the body's
  /// statements and COMMIT all run in place on that queue, with no hop to GRDB's writer queue
  /// and back (two thread switches each). So the writers behind the holder have not reached
  /// the lock when it finishes, but are queued for the executor: each writer announces itself
  /// to the lock before it queues, and the group stays open while any is announced. Waiting
  /// for the group's commit to be durable happens off that queue, so that what each member
  /// does next (its reply) runs in the pool and never holds up the next writer.
  func transaction<T: Sendable>(_ body: (SQLiteTransaction) async throws -> T) async throws -> T {
    writeLock.announce()
    let turn = try await withTaskExecutorPreference(writeExecutor) { try await self.takeTurn(body) }
    if let commit = turn.commit {
      var outcome = commit.outcome
      if case .success = outcome, let ticket = commit.ticket, case .failure(let error) = await walSync.durable(ticket) {
        outcome = .failure(error)
      }
      turn.group.finish(outcome)
    }
    let result = try turn.outcome.get()
    if case .failure(let error) = await turn.group.committed() { throw error }
    return result
  }

  /// One writer's turn with the lock: its body, and the commit when it is the group's last.
  private struct Turn<T: Sendable>: Sendable {
    var outcome: Result<T, any Error>
    var group: CommitGroup
    /// Set for the writer that committed the group, which makes it durable and tells the others.
    var commit: Commit?
  }

  private struct Commit: Sendable {
    var outcome: Result<Void, any Error>
    /// The commit's place in `walSync`, when it must still be synced.
    var ticket: UInt64?
  }

  private func takeTurn<T: Sendable>(_ body: (SQLiteTransaction) async throws -> T) async throws -> Turn<T> {
    await writeLock.lock()
    let acquired = ContinuousClock.now
    let group: CommitGroup
    do {
      group = try joinGroup()
    } catch {
      writeLock.unlock()
      throw Self.translate(error)
    }
    let transaction = SQLiteTransaction(writer: writer, documentDirectory: documentDirectory)
    let outcome: Result<T, any Error>
    var bodyTime = Duration.zero
    do {
      try transaction.runNow { try $0.execute(sql: "SAVEPOINT write") }
      let began = ContinuousClock.now
      let result = try await body(transaction)
      bodyTime = ContinuousClock.now - began
      try transaction.runNow { try $0.execute(sql: "RELEASE write") }
      outcome = .success(result)
      group.members += 1
    } catch {
      try? transaction.runNow { db in
        try db.execute(sql: "ROLLBACK TO write")
        try db.execute(sql: "RELEASE write")
      }
      outcome = .failure(error)
    }
    let commit = finishTurn(group)
    let held = ContinuousClock.now - acquired
    statistics.withLock { $0.count(held: held, body: bodyTime, committed: commit != nil) }
    return Turn(outcome: outcome, group: group, commit: commit)
  }

  public func writeStatistics() -> WriteStatistics {
    statistics.withLock { $0 }
  }

  /// The group under way, or a new one (BEGIN IMMEDIATE). Called holding the write lock.
  private func joinGroup() throws -> CommitGroup {
    if let open = openGroup.withLock({ $0 }) { return open }
    try inPlace { try $0.execute(sql: "BEGIN IMMEDIATE") }
    let group = CommitGroup(maximumAge: groupAge)
    openGroup.withLock { $0 = group }
    return group
  }

  /// Hands the open transaction to the next writer, or — when none is coming, the group is
  /// full or old (`CommitGroup.staysOpen`), or grouping is off — commits it for every member
  /// and says how that went. Releases the write lock either way.
  ///
  /// A grouped commit leaves the WAL unsynced (`synchronous = NORMAL`): its ticket is synced by
  /// `WALSync` after the lock is released, while the next group is written.
  private func finishTurn(_ group: CommitGroup) -> Commit? {
    if groupCommit, group.staysOpen(othersComing: writeLock.othersComing) {
      writeLock.unlock()
      return nil
    }
    let commit: Commit
    do {
      try inPlace { try $0.commit() }
      commit = Commit(outcome: .success(()), ticket: groupCommit ? walSync.committed() : nil)
      checkpointer.committed()
    } catch {
      try? inPlace { db in if db.isInsideTransaction { try db.rollback() } }
      commit = Commit(outcome: .failure(Self.translate(error)))
    }
    openGroup.withLock { $0 = nil }
    writeLock.unlock()
    return commit
  }

  /// Runs `work` on the writer connection on this thread (see `SQLiteTransaction`): called
  /// holding the write lock, it cannot be interrupted by the caller's cancellation either.
  private func inPlace(_ work: (Database) throws -> Void) throws {
    try writer.writeWithoutTransaction(work)
  }

  /// SQLite's error in the store's terms: a constraint is a `conflict`; a busy, full or
  /// failing disk is `unavailable`; anything else is the server's own fault and passes through.
  static func translate(_ error: any Error) -> any Error {
    guard let error = error as? DatabaseError else { return error }
    switch error.resultCode {
    case .SQLITE_CONSTRAINT: return StoreError(.conflict, error.message ?? "constraint violated")
    case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_NOMEM:
      return StoreError(.unavailable, "\(error.resultCode): \(error.message ?? "")")
    default: return error
    }
  }

  /// A consistent copy of the database, taken while the server runs (SQLite's online backup).
  public func backup(to path: String) throws {
    let destination = try DatabaseQueue(path: path)
    try writer.backup(to: destination)
    try destination.close()
  }

  /// The audit log of a database file (a backup), read only.
  public static func auditLog(ofFile path: String) throws -> some AuditStore {
    var configuration = Configuration()
    configuration.readonly = true
    return AuditFile(queue: try DatabaseQueue(path: path, configuration: configuration))
  }
}


/// A database file's audit log, for checking a backup.
struct AuditFile: AuditStore, SQLiteAccess {
  let queue: DatabaseQueue

  func run<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try await queue.read(work)
  }
}

/// How the store's reads reach the database: the pool's readers outside a transaction, the
/// writer inside one. The queries themselves are written once, over this.
protocol SQLiteAccess: Sendable {
  func run<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T
}

extension SQLiteStore: SQLiteAccess {
  func run<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
    do {
      return try await writer.read(work)
    } catch {
      throw SQLiteStore.translate(error)
    }
  }
}

/// The handle a write transaction's body gets.
///
/// Its statements run on the writer connection synchronously, on the calling thread, without
/// the hop to GRDB's writer queue an async access costs: the write lock already makes the
/// body the connection's only user. A filing is some forty statements, so the hops were most
/// of its time under the lock. (The commit runs in place too; only an ungrouped commit
/// fsyncs, on the writers' own queue, where nothing else could run meanwhile anyway.)
struct SQLiteTransaction: SQLiteAccess {
  let writer: DatabasePool
  let documentDirectory: String

  func run<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try runNow(work)
  }

  func runNow<T>(_ work: (Database) throws -> T) throws -> T {
    do {
      return try writer.writeWithoutTransaction(work)
    } catch {
      throw SQLiteStore.translate(error)
    }
  }
}
