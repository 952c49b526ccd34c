import Foundation
import GRDB
import Services

/// Documents' rows in SQLite, their bytes in files named by digest: `documents/ab/abcdef…`.
extension SQLiteStore: DocumentStore {
  public func documentPart(sha256: String, index: Int) async throws -> [UInt8]? {
    guard let handle = FileHandle(forReadingAtPath: Self.path(of: sha256, in: documentDirectory)) else {
      throw StoreError(.unavailable, "document \(sha256) is recorded but its file is missing")
    }
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(index) * UInt64(Self.documentPartSize))
    guard let data = try handle.read(upToCount: Self.documentPartSize), !data.isEmpty else { return nil }
    return [UInt8](data)
  }

  public func writeDocuments<T: Sendable>(_ body: (any DocumentTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }

  static func path(of sha256: String, in directory: String) -> String {
    directory + "/" + String(sha256.prefix(2)) + "/" + sha256
  }
}

extension SQLiteTransaction: DocumentTransaction {
  func hasDocumentContents(sha256: String) async throws -> Bool {
    try await run { db in try Bool.fetchOne(cached: db, sql: "SELECT 1 FROM document_content WHERE sha256 = ?", arguments: [sha256]) != nil }
  }

  /// Moves the bytes into place before the row is written: a row never names a missing file,
  /// and a file whose row was rolled back is only stored again by the next upload of it.
  func insertDocumentContents(sha256: String, sizeBytes: Int64, contentsOf file: String) async throws {
    let path = SQLiteStore.path(of: sha256, in: documentDirectory)
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    if !FileManager.default.fileExists(atPath: path) { try FileManager.default.moveItem(atPath: file, toPath: path) }
    try await run { db in
      try db.executeCached(sql: "INSERT INTO document_content (sha256, size_bytes) VALUES (?, ?)", arguments: [sha256, sizeBytes])
    }
  }

  func insertDocument(_ row: DocumentRow) async throws {
    try await run { db in try row.insert(db) }
  }
}
