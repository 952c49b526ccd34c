import Foundation

/// The hash-chained audit log: every write appends an entry — who, which method, when, the
/// SHA-256 of the request and of the record written, and the hash of the previous entry — in
/// the same transaction as the write, so the log and the data cannot disagree.
///
/// An entry's hash is SHA-256 over `sequence|recorded_at|actor|method|request_sha256|record_sha256|previous_hash`.
/// Changing, deleting or reordering any stored entry breaks the chain at that point, which
/// `verify` finds. That text is also the entry's leaf in the log's Merkle tree (`MerkleTree`,
/// `TransparencyLog`), whose signed checkpoints let anyone outside detect a log cut back or
/// rewritten; and each entry carries the receipt signature made when it was written.
public enum AuditLog {
  /// What a write says about itself.
  public struct Entry: Codable, Sendable, Equatable {
    public var sequence: Int64
    public var recordedAt: String
    public var actor: String
    public var method: String
    public var requestSHA256: String
    public var recordSHA256: String
    public var previousHash: String
    public var hash: String
    /// The receipt's Ed25519 signature (see `Receipt.signedBytes`), made when the entry was written.
    public var signature: [UInt8]
    /// The signing key's id, `NAME+HASH`.
    public var keyID: String

    public init(
      sequence: Int64, recordedAt: String, actor: String, method: String, requestSHA256: String, recordSHA256: String,
      previousHash: String, hash: String, signature: [UInt8] = [], keyID: String = ""
    ) {
      self.sequence = sequence
      self.recordedAt = recordedAt
      self.actor = actor
      self.method = method
      self.requestSHA256 = requestSHA256
      self.recordSHA256 = recordSHA256
      self.previousHash = previousHash
      self.hash = hash
      self.signature = signature
      self.keyID = keyID
    }

    /// The entry's text, `sequence|recorded_at|actor|method|request_sha256|record_sha256|previous_hash`:
    /// its SHA-256 is `hash`, and it is the entry's leaf in the Merkle tree.
    public var text: String {
      AuditLog.text(
        sequence: sequence, recordedAt: recordedAt, actor: actor, method: method, requestSHA256: requestSHA256,
        recordSHA256: recordSHA256, previousHash: previousHash)
    }

    /// Leaf `sequence - 1` of the tree.
    public var leafIndex: Int64 { sequence - 1 }

    /// The receipt a client gets for this write.
    public var receipt: Receipt {
      Receipt(
        id: "rcpt-\(sequence)", receivedAt: Timestamps.parse(recordedAt) ?? Date(timeIntervalSince1970: 0),
        requestSHA256: requestSHA256, recordSHA256: recordSHA256, auditSequence: sequence, auditHash: hash,
        signature: signature, keyID: keyID)
    }
  }

  /// The hash before the first entry.
  public static let genesis = String(repeating: "0", count: 64)

  /// Appends an entry inside the caller's transaction, with its receipt signed by `key` and
  /// its leaf added to the Merkle tree; returns it.
  @discardableResult
  public static func append(
    _ transaction: some AuditTransaction, key: SigningKey, actor: String, method: String, requestSHA256: String,
    recordSHA256: String, at instant: Date
  ) async throws -> Entry {
    let last = try await transaction.lastAuditEntry()
    let sequence = (last?.sequence ?? 0) + 1
    let previous = last?.hash ?? genesis
    let recordedAt = Timestamps.format(instant)
    var entry = Entry(
      sequence: sequence, recordedAt: recordedAt, actor: actor, method: method, requestSHA256: requestSHA256,
      recordSHA256: recordSHA256, previousHash: previous,
      hash: hash(
        sequence: sequence, recordedAt: recordedAt, actor: actor, method: method, requestSHA256: requestSHA256,
        recordSHA256: recordSHA256, previousHash: previous))
    sign(&entry, with: key)
    try await transaction.insertAuditEntry(entry)
    try await appendLeaf(transaction, entry)
    return entry
  }

  /// Signs the entry's receipt.
  static func sign(_ entry: inout Entry, with key: SigningKey) {
    entry.keyID = key.publicKey.id
    entry.signature = key.sign(entry.receipt.signedBytes)
  }

  /// Adds the entry's leaf to the Merkle tree, with every subtree it completes.
  static func appendLeaf(_ transaction: some AuditTransaction, _ entry: Entry) async throws {
    let completed = MerkleTree.completedNodes(byAppending: entry.leafIndex)
    let siblings = try await transaction.merkleNodes(Set(completed.map(\.leftSibling)))
    var hash = MerkleTree.leafHash(Array(entry.text.utf8))
    var nodes = [MerkleTree.NodeID(level: 0, index: entry.leafIndex): hash]
    for (node, sibling) in completed {
      guard let left = siblings[sibling] else {
        throw ServiceError(.internalError, "the Merkle tree lacks node \(sibling.level)/\(sibling.index)", reason: "AUDIT_TREE_INCOMPLETE")
      }
      hash = MerkleTree.nodeHash(left, hash)
      nodes[node] = hash
    }
    try await transaction.insertMerkleNodes(nodes)
  }

  /// Brings a log written before the tree and the signing key up to date, in one write
  /// transaction: adds the leaves of entries that have none, and signs the receipts of entries
  /// that have no signature. Run at start; a no-op when nothing is missing.
  public static func catchUp(_ store: some AuditStore, key: SigningKey) async throws {
    try await store.writeAudit { transaction in
      var size = try await transaction.merkleTreeSize()
      while true {
        let entries = try await transaction.auditEntries(after: size, limit: 1000)
        for var entry in entries {
          if entry.signature.isEmpty {
            sign(&entry, with: key)
            try await transaction.setReceiptSignature(sequence: entry.sequence, signature: entry.signature, keyID: entry.keyID)
          }
          try await appendLeaf(transaction, entry)
          size += 1
        }
        if entries.count < 1000 { break }
      }
    }
  }

  public static func hash(
    sequence: Int64, recordedAt: String, actor: String, method: String, requestSHA256: String, recordSHA256: String,
    previousHash: String
  ) -> String {
    Digest.sha256Hex(text(
      sequence: sequence, recordedAt: recordedAt, actor: actor, method: method, requestSHA256: requestSHA256,
      recordSHA256: recordSHA256, previousHash: previousHash))
  }

  static func text(
    sequence: Int64, recordedAt: String, actor: String, method: String, requestSHA256: String, recordSHA256: String,
    previousHash: String
  ) -> String {
    [String(sequence), recordedAt, actor, method, requestSHA256, recordSHA256, previousHash].joined(separator: "|")
  }
}
