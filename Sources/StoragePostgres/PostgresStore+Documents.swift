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
  func insertDocument(_ d: DocumentRow, contentsOf file: String) async throws {
    try await connection.run(.with(
      """
      INSERT INTO document (sha256, size_bytes, file_name, media_type, owner_credit_code, uploaded_at, uploaded_by, audit_sequence)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [d.sha256, d.sizeBytes, d.fileName, d.mediaType, d.owner, Timestamps.format(d.uploadedAt), d.uploadedBy, d.audit.sequence]))
    guard let handle = FileHandle(forReadingAtPath: file) else {
      throw StoreError(.unavailable, "the upload's temporary file \(file) is gone")
    }
    defer { try? handle.close() }
    var part = 0
    while let data = try handle.read(upToCount: PostgresStore.documentPartSize), !data.isEmpty {
      try await connection.run(.with(
        "INSERT INTO document_part (sha256, part, bytes) VALUES (?, ?, ?)", [d.sha256, part, ByteBuffer(bytes: data)]))
      part += 1
    }
  }
}
