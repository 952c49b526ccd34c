import Foundation
import GRDB

/// A stored document's facts.
public struct DocumentRecord: Sendable, Equatable {
  public var sha256: String
  public var sizeBytes: Int64
  public var fileName: String
  public var mediaType: String
  /// The owning agency's credit code; empty for the bureau's own.
  public var owner: String
  public var uploadedAt: Date
  public var uploadedBy: String
  public var receipt: Receipt

  public static func == (lhs: Self, rhs: Self) -> Bool { lhs.sha256 == rhs.sha256 && lhs.uploadedAt == rhs.uploadedAt }
}

/// Documents, stored once by SHA-256 under `<data>/documents/ab/abcdef…`, written to a
/// temporary file while they arrive and moved into place, flushed, before they are recorded.
public final class DocumentStore: Sendable {
  let database: AppDatabase
  let directory: String
  public let maxBytes: Int64
  let now: @Sendable () -> Date

  public init(database: AppDatabase, directory: String, maxBytes: Int64, now: @escaping @Sendable () -> Date = Date.init) throws {
    self.database = database
    self.directory = directory
    self.maxBytes = maxBytes
    self.now = now
    try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
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
      if declaredSize > maxBytes { violations.add("metadata.size_bytes", "documents are at most \(maxBytes) bytes", reason: "DOCUMENT_TOO_LARGE") }
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
    var finished = false

    init(metadata: Metadata, owner: String, temporary: String, handle: FileHandle) {
      self.metadata = metadata
      self.owner = owner
      self.temporary = temporary
      self.handle = handle
    }

    deinit {
      try? handle.close()
      if !finished { try? FileManager.default.removeItem(atPath: temporary) }
    }
  }

  public func begin(_ metadata: Metadata, owner: String) throws -> Upload {
    try metadata.validate(maxBytes: maxBytes)
    let temporary = directory + "/tmp/" + UUID().uuidString
    guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
      throw ServiceError(.internalError, "cannot create a temporary file in \(directory)/tmp", reason: "STORAGE")
    }
    return Upload(metadata: metadata, owner: owner, temporary: temporary, handle: handle)
  }

  public func append(_ upload: Upload, _ chunk: [UInt8]) throws {
    guard !chunk.isEmpty else { throw ServiceError.invalid([FieldViolation("chunk", "a chunk is 1 byte to 1 MiB, not empty", reason: "CHUNK_EMPTY")]) }
    upload.size += Int64(chunk.count)
    guard upload.size <= maxBytes else {
      throw ServiceError(.failedPrecondition, "documents are at most \(maxBytes) bytes", reason: "DOCUMENT_TOO_LARGE")
    }
    upload.digest.update(chunk)
    try upload.handle.write(contentsOf: chunk)
  }

  /// Checks what was declared, puts the bytes in place (flushed to disk) and records the
  /// document with its audit entry. Bytes stored before are not stored again.
  public func finish(_ upload: Upload, context: WriteContext) async throws -> DocumentRecord {
    let digest = upload.digest.finalize()
    if upload.metadata.declaredSize > 0, upload.metadata.declaredSize != upload.size {
      throw ServiceError.invalid([FieldViolation("metadata.size_bytes", "\(upload.size) bytes arrived, \(upload.metadata.declaredSize) were declared", reason: "SIZE_MISMATCH")])
    }
    if !upload.metadata.declaredSHA256.isEmpty, upload.metadata.declaredSHA256 != digest {
      throw ServiceError.invalid([FieldViolation("metadata.sha256", "the bytes that arrived have SHA-256 \(digest)", reason: "DIGEST_MISMATCH")])
    }
    try upload.handle.synchronize()
    try upload.handle.close()
    let folder = directory + "/" + String(digest.prefix(2))
    let path = folder + "/" + digest
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    if FileManager.default.fileExists(atPath: path) {
      try FileManager.default.removeItem(atPath: upload.temporary)
    } else {
      try FileManager.default.moveItem(atPath: upload.temporary, toPath: path)
    }
    upload.finished = true
    let instant = now()
    let size = upload.size
    let metadata = upload.metadata
    let owner = upload.owner
    return try await database.writer.write { db in
      if let existing = try self.record(db, sha256: digest) { return existing }
      let entry = try AuditLog.append(db, actor: context.actor, method: context.method, requestSHA256: context.requestSHA256, recordSHA256: digest, at: instant)
      try db.execute(
        sql: """
          INSERT INTO document (sha256, size_bytes, file_name, media_type, owner_credit_code, uploaded_at, uploaded_by, audit_sequence)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [digest, size, metadata.fileName, metadata.mediaType, owner, Timestamps.format(instant), context.actor, entry.sequence])
      return try self.record(db, sha256: digest)!
    }
  }

  /// A document's record and its bytes' path, if the viewer may read it: its owner agency, or
  /// any officer.
  public func find(sha256: String, viewer: Viewer) async throws -> (DocumentRecord, String) {
    let record = try await database.writer.read { try self.record($0, sha256: sha256) }
    guard let record, viewer.isOfficer || viewer == .agency((try? CreditCode(validating: record.owner)) ?? CreditCode.placeholder) else {
      throw ServiceError(.notFound, "no document \(sha256) visible to you", reason: "DOCUMENT_NOT_FOUND")
    }
    return (record, directory + "/" + String(sha256.prefix(2)) + "/" + sha256)
  }

  func record(_ db: Database, sha256: String) throws -> DocumentRecord? {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM document WHERE sha256 = ?", arguments: [sha256]) else { return nil }
    return DocumentRecord(
      sha256: row["sha256"], sizeBytes: row["size_bytes"], fileName: row["file_name"], mediaType: row["media_type"],
      owner: row["owner_credit_code"], uploadedAt: Timestamps.parse(row["uploaded_at"]) ?? .distantPast,
      uploadedBy: row["uploaded_by"], receipt: try Registry.receipt(db, sequence: row["audit_sequence"]))
  }
}

extension CreditCode {
  /// Never equal to a real agency's code (it fails its own check), for comparisons only.
  static let placeholder = try! CreditCode(validating: "91110000600037341L")
}
