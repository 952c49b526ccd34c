import Foundation
import Synchronization

/// A signed statement of the log's size and root: a C2SP checkpoint (https://c2sp.org/tlog-checkpoint)
/// in a signed note (https://c2sp.org/signed-note). The note's text is
/// `ORIGIN\nSIZE\nBASE64(ROOT)\n`; after a blank line comes one signature line,
/// `— NAME BASE64(KEY_HASH ‖ ED25519_SIGNATURE)`, the signature being over the text.
public struct Checkpoint: Sendable, Equatable {
  public let origin: String
  public let size: Int64
  public let root: MerkleTree.Hash
  /// The whole signed note.
  public let note: String
  /// The id of the key that signed it.
  public let keyID: String

  /// The text the signature covers.
  public static func text(origin: String, size: Int64, root: MerkleTree.Hash) -> String {
    "\(origin)\n\(size)\n\(Data(root).base64EncodedString())\n"
  }

  /// Signs a new checkpoint.
  public init(origin: String, size: Int64, root: MerkleTree.Hash, key: SigningKey) {
    let text = Self.text(origin: origin, size: size, root: root)
    var hash = key.publicKey.keyHash.bigEndian
    let keyHash = withUnsafeBytes(of: &hash) { Array($0) }
    let signature = Data(keyHash + key.sign(Array(text.utf8))).base64EncodedString()
    self.origin = origin
    self.size = size
    self.root = root
    self.keyID = key.publicKey.id
    self.note = text + "\n\u{2014} \(key.publicKey.name) \(signature)\n"
  }

  /// Reads a signed note and checks its signature with one of `keys` (matched by name and key
  /// hash). Throws a message naming what is wrong.
  public init(note: String, keys: [PublicSigningKey]) throws(CheckpointError) {
    guard let split = note.range(of: "\n\n") else { throw CheckpointError("not a signed note: no blank line before the signatures") }
    let text = String(note[..<split.lowerBound]) + "\n"
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    guard lines.count >= 3, let size = Int64(lines[lines.startIndex + 1]), size >= 0,
      let root = Data(base64Encoded: String(lines[lines.startIndex + 2])), root.count == 32
    else { throw CheckpointError("not a checkpoint: the text must be ORIGIN, SIZE and BASE64(ROOT HASH) lines") }
    let origin = String(lines[lines.startIndex])
    var verifiedBy: PublicSigningKey?
    for line in note[split.upperBound...].split(separator: "\n") {
      let parts = line.split(separator: " ")
      guard parts.count == 3, parts[0] == "\u{2014}", let blob = Data(base64Encoded: String(parts[2])), blob.count == 68 else {
        throw CheckpointError("not a signed note: a signature line must be '— NAME BASE64'")
      }
      let hash = blob.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      if let key = keys.first(where: { $0.name == parts[1] && $0.keyHash == hash }), key.verifies(Array(blob.dropFirst(4)), over: Array(text.utf8)) {
        verifiedBy = key
        break
      }
    }
    guard let key = verifiedBy else { throw CheckpointError("no signature on it verifies with the bureau's keys (GetSigningKeys)") }
    self.origin = origin
    self.size = size
    self.root = Array(root)
    self.note = note
    self.keyID = key.id
  }
}

public struct CheckpointError: Error, Equatable, CustomStringConvertible {
  public let description: String

  init(_ description: String) {
    self.description = description
  }
}

/// The audit log seen from outside, as a transparency log: signed checkpoints, and proofs of
/// inclusion and consistency computed from the stored Merkle nodes (O(log n) of them, read in
/// one query per proof).
///
/// Checkpoints are issued by `issueIfGrown` (the server calls it twice a second) and kept in
/// memory: clients converge on the few recent ones, and a proof is asked against one of them.
public final class TransparencyLog: Sendable {
  let store: any AuditStore
  public let keys: SigningKeys
  /// The log's name, the first line of its checkpoints: the signing key's name.
  public var origin: String { keys.current.publicKey.name }
  private let latest = Mutex<Checkpoint?>(nil)

  public init(store: any AuditStore, keys: SigningKeys) {
    self.store = store
    self.keys = keys
  }

  /// The newest checkpoint; issues the first one if there is none yet.
  public func checkpoint() async throws -> Checkpoint {
    if let checkpoint = latest.withLock({ $0 }) { return checkpoint }
    return try await issueIfGrown()
  }

  /// Signs a checkpoint of the tree as it is now, unless the newest one has that size already;
  /// returns the newest checkpoint.
  @discardableResult
  public func issueIfGrown() async throws -> Checkpoint {
    let size = try await store.merkleTreeSize()
    if let current = latest.withLock({ $0 }) {
      // A log never shrinks: fewer leaves than already signed means entries were removed
      // behind the server's back. Nothing smaller is ever signed.
      if size < current.size {
        throw ServiceError(
          .internalError, "the audit log has \(size) entries, fewer than the \(current.size) of a checkpoint already signed",
          reason: "AUDIT_LOG_SHRANK")
      }
      if current.size == size { return current }
    }
    let root = try await self.root(size: size)
    let checkpoint = Checkpoint(origin: origin, size: size, root: root, key: keys.current)
    return latest.withLock { latest in
      if let current = latest, current.size >= size { return current }
      latest = checkpoint
      return checkpoint
    }
  }

  /// The stored tree's root at `size`.
  public func root(size: Int64) async throws -> MerkleTree.Hash {
    try await computed { MerkleTree.root(size: size, $0) }
  }

  /// Leaf `index`'s entry and its inclusion proof in the tree of `size` leaves. `auditHash`,
  /// when given, must be that entry's hash.
  public func inclusionProof(index: Int64, size: Int64, auditHash: String?) async throws -> (entry: AuditLog.Entry, proof: [MerkleTree.Hash]) {
    var violations = Violations()
    if index < 0 { violations.add("leaf_index", "must not be negative", reason: "OUT_OF_RANGE") }
    if size <= index { violations.add("tree_size", "must be greater than leaf_index", reason: "OUT_OF_RANGE") }
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    try await requireCheckpointed(size, field: "tree_size")
    guard let entry = try await store.auditEntries(after: index, limit: 1).first, entry.leafIndex == index else {
      throw ServiceError(.internalError, "leaf \(index) is in the tree but its entry is missing", reason: "AUDIT_ENTRY_MISSING")
    }
    if let auditHash, auditHash != entry.hash {
      throw ServiceError(.permissionDenied, "audit_hash is not the hash of the entry at leaf_index \(index)", reason: "AUDIT_HASH_MISMATCH")
    }
    return (entry, try await computed { MerkleTree.inclusionProof(index: index, size: size, $0) })
  }

  /// The proof that the tree of `second` leaves extends the tree of `first`.
  public func consistencyProof(first: Int64, second: Int64) async throws -> [MerkleTree.Hash] {
    var violations = Violations()
    if first <= 0 { violations.add("first_tree_size", "must be positive (a checkpoint's tree_size)", reason: "OUT_OF_RANGE") }
    if second < first { violations.add("second_tree_size", "must be at least first_tree_size", reason: "OUT_OF_RANGE") }
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    try await requireCheckpointed(second, field: "second_tree_size")
    return try await computed { MerkleTree.consistencyProof(first: first, second: second, $0) }
  }

  /// Proofs are given only for trees a checkpoint has covered.
  private func requireCheckpointed(_ size: Int64, field: String) async throws {
    let newest = try await checkpoint()
    guard size <= newest.size else {
      throw ServiceError(
        .outOfRange, "\(field) \(size) is beyond the newest checkpoint (\(newest.size) leaves); ask GetCheckpoint",
        reason: "TREE_SIZE_BEYOND_CHECKPOINT", violations: [FieldViolation(field, "at most \(newest.size), the newest checkpoint's size", reason: "OUT_OF_RANGE")],
        info: ["tree_size": String(newest.size)])
    }
  }

  /// Runs a computation over stored nodes: finds which it reads, fetches them in one query,
  /// and runs it on them.
  private func computed<T>(_ compute: (any MerkleNodeReader) -> T) async throws -> T {
    guard let result = try await Self.computed(store, compute) else {
      throw ServiceError(.internalError, "the stored Merkle tree lacks nodes it should have", reason: "AUDIT_TREE_INCOMPLETE")
    }
    return result
  }

  /// The same over any store; nil when the store lacks a node the computation reads.
  static func computed<T>(_ store: some AuditStore, _ compute: (any MerkleNodeReader) -> T) async throws -> T? {
    let needed = MerkleTree.nodes { _ = compute($0) }
    let nodes = try await store.merkleNodes(needed)
    guard nodes.count == needed.count else { return nil }
    return compute(FetchedNodes(nodes))
  }
}
