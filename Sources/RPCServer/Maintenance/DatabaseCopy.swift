import Foundation
public import Logging
import Services
import StoragePostgres
import StorageSQLite

/// `monitord copy-database`: an embedded database copied into an empty PostgreSQL one, for a
/// bureau that outgrows one machine. Every table row by row in one transaction, documents'
/// bytes with them; then the audit chain is verified on both sides and must end at the same
/// entry with the same hash.
public struct DatabaseCopy: Sendable {
  public let dataDirectory: String
  public let postgresURL: String
  public let logger: Logger

  public init(dataDirectory: String, postgresURL: String, logger: Logger) {
    self.dataDirectory = dataDirectory
    self.postgresURL = postgresURL
    self.logger = logger
  }

  /// What was copied.
  public struct Summary: Sendable, CustomStringConvertible {
    public var rows: [String: Int] = [:]
    public var documents = 0
    public var auditEntries: Int64 = 0
    public var auditRoot = ""

    public var description: String {
      let tables = CopiedTables.all.map { "\($0) \(rows[$0] ?? 0)" }.joined(separator: ", ")
      return "copied \(tables); \(documents) document(s) with their bytes\n"
        + "audit log intact on both: \(auditEntries) entries, tree root \(auditRoot)"
    }
  }

  public func run() async throws -> Summary {
    guard FileManager.default.fileExists(atPath: dataDirectory + "/monitoring.sqlite") else {
      throw ConfigError("--from: no database in \(dataDirectory) (monitoring.sqlite)")
    }
    let source = try SQLiteStore(directory: dataDirectory)
    let before = try await AuditLog.verify(source)
    if before.firstBroken != nil || before.mismatchCount > 0 {
      throw ConfigError("the embedded audit log does not verify (\(Self.describe(before))); nothing was copied")
    }
    let target: PostgresStore
    do {
      target = try await PostgresStore.connect(url: postgresURL, logger: logger)
    } catch {
      throw ConfigError("--to: cannot use \(MonitorServer.redacted(postgresURL)): \(error)")
    }
    do {
      let summary = try await copy(from: source, to: target, expecting: before)
      await target.shutdown()
      return summary
    } catch {
      await target.shutdown()
      throw error
    }
  }

  private func copy(from source: SQLiteStore, to target: PostgresStore, expecting before: AuditLog.Verification) async throws -> Summary {
    var summary = try await target.importing { into -> Summary in
      guard try await into.isEmpty() else {
        throw ConfigError("--to: the PostgreSQL database already holds records; a copy goes only into an empty one")
      }
      var summary = Summary()
      for table in CopiedTables.all {
        var after: Int64 = 0
        var count = 0
        while true {
          let (rows, last) = try await source.exportRows(of: table, after: after, limit: 500)
          if rows.isEmpty { break }
          try await into.insert(rows, into: table)
          if table == "document_content" {
            // Each engine keeps the bytes its own way: they travel with their content rows.
            for row in rows { try await copyContents(of: row, from: source, into: into) }
            summary.documents += rows.count
          }
          count += rows.count
          after = last
        }
        summary.rows[table] = count
        logger.info("copied", metadata: ["table": "\(table)", "rows": "\(count)"])
      }
      try await into.finish()
      return summary
    }
    let after = try await AuditLog.verify(target)
    guard after.firstBroken == nil, after.mismatchCount == 0, after.entries == before.entries, after.root == before.root else {
      throw ConfigError("the copied audit log does not match the embedded one (\(after.entries) entries, root \(Hex.string(after.root)); \(Self.describe(after)))")
    }
    summary.auditEntries = after.entries
    summary.auditRoot = Hex.string(after.root)
    return summary
  }

  /// What a verification found, in a line.
  static func describe(_ verification: AuditLog.Verification) -> String {
    var parts: [String] = []
    if let problem = verification.problem { parts.append(problem) }
    if let first = verification.mismatches.first {
      parts.append("\(verification.mismatchCount) record(s) differ, first \(first.table) \(first.key): \(first.problem)")
    }
    return parts.isEmpty ? "intact" : parts.joined(separator: "; ")
  }

  /// A document's bytes, part by part, for its `document_content` row.
  private func copyContents(of row: StoredRow, from source: SQLiteStore, into: any DatabaseImport) async throws {
    guard case .text(let sha256)? = row.columns.firstIndex(of: "sha256").map({ row.values[$0] }) else {
      throw ConfigError("a document_content row has no sha256")
    }
    var index = 0
    while let part = try await source.documentPart(sha256: sha256, index: index) {
      try await into.insertDocumentPart(sha256: sha256, index: index, bytes: part)
      index += 1
    }
  }
}

/// `monitord backup`: an online copy of the embedded database (SQLite's backup API, consistent
/// while the server writes) and of the documents' files, which never change once stored.
public struct EmbeddedBackup: Sendable {
  public let dataDirectory: String
  public let destination: String

  public init(dataDirectory: String, destination: String) {
    self.dataDirectory = dataDirectory
    self.destination = destination
  }

  /// The documents go beside the database file, in `FILE.documents/`.
  public var documentsDestination: String { destination + ".documents" }

  /// Returns the audit entries the backup holds.
  public func run() async throws -> Int64 {
    guard FileManager.default.fileExists(atPath: dataDirectory + "/monitoring.sqlite") else {
      throw ConfigError("--data-dir: no database in \(dataDirectory) (monitoring.sqlite)")
    }
    guard !FileManager.default.fileExists(atPath: destination) else {
      throw ConfigError("--to: \(destination) exists already; a backup never overwrites one")
    }
    let store = try SQLiteStore(directory: dataDirectory)
    // The database first: every document it names is already in place, so copying the files
    // afterwards leaves none out.
    try store.backup(to: destination)
    try copyDocuments(from: store.documentDirectory, to: documentsDestination)
    let verification = try await AuditLog.verify(try SQLiteStore.auditLog(ofFile: destination))
    if !verification.intact {
      throw ConfigError("the backup's audit log does not verify: \(DatabaseCopy.describe(verification))")
    }
    return verification.entries
  }

  private func copyDocuments(from source: String, to target: String) throws {
    let files = FileManager.default
    try files.createDirectory(atPath: target, withIntermediateDirectories: true)
    for folder in (try? files.contentsOfDirectory(atPath: source)) ?? [] where folder.count == 2 {
      try files.createDirectory(atPath: target + "/" + folder, withIntermediateDirectories: true)
      for name in try files.contentsOfDirectory(atPath: source + "/" + folder) {
        let to = target + "/" + folder + "/" + name
        if !files.fileExists(atPath: to) { try files.copyItem(atPath: source + "/" + folder + "/" + name, toPath: to) }
      }
    }
  }
}
