/// The audit log's part of a write transaction.
public protocol AuditTransaction {
  /// The newest entry; nil while the log is empty.
  func lastAuditEntry() async throws -> AuditLog.Entry?
  /// Appends an entry; its sequence is the last one's plus one.
  func insertAuditEntry(_ entry: AuditLog.Entry) async throws
  /// Entries in sequence order, starting after `sequence`, at most `limit`.
  func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditLog.Entry]
  /// Sets the receipt signature of an entry written before entries were signed.
  func setReceiptSignature(sequence: Int64, signature: [UInt8], keyID: String) async throws
  /// The stored Merkle nodes among `ids` (absent ones are left out).
  func merkleNodes(_ ids: Set<MerkleTree.NodeID>) async throws -> [MerkleTree.NodeID: MerkleTree.Hash]
  func insertMerkleNodes(_ nodes: [MerkleTree.NodeID: MerkleTree.Hash]) async throws
  /// Leaves in the Merkle tree.
  func merkleTreeSize() async throws -> Int64
}

/// Reading the audit log, its Merkle tree and the records its entries cover.
public protocol AuditStore: Sendable {
  /// Entries in sequence order, starting after `sequence`, at most `limit`.
  func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditLog.Entry]
  /// The stored Merkle nodes among `ids` (absent ones are left out).
  func merkleNodes(_ ids: Set<MerkleTree.NodeID>) async throws -> [MerkleTree.NodeID: MerkleTree.Hash]
  /// Leaves in the Merkle tree.
  func merkleTreeSize() async throws -> Int64
  /// Every row of a covered table, one at a time (memory stays flat however many there are).
  func forEachCoveredRecord(_ table: CoveredTable, _ body: (CoveredRecord) throws -> Void) async throws
  /// Runs `body` in one serialised write transaction (see `WriteTransaction`).
  func writeAudit<T: Sendable>(_ body: (any AuditTransaction) async throws -> T) async throws -> T
}

/// A table whose rows an audit entry covers: the row's `audit_sequence` names the entry of the
/// write that made it, and that entry's `record_sha256` is the SHA-256 of the row's record
/// bytes (`AuditLog.recordSHA256(of:in:)` says which). Both engines read the same columns.
public enum CoveredTable: String, Sendable, CaseIterable {
  /// An application's materials as submitted: `[materials]`.
  case application
  /// An Art. 5 change's new value: `[after]`.
  case change
  /// A removal's Art. 16/20 particulars: `[credit_code, art16_case, decided_on, description]`.
  case removal
  /// A certificate issued at enrolment: `[sha256_fingerprint]`, the digest of its DER bytes.
  case certificate
  /// A document record of one owner: `[sha256]`, the digest of the bytes.
  case documentRecord = "document_record"
  /// A version of a filed activity: `[content]`, as stored.
  case activityVersion = "activity_version"
  /// A version of a supervision record: `[content]`, as stored.
  case recordVersion = "record_version"
  // Registry versions are made by filings rather than named by an entry: `Registry.verifyVersions`
  // replays them from the covered filings.
}

extension CoveredTable {
  /// The column that holds the time of the write that made the row: its entry's `recorded_at`.
  public var timeColumn: String {
    switch self {
    case .application: "submitted_at"
    case .change: "filed_at"
    case .removal: "removed_at"
    case .certificate: "issued_at"
    case .documentRecord: "uploaded_at"
    case .activityVersion: "version_at"
    case .recordVersion: "recorded_at"
    }
  }

  /// The column that holds who made the row: its entry's `actor`; nil where there is none.
  public var actorColumn: String? {
    switch self {
    case .application: "submitted_by"
    case .change: "filed_by"
    case .documentRecord: "uploaded_by"
    case .activityVersion: "version_by"
    case .recordVersion: "recorded_by"
    case .removal, .certificate: nil
    }
  }

  /// Whether each entry that names a row of the table made exactly one (a second names a copy).
  public var onePerEntry: Bool {
    switch self {
    case .application, .change, .removal, .certificate, .documentRecord: true
    case .activityVersion, .recordVersion: false
    }
  }

  /// Other columns checked against the row's own covered content (`CoveredRecord.columns`).
  public var checkedColumns: [String] {
    switch self {
    case .application: ["number", "credit_code", "status", "decision", "reasons", "reviewed_by", "reviewed_at"]
    case .change: ["number"]
    case .removal: ["removal_count"]
    case .certificate: ["subject", "credit_code", "revoked_at", "revocation_reason"]
    case .activityVersion, .documentRecord, .recordVersion: []
    }
  }
}

/// One covered row, as stored.
public struct CoveredRecord: Sendable, Equatable {
  /// The row's key: `app-000042`, `SHA256/OWNER`, `act-000042/2` (activity and version).
  public var key: String
  /// The entry it names.
  public var auditSequence: Int64?
  /// The table's covered columns, in the order `CoveredTable` lists them.
  public var fields: [String]
  /// The row's time and actor columns, which must be its entry's (nil where it has none).
  public var recordedAt: String?
  public var actor: String?
  /// Other columns the checks read (`RecordCoverage` says which), by name.
  public var columns: [String: String]

  public init(
    key: String, auditSequence: Int64?, fields: [String], recordedAt: String? = nil, actor: String? = nil, columns: [String: String] = [:]
  ) {
    self.key = key
    self.auditSequence = auditSequence
    self.fields = fields
    self.recordedAt = recordedAt
    self.actor = actor
    self.columns = columns
  }
}
