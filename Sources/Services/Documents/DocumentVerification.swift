/// Reads the verification of documents' bytes needs.
public protocol DocumentVerificationReads: DocumentStore {
  /// Kept contents by SHA-256 after `after`, in order, with the size recorded for each.
  func documentContents(after: String, limit: Int) async throws -> [(sha256: String, sizeBytes: Int64)]
  /// (table, key) of rows that belong to nothing: bytes no record names, records of bytes
  /// that are not kept, parts of no kept document.
  func documentOrphans() async throws -> [(table: String, key: String)]
}

/// Each document's bytes read back and hashed: they must hash to the SHA-256 they are kept
/// under, which the upload's entry covers, and be as long as recorded.
public enum DocumentVerification {
  public static func verify(_ store: some DocumentVerificationReads) async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    var after = ""
    while true {
      let page = try await store.documentContents(after: after, limit: 500)
      for (sha256, size) in page {
        if let problem = try await check(sha256: sha256, sizeBytes: size, in: store) {
          mismatches.append(AuditLog.RecordMismatch(table: "document_content", key: sha256, auditSequence: 0, problem: problem))
        }
      }
      guard page.count == 500, let last = page.last else { break }
      after = last.sha256
    }
    for (table, key) in try await store.documentOrphans() {
      mismatches.append(AuditLog.RecordMismatch(table: table, key: key, auditSequence: 0, problem: "it belongs to no document kept: a row nobody filed, or its document was deleted"))
    }
    return mismatches
  }

  static func check(sha256: String, sizeBytes: Int64, in store: some DocumentVerificationReads) async throws -> String? {
    let digest = StreamingDigest()
    var size: Int64 = 0
    var index = 0
    do {
      while let part = try await store.documentPart(sha256: sha256, index: index) {
        digest.update(part)
        size += Int64(part.count)
        index += 1
      }
    } catch let error as StoreError where error.code == .unavailable {
      _ = digest.finalize()
      return "its bytes are not there (\(error.message)): they were deleted"
    }
    let actual = digest.finalize()
    if actual != sha256 { return "its bytes hash to \(actual.prefix(12))…, not to the SHA-256 they are kept under: they were altered" }
    if size != sizeBytes { return "its size_bytes \(sizeBytes) is not the length of its bytes (\(size)): the row was altered" }
    return nil
  }
}
