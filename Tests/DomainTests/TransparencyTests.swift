import Foundation
import Services
import Testing

/// The Merkle tree of RFC 9162 and the bureau's Ed25519 key, checked against a naive reading of
/// the RFC's definitions and against openssl's own Ed25519.
@Suite("The transparency log's Merkle tree and signing key")
struct TransparencyTests {
  /// `MTH(D[n])` exactly as RFC 9162 §2.1.1 defines it, recursively over the leaves.
  static func naiveRoot(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
    if leaves.isEmpty { return Digest.sha256([]) }
    if leaves.count == 1 { return MerkleTree.leafHash(leaves.first!) }
    var k = 1
    while k * 2 < leaves.count { k *= 2 }
    return MerkleTree.nodeHash(naiveRoot(leaves.prefix(k)), naiveRoot(leaves.dropFirst(k)))
  }

  /// The stored nodes of a tree of `leaves`, as the store writes them leaf by leaf.
  static func storedNodes(_ leaves: [[UInt8]]) -> [MerkleTree.NodeID: MerkleTree.Hash] {
    var nodes: [MerkleTree.NodeID: MerkleTree.Hash] = [:]
    for (index, leaf) in leaves.enumerated() {
      var hash = MerkleTree.leafHash(leaf)
      nodes[.init(level: 0, index: Int64(index))] = hash
      for (node, sibling) in MerkleTree.completedNodes(byAppending: Int64(index)) {
        hash = MerkleTree.nodeHash(nodes[sibling]!, hash)
        nodes[node] = hash
      }
    }
    return nodes
  }

  static let leaves = (0..<70).map { Array("entry \($0)".utf8) }

  @Test("roots from stored subtrees equal the RFC's definition, for every size up to 70")
  func roots() {
    let nodes = FetchedNodes(Self.storedNodes(Self.leaves))
    var builder = MerkleTree.Builder()
    for size in 0...Self.leaves.count {
      let expected = Self.naiveRoot(Self.leaves.prefix(size))
      #expect(MerkleTree.root(size: Int64(size), nodes) == expected, "size \(size)")
      #expect(builder.root == expected, "builder at size \(size)")
      if size < Self.leaves.count { builder.append(leaf: MerkleTree.leafHash(Self.leaves[size])) }
    }
    // The empty tree's root is SHA-256 of nothing (RFC 9162 §2.1.1).
    #expect(Digest.hex(MerkleTree.root(size: 0, nodes)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  @Test("every inclusion proof verifies, and fails for another leaf, index, size or root")
  func inclusion() {
    let nodes = FetchedNodes(Self.storedNodes(Self.leaves))
    for size in Int64(1)...40 {
      let root = MerkleTree.root(size: size, nodes)
      for index in 0..<size {
        let proof = MerkleTree.inclusionProof(index: index, size: size, nodes)
        let leaf = MerkleTree.leafHash(Self.leaves[Int(index)])
        #expect(MerkleTree.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof, root: root), "\(index) in \(size)")
        #expect(!MerkleTree.verifyInclusion(leaf: MerkleTree.leafHash([9]), index: index, size: size, proof: proof, root: root))
        if size > 1 {
          #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: (index + 1) % size, size: size, proof: proof, root: root))
          #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof.dropLast(), root: root))
        }
        #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof, root: MerkleTree.leafHash([])))
      }
    }
  }

  @Test("every consistency proof verifies, and fails against a rewritten older tree")
  func consistency() {
    let nodes = FetchedNodes(Self.storedNodes(Self.leaves))
    var forged = Self.leaves
    forged[3] = Array("forged".utf8)
    for second in Int64(1)...40 {
      let secondRoot = MerkleTree.root(size: second, nodes)
      for first in Int64(1)...second {
        let proof = MerkleTree.consistencyProof(first: first, second: second, nodes)
        let firstRoot = MerkleTree.root(size: first, nodes)
        #expect(
          MerkleTree.verifyConsistency(first: first, second: second, firstRoot: firstRoot, secondRoot: secondRoot, proof: proof),
          "\(first) → \(second)")
        if first > 3, first < second {
          let forgedRoot = Self.naiveRoot(forged.prefix(Int(first)))
          #expect(!MerkleTree.verifyConsistency(first: first, second: second, firstRoot: forgedRoot, secondRoot: secondRoot, proof: proof))
        }
      }
    }
  }

  @Test("the nodes a proof reads are O(log n), and collected before any is read")
  func fetchedAtOnce() {
    let size: Int64 = 1_000_003
    let needed = MerkleTree.nodes { _ = MerkleTree.inclusionProof(index: 123_456, size: size, $0) }
    #expect(needed.count <= 2 * 20)
    let consistency = MerkleTree.nodes { _ = MerkleTree.consistencyProof(first: 777_777, second: size, $0) }
    #expect(consistency.count <= 2 * 20 * 2)
  }

  @Test("an Ed25519 key signs, names itself the C2SP way, and round-trips through PEM")
  func signingKey() throws {
    let key = SigningKey.generate(name: "sthjj.cq.gov.cn/monitoring")
    let message = Array("rcpt-1|2026-11-29T02:49:02.123Z|a|b|1|c|0".utf8)
    let signature = key.sign(message)
    #expect(signature.count == 64)
    #expect(key.publicKey.verifies(signature, over: message))
    #expect(!key.publicKey.verifies(signature, over: message + [0]))
    let again = try SigningKey(name: key.publicKey.name, pem: key.privatePEM)
    #expect(again.publicKey == key.publicKey)
    #expect(try PublicSigningKey(name: key.publicKey.name, pem: key.publicKey.pem) == key.publicKey)
    #expect(key.publicKey.id.hasPrefix("sthjj.cq.gov.cn/monitoring+"))
    #expect(key.publicKey.id.count == "sthjj.cq.gov.cn/monitoring+".count + 8)
    #expect(key.publicKey.verifierKey.hasPrefix(key.publicKey.id + "+"))
    #expect(throws: SigningKeyError.self) { try SigningKey(name: "x", pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
    #expect(throws: SigningKeyError.self) { try PublicSigningKey(name: "has space", rawKey: key.publicKey.rawKey) }
  }

  @Test("the C2SP key hash matches the one Go's note package computes for a published key")
  func keyHash() throws {
    // golang.org/x/mod/sumdb/note's own example verifier key: PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW
    let raw = Array(Data(base64Encoded: "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")!.dropFirst())
    let key = try PublicSigningKey(name: "PeterNeumann", rawKey: raw)
    #expect(key.id == "PeterNeumann+c74f20a3")
    #expect(key.verifierKey == "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
  }

  @Test("a checkpoint is a signed note that verifies with the key, and with no other, and not once altered")
  func checkpoints() throws {
    let key = SigningKey.generate(name: "sthjj.cq.gov.cn/monitoring")
    let root = MerkleTree.leafHash([1])
    let checkpoint = Checkpoint(origin: key.publicKey.name, size: 42, root: root, key: key)
    #expect(checkpoint.note.hasPrefix("sthjj.cq.gov.cn/monitoring\n42\n\(Data(root).base64EncodedString())\n\n\u{2014} sthjj.cq.gov.cn/monitoring "))
    let read = try Checkpoint(note: checkpoint.note, keys: [key.publicKey])
    #expect(read.size == 42 && read.root == root && read.origin == key.publicKey.name && read.keyID == key.publicKey.id)

    let other = SigningKey.generate(name: "sthjj.cq.gov.cn/monitoring")
    #expect(throws: CheckpointError.self) { try Checkpoint(note: checkpoint.note, keys: [other.publicKey]) }
    let altered = checkpoint.note.replacingOccurrences(of: "\n42\n", with: "\n43\n")
    #expect(throws: CheckpointError.self) { try Checkpoint(note: altered, keys: [key.publicKey]) }
    // A retired key still verifies what it signed.
    #expect(try Checkpoint(note: checkpoint.note, keys: [other.publicKey, key.publicKey]).keyID == key.publicKey.id)
  }
}
