import Foundation
import NIOCore
import PostgresNIO
import Services

/// Documents' rows and bytes both in PostgreSQL (`document_part`, 1 MiB each), so that every
/// server reads every upload, and a `pg_dump` holds everything.
extension PostgresStore: DocumentStore {
  public func documentPart(sha256: String, index: Int) async throws -> [UInt8]? {
    try await run {
      try await $0.one(.with("SELECT bytes FROM document_part WHERE sha256 = ? AND part = ?", [sha256, index])) { try $0.bytes("bytes") }
    }
  }

  public func writeDocuments<T: Sendable>(_ body: (any DocumentTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension PostgresTransaction: DocumentTransaction {
  func hasDocumentContents(sha256: String) async throws -> Bool {
    try await one(.with("SELECT 1 AS present FROM document_content WHERE sha256 = ?", [sha256])) { _ in true } ?? false
  }

  func insertDocumentContents(sha256: String, sizeBytes: Int64, contentsOf file: String) async throws {
    insert("INSERT INTO document_content (sha256, size_bytes) VALUES (?, ?)", [sha256, sizeBytes])
    guard let handle = FileHandle(forReadingAtPath: file) else {
      throw StoreError(.unavailable, "the upload's temporary file \(file) is gone")
    }
    defer { try? handle.close() }
    var part = 0
    while let data = try handle.read(upToCount: PostgresStore.documentPartSize), !data.isEmpty {
      // Each part goes at once, not queued: a document is not held in memory whole.
      try await execute(.with("INSERT INTO document_part (sha256, part, bytes) VALUES (?, ?, ?)", [sha256, part, ByteBuffer(bytes: data)]))
      part += 1
    }
  }

  func insertDocument(_ d: DocumentRow) async throws {
    insert(
      """
      INSERT INTO document_record (sha256, owner, file_name, media_type, uploaded_at, uploaded_by, audit_sequence)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      """,
      [d.sha256, d.owner, d.fileName, d.mediaType, Timestamps.format(d.uploadedAt), d.uploadedBy, d.audit.sequence])
  }
}
