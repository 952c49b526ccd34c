import Foundation

/// Documents, stored once by SHA-256: written to a temporary file while they arrive, checked,
/// flushed, and handed to the store with the row that records them.
public final class Documents: Sendable {
  let store: any DocumentStore
  let temporaryDirectory: String
  public let maxBytes: Int64
  /// Signs every upload's receipt, once, as it commits.
  let signingKey: SigningKey
  let now: @Sendable () -> Date

  /// `temporaryDirectory` holds uploads in progress; on the same file system as the store's
  /// documents, when it keeps them in files, so that they move into place at once.
  public init(
    store: any DocumentStore, temporaryDirectory: String, maxBytes: Int64, signingKey: SigningKey,
    now: @escaping @Sendable () -> Date = Date.init
  ) throws {
    self.store = store
    self.signingKey = signingKey
    self.temporaryDirectory = temporaryDirectory
    self.maxBytes = maxBytes
    self.now = now
    try FileManager.default.createDirectory(atPath: temporaryDirectory, withIntermediateDirectories: true)
  }

  /// What the uploader says about the document.
  public struct Metadata: Sendable {
    public var fileName: String
    public var mediaType: String
    public var declaredSize: Int64
    public var declaredSHA256: String

    public init(fileName: String, mediaType: String, declaredSize: Int64, declaredSHA256: String) {
      self.fileName = fileName
      self.mediaType = mediaType
      self.declaredSize = declaredSize
      self.declaredSHA256 = declaredSHA256
    }

    func validate(maxBytes: Int64) throws(ServiceError) {
      var violations = Violations()
      violations.required("metadata.file_name", fileName, what: "the file name")
      violations.length("metadata.file_name", fileName, max: 255, what: "the file name")
      if fileName.contains("/") { violations.add("metadata.file_name", "a file name has no '/'", reason: "FILE_NAME") }
      violations.required("metadata.media_type", mediaType, what: "the media type")
      if !mediaType.isEmpty, !mediaType.contains("/") { violations.add("metadata.media_type", "'\(mediaType)' is not a media type such as application/pdf", reason: "MEDIA_TYPE") }
      if declaredSize < 0 { violations.add("metadata.size_bytes", "a size cannot be negative", reason: "SIZE") }
      if declaredSize > maxBytes {
        throw ServiceError(
          .resourceExhausted, "documents are at most \(maxBytes) bytes", reason: "DOCUMENT_TOO_LARGE",
          violations: [FieldViolation("metadata.size_bytes", "documents are at most \(maxBytes) bytes", reason: "DOCUMENT_TOO_LARGE")])
      }
      if !declaredSHA256.isEmpty, declaredSHA256.count != 64 || !declaredSHA256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) {
        violations.add("metadata.sha256", "a SHA-256 is 64 lower-case hexadecimal characters", reason: "DOCUMENT_DIGEST")
      }
      if !violations.all.isEmpty { throw .invalid(violations.all) }
    }
  }

  /// One upload in progress. Dropping it without `finish` removes the temporary file.
  public final class Upload {
    let metadata: Metadata
    let owner: String
    let temporary: String
    let handle: FileHandle
    let digest = StreamingDigest()
    var size: Int64 = 0

    init(metadata: Metadata, owner: String, temporary: String, handle: FileHandle) {
      self.metadata = metadata
      self.owner = owner
      self.temporary = temporary
      self.handle = handle
    }

    deinit {
      try? handle.close()
      // Gone already when the store moved it into place.
      try? FileManager.default.removeItem(atPath: temporary)
    }
  }

  public func begin(_ metadata: Metadata, owner: String) throws -> Upload {
    try metadata.validate(maxBytes: maxBytes)
    let temporary = temporaryDirectory + "/" + UUID().uuidString
    guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
      throw ServiceError(.internalError, "cannot create a temporary file in \(temporaryDirectory)", reason: "STORAGE")
    }
    return Upload(metadata: metadata, owner: owner, temporary: temporary, handle: handle)
  }

  public func append(_ upload: Upload, _ chunk: [UInt8]) throws {
    guard !chunk.isEmpty else { throw ServiceError.invalid([FieldViolation("chunk", "a chunk is 1 byte to 1 MiB, not empty", reason: "CHUNK_EMPTY")]) }
    upload.size += Int64(chunk.count)
    guard upload.size <= maxBytes else {
      throw ServiceError(.resourceExhausted, "documents are at most \(maxBytes) bytes", reason: "DOCUMENT_TOO_LARGE")
    }
    upload.digest.update(chunk)
    try upload.handle.write(contentsOf: chunk)
  }

  /// Checks what was declared and records the document, with its bytes and audit entry.
  /// Bytes stored before are not stored again.
  public func finish(_ upload: Upload, context: WriteContext) async throws -> DocumentRow {
    let digest = upload.digest.finalize()
    if upload.metadata.declaredSize > 0, upload.metadata.declaredSize != upload.size {
      throw ServiceError.invalid([FieldViolation("metadata.size_bytes", "\(upload.size) bytes arrived, \(upload.metadata.declaredSize) were declared", reason: "SIZE_MISMATCH")])
    }
    if !upload.metadata.declaredSHA256.isEmpty, upload.metadata.declaredSHA256 != digest {
      throw ServiceError.invalid([FieldViolation("metadata.sha256", "the bytes that arrived have SHA-256 \(digest)", reason: "DIGEST_MISMATCH")])
    }
    try upload.handle.synchronize()
    try upload.handle.close()
    let instant = now()
    let size = upload.size
    let metadata = upload.metadata
    let owner = upload.owner
    let file = upload.temporary
    return try await store.writeDocuments { tx in
      // The same owner uploading the same bytes again gets its first record back.
      if let existing = try await tx.document(sha256: digest, owner: owner) { return existing }
      if try await !tx.hasDocumentContents(sha256: digest) {
        try await tx.insertDocumentContents(sha256: digest, sizeBytes: size, contentsOf: file)
      }
      let entry = try await AuditLog.append(
        tx, key: signingKey, actor: context.actor, method: context.method, requestSHA256: context.requestSHA256, recordSHA256: digest, at: instant)
      let row = DocumentRow(
        sha256: digest, sizeBytes: size, fileName: metadata.fileName, mediaType: metadata.mediaType, owner: owner,
        uploadedAt: instant, uploadedBy: context.actor, audit: entry)
      try await tx.insertDocument(row)
      return row
    }
  }

  /// The viewer's own record of a document; officers, who supervise, see the first record of
  /// any document they did not upload themselves. Agencies see only their own uploads.
  public func find(sha256: String, viewer: Viewer) async throws -> DocumentRow {
    var row = try await store.document(sha256: sha256, owner: viewer.documentOwner)
    if row == nil, viewer.isOfficer { row = try await store.document(sha256: sha256, owner: nil) }
    guard let row else {
      throw ServiceError(.notFound, "no document \(sha256) visible to you", reason: "DOCUMENT_NOT_FOUND")
    }
    return row
  }

  /// Part `index` (from 0) of a found document's bytes; nil past the end.
  public func part(_ index: Int, of document: DocumentRow) async throws -> [UInt8]? {
    try await store.documentPart(sha256: document.sha256, index: index)
  }
}
