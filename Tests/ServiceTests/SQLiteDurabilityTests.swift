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

@Suite("SQLite: the facts' multi-row insert")
struct SQLiteInsertTests {
  @Test("values bound with SQLite's own calls come back exactly; a constraint is a conflict")
  func roundTrip() throws {
    let queue = try DatabaseQueue()
    try queue.write { db in
      try db.execute(sql: "CREATE TABLE t (a TEXT NOT NULL UNIQUE, b REAL, c INTEGER, d TEXT)")
      try db.insert(
        into: "t", columns: ["a", "b", "c", "d"],
        rows: [[.text("S-1\u{0}中文 😀"), .real(29.557), .integer(Int64.max), .null], [.text(""), .real(-0.5), .integer(-1), .text("x")]])
      let rows = try Row.fetchAll(db, sql: "SELECT a, b, c, d FROM t ORDER BY rowid")
      // Every byte stored, the NUL and what follows it included.
      #expect(try Data.fetchAll(db, sql: "SELECT CAST(a AS BLOB) FROM t ORDER BY rowid") == [Data("S-1\u{0}中文 😀".utf8), Data()])
      #expect(rows.map { $0[1] as Double } == [29.557, -0.5])
      #expect(rows.map { $0[2] as Int64 } == [Int64.max, -1])
      #expect(rows.map { $0[3] as String? } == [nil, "x"])
      // The same statement again from the cache, its old bindings cleared.
      try db.insert(into: "t", columns: ["a", "b", "c", "d"], rows: [[.text("S-2"), .null, .null, .null], [.text("S-3"), .null, .null, .null]])
      #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t WHERE b IS NULL AND c IS NULL AND d IS NULL") == 2)
      do {
        try db.insert(into: "t", columns: ["a", "b", "c", "d"], rows: [[.text("S-2"), .null, .null, .null]])
        Issue.record("a duplicate was inserted")
      } catch {
        #expect((SQLiteStore.translate(error) as? StoreError)?.code == .conflict)
      }
    }
  }
}

extension Result {
  var isSuccess: Bool {
    if case .success = self { return true }
    return false
  }
}
