public import GRDB
import Foundation

/// The embedded SQLite database: one file under the data directory, in WAL mode, with
/// append-only migrations (GRDB's `DatabaseMigrator`). Services reach it through their store
/// protocols, never directly.
public final class AppDatabase: Sendable {
  /// The connection pool (a queue for in-memory databases).
  public let writer: any DatabaseWriter

  /// Opens (creating if needed) `directory/monitoring.sqlite` and migrates it.
  public static func open(directory: String) throws -> AppDatabase {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.busyMode = .timeout(5)
    configuration.prepareDatabase { db in
      // Every acknowledged write survives a crash or power loss: synchronous=FULL in WAL mode.
      try db.execute(sql: "PRAGMA synchronous = FULL")
    }
    let pool = try DatabasePool(path: directory + "/monitoring.sqlite", configuration: configuration)
    return try AppDatabase(pool)
  }

  /// An in-memory database, for tests.
  public static func inMemory() throws -> AppDatabase {
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    return try AppDatabase(DatabaseQueue(configuration: configuration))
  }

  init(_ writer: any DatabaseWriter) throws {
    self.writer = writer
    try Self.migrator.migrate(writer)
  }

  /// Whether the database answers a trivial query; health reports NOT_SERVING when it does not.
  public func isAvailable() async -> Bool {
    do {
      return try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") == 1 }
    } catch {
      return false
    }
  }

  /// The schema's history. Append only: never edit or reorder a migration that has shipped, and
  /// never use application types inside one (they change; the migration must not).
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1 server metadata") { db in
      try db.create(table: "server_metadata") { t in
        t.primaryKey("key", .text)
        t.column("value", .text).notNull()
      }
      try db.execute(
        sql: "INSERT INTO server_metadata (key, value) VALUES ('schema_created_at', datetime('now'))")
    }
    migrator.registerMigration("v2 audit log") { db in
      try db.create(table: "audit_log") { t in
        t.primaryKey("sequence", .integer)
        t.column("recorded_at", .text).notNull()
        t.column("actor", .text).notNull()
        t.column("method", .text).notNull()
        t.column("request_sha256", .text).notNull()
        t.column("record_sha256", .text).notNull()
        t.column("previous_hash", .text).notNull()
        t.column("hash", .text).notNull().unique()
      }
    }
    return migrator
  }
}
