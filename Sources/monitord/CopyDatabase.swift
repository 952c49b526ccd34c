import ArgumentParser
import Foundation
import RPCServer

/// `monitord copy-database --from DATA_DIR --to postgres://…`
struct CopyDatabase: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "copy-database",
    abstract: "Copy an embedded (SQLite) database into an empty PostgreSQL one.",
    discussion: """
      Stop the server on DATA_DIR first. Every record, every audit entry and every document's \
      bytes are copied in one transaction; the audit chain is then verified on both sides and \
      must end at the same entry with the same hash. Start the servers with --database URL.
      """
  )

  @Option(help: "The data directory of the embedded database.")
  var from: String

  @Option(help: "The PostgreSQL database, postgres://USER@HOST:PORT/DATABASE; it must be empty.")
  var to: String

  func run() async throws {
    let logger = bootstrapPlainLogging()
    do {
      let summary = try await DatabaseCopy(dataDirectory: from, postgresURL: to, logger: logger).run()
      print(summary)
    } catch {
      throw fail(error)
    }
  }
}

/// `monitord backup --data-dir DIR --to FILE`
struct Backup: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Back up the embedded database while the server runs.",
    discussion: """
      Writes a consistent copy of the SQLite database to FILE (SQLite's online backup) and the \
      documents to FILE.documents/, then verifies the copy's audit chain. To restore, stop the \
      server and put FILE at DATA_DIR/monitoring.sqlite and FILE.documents at DATA_DIR/documents.
      """
  )

  @Option(name: .customLong("data-dir"), help: "The data directory of the running server.")
  var dataDir: String

  @Option(help: "The backup file to write; it must not exist.")
  var to: String

  func run() async throws {
    _ = bootstrapPlainLogging()
    do {
      let entries = try await EmbeddedBackup(dataDirectory: dataDir, destination: to).run()
      print("backed up to \(to) and \(to).documents/; audit log intact: \(entries) entries")
    } catch {
      throw fail(error)
    }
  }
}
