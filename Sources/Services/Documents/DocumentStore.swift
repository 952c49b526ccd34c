import Foundation

/// One owner's record of a document: each agency (or bureau office) that uploads the same
/// bytes gets a record, a receipt and an audit entry of its own, and sees only its own.
public struct DocumentRow: Sendable, Equatable {
  public var sha256: String
  public var sizeBytes: Int64
  public var fileName: String
  public var mediaType: String
  /// Whose record this is: an agency's credit code, or a bureau office (`Viewer.documentOwner`).
  public var owner: String
  public var uploadedAt: Date
  public var uploadedBy: String
  public var audit: AuditLog.Entry

  public init(
    sha256: String, sizeBytes: Int64, fileName: String, mediaType: String, owner: String, uploadedAt: Date, uploadedBy: String,
    audit: AuditLog.Entry
  ) {
    self.sha256 = sha256
    self.sizeBytes = sizeBytes
    self.fileName = fileName
    self.mediaType = mediaType
    self.owner = owner
    self.uploadedAt = uploadedAt
    self.uploadedBy = uploadedBy
    self.audit = audit
  }
}

extension DocumentRow {
  /// Proof of the upload: its audit entry as a receipt.
  public var receipt: Receipt { audit.receipt }
}

/// A document write.
public protocol DocumentTransaction: WriteTransaction {
  /// As `DocumentStore.document(sha256:owner:)`, inside the transaction.
  func document(sha256: String, owner: String?) async throws -> DocumentRow?
  /// Whether the bytes are kept already (from anyone's upload).
  func hasDocumentContents(sha256: String) async throws -> Bool
  /// Keeps the bytes, taken from `file`: a complete temporary file, flushed, whose SHA-256 is
  /// `sha256`. The file may be moved away.
  func insertDocumentContents(sha256: String, sizeBytes: Int64, contentsOf file: String) async throws
  /// Records an owner's upload of bytes kept already.
  func insertDocument(_ row: DocumentRow) async throws
}

/// Documents' storage: records and bytes, kept where every server of the deployment reads them.
public protocol DocumentStore: Sendable {
  /// Bytes are read back in parts of this many bytes.
  static var documentPartSize: Int { get }
  /// `owner`'s record of the document; with no owner, the first record made (for officers).
  func document(sha256: String, owner: String?) async throws -> DocumentRow?
  /// Part `index` (from 0) of a document's bytes, `documentPartSize` long but the last; nil past the end.
  func documentPart(sha256: String, index: Int) async throws -> [UInt8]?
  /// Runs `body` in one serialised write transaction (see `WriteTransaction`).
  func writeDocuments<T: Sendable>(_ body: (any DocumentTransaction) async throws -> T) async throws -> T
}
