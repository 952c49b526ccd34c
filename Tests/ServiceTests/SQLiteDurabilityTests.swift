import Foundation
import GRDB
import Services
@testable import StorageSQLite
import Testing

/// Group commit's second half: grouped commits leave the WAL unsynced and `WALSync` makes them
/// durable after the write lock is released; checkpoints run in the background, not in commits.
@Suite("SQLite durability off the write lock")
struct SQLiteDurabilityTests {
  static func directory() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durability-\(UUID())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory
  }

  @Test("one fdatasync makes every commit ticketed before it durable; a commit after it needs another")
  func ticketsShareSyncs() async throws {
    let directory = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    FileManager.default.createFile(atPath: directory + "/db-wal", contents: Data("frames".utf8))
    let sync = WALSync(databasePath: directory + "/db")
    let tickets = (0..<50).map { _ in sync.committed() }
    #expect(await sync.durable(tickets.last!).isSuccess)
    #expect(sync.syncs == 1)
    for ticket in tickets { #expect(await sync.durable(ticket).isSuccess) }
    #expect(sync.syncs == 1)

    let later = sync.committed()
    #expect(await sync.durable(later).isSuccess)
    #expect(sync.syncs == 2)

    // Many waiting at once are all answered, by fewer syncs than waiters.
    let more = (0..<20).map { _ in sync.committed() }
    let outcomes = await withTaskGroup(of: Bool.self) { group in
      for ticket in more { group.addTask { await sync.durable(ticket).isSuccess } }
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(outcomes == Array(repeating: true, count: 20))
    #expect(sync.syncs <= 2 + 20)
  }

  @Test("a WAL that cannot be synced fails the commit's waiters with UNAVAILABLE, saying to retry")
  func syncFailure() async throws {
    let sync = WALSync(databasePath: "/nonexistent-\(UUID())/db")
    let outcome = await sync.durable(sync.committed())
    guard case .failure(let error) = outcome else { Issue.record("synced a WAL that does not exist"); return }
    #expect(error.code == .unavailable)
    #expect(error.message.contains("cannot open"))
  }

  @Test("the WAL is copied into the database file by the background checkpointer, not by commits")
  func backgroundCheckpoints() async throws {
    let directory = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/db.sqlite"
    var configuration = Configuration()
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Checkpointer.backstopPages)") }
    let pool = try DatabasePool(path: path, configuration: configuration)
    try await pool.write { db in try db.execute(sql: "CREATE TABLE t (payload BLOB)") }
    for _ in 0..<20 {
      try await pool.write { db in
        for _ in 0..<25 { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [Data(repeating: 7, count: 4000)]) }
      }
    }
    func databaseBytes() throws -> Int { (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
    // 500 rows of 4 kB: some 2 MB, all of it still in the WAL.
    #expect(try databaseBytes() < 1_000_000)
    let checkpointer = try Checkpointer(path: path, interval: .milliseconds(20))
    var copied = false
    for _ in 0..<250 where !copied {
      try await Task.sleep(for: .milliseconds(20))
      copied = try databaseBytes() > 2_000_000
    }
    #expect(copied)
    withExtendedLifetime(checkpointer) {}
    #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 500)
  }
}

extension SQLiteDurabilityTests {
  @Test("a long WAL restarts: with a short tail left the writer is asked to copy it, and its next write starts the WAL again")
  func walRestarts() async throws {
    let directory = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/db.sqlite"
    var configuration = Configuration()
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Checkpointer.backstopPages)") }
    let pool = try DatabasePool(path: path, configuration: configuration)
    try await pool.write { db in try db.execute(sql: "CREATE TABLE t (payload BLOB)") }
    // Rounds run when the test says, not on a timer.
    let checkpointer = try Checkpointer(path: path, interval: .seconds(3600), restartPages: 200, tailPages: 50)
    func write(_ rows: Int) async throws {
      for _ in 0..<rows {
        try await pool.write { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [Data(repeating: 7, count: 4000)]) }
      }
      checkpointer.committed()
    }
    /// Frames in the WAL since it last started from its beginning (a PASSIVE checkpoint, as the
    /// writer runs when asked).
    func walFrames() async throws -> Int { try await pool.writeWithoutTransaction { db in try db.checkpoint(.passive).walFrameCount } }

    /// A reader that holds a snapshot of the database as it stands, until `end`.
    func snapshot() throws -> DatabaseQueue {
      var configuration = Configuration()
      configuration.allowsUnsafeTransactions = true
      let reader = try DatabaseQueue(path: path, configuration: configuration)
      try reader.inDatabase { db in
        try db.beginTransaction(.deferred)
        _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM t")
      }
      return reader
    }
    func end(_ reader: DatabaseQueue) throws { try reader.inDatabase { db in try db.commit() } }

    // A round copies no further than the oldest reader's snapshot: 100 frames left, too many.
    try await write(300)
    var reader = try snapshot()
    try await write(100)
    checkpointer.round()
    #expect(!checkpointer.takeRestartDue())
    // Under load a round always leaves what was committed while it ran: a short tail. The WAL
    // cannot restart by itself then, so the writer is asked to copy the tail.
    try end(reader)
    reader = try snapshot()
    try await write(5)
    checkpointer.round()
    #expect(checkpointer.takeRestartDue())
    #expect(!checkpointer.takeRestartDue())
    try end(reader)
    let before = try await walFrames()
    #expect(before >= 405)
    // With everything copied, the next write starts the WAL from its beginning.
    try await write(1)
    #expect(try await walFrames() < 10)
    #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 406)
  }
}

extension Result {
  var isSuccess: Bool {
    if case .success = self { return true }
    return false
  }
}
