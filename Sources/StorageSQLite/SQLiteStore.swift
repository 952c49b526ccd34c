import Foundation
public import GRDB
public import Services

/// The embedded engine: one SQLite file under the data directory (GRDB, WAL,
/// `synchronous = FULL`), documents' bytes as files beside it. All `make run` needs.
///
/// Write transactions are serialised by `WriteLock` and run on GRDB's single writer
/// connection as `BEGIN IMMEDIATE … COMMIT`, a statement per await; reads run on the pool's
/// reader connections and see only what is committed.
public final class SQLiteStore: Store, Sendable {
  /// The connection pool. Tests reach under the store through it to tamper with rows.
  public let writer: DatabasePool
  /// Where documents' bytes live: `documents/ab/abcdef…`.
  public let documentDirectory: String
  let writeLock = WriteLock()
  /// Set for `temporary()` stores, removed when the store goes.
  private let removeOnDeinit: String?

  public static let documentPartSize = 1 << 20

  /// Opens (creating if needed) `directory/monitoring.sqlite` and migrates it.
  public convenience init(directory: String) throws {
    try self.init(directory: directory, removeOnDeinit: nil)
  }

  /// A store in a new temporary directory, removed with the store: for tests.
  public static func temporary() throws -> SQLiteStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
    return try SQLiteStore(directory: directory, removeOnDeinit: directory)
  }

  private init(directory: String, removeOnDeinit: String?) throws {
    try FileManager.default.createDirectory(atPath: directory + "/documents", withIntermediateDirectories: true)
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.busyMode = .timeout(5)
    // A transaction stays open across the awaits of its body (see `transaction`).
    configuration.allowsUnsafeTransactions = true
    configuration.prepareDatabase { db in
      // Every acknowledged write survives a crash or power loss: synchronous=FULL in WAL mode.
      try db.execute(sql: "PRAGMA synchronous = FULL")
    }
    writer = try DatabasePool(path: directory + "/monitoring.sqlite", configuration: configuration)
    documentDirectory = directory + "/documents"
    self.removeOnDeinit = removeOnDeinit
    try Self.migrator.migrate(writer)
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
  func transaction<T: Sendable>(_ body: (SQLiteTransaction) async throws -> T) async throws -> T {
    await writeLock.lock()
    defer { writeLock.unlock() }
    do {
      try await writer.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
    } catch {
      throw Self.translate(error)
    }
    let result: T
    do {
      result = try await body(SQLiteTransaction(writer: writer, documentDirectory: documentDirectory))
    } catch {
      try? await uncancelled { try await self.writer.writeWithoutTransaction { try $0.rollback() } }
      throw error
    }
    do {
      try await uncancelled { try await self.writer.writeWithoutTransaction { try $0.commit() } }
    } catch {
      try? await uncancelled { try await self.writer.writeWithoutTransaction { db in if db.isInsideTransaction { try db.rollback() } } }
      throw Self.translate(error)
    }
    return result
  }

  /// Runs `work` to its end even when the calling task is cancelled: a transaction must not
  /// be left open because its caller went away.
  private func uncancelled(_ work: @escaping @Sendable () async throws -> Void) async throws {
    try await Task { try await work() }.value
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
struct SQLiteTransaction: SQLiteAccess {
  let writer: DatabasePool
  let documentDirectory: String

  func run<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
    do {
      return try await writer.writeWithoutTransaction(work)
    } catch {
      throw SQLiteStore.translate(error)
    }
  }
}
