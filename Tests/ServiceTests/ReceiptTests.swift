import Foundation
import GRPCCore
import ProtoCodec
import Services
import Testing

/// Receipts and the audit log as a client sees them through the real stack: signed once with
/// the bureau's key, provable in the log, the log provably append-only, and `VerifyAuditLog`
/// naming whatever was altered behind the server's back — on every engine.
@Suite("Receipts and the transparency log")
struct ReceiptTests {
  /// The published keys, read as a client would.
  static func publishedKeys(_ h: RegistryHarness) async throws -> [PublicSigningKey] {
    try await h.audit.getSigningKeys(.init()).keys.map { try PublicSigningKey(name: $0.name, pem: $0.publicKeyPem) }
  }

  /// A receipt as the domain would rebuild it from the reply alone.
  static func receipt(_ proto: Cqmon_V1_Receipt) throws -> Receipt {
    let received = try #require(proto.receivedAt)
    let receipt = Receipt(
      id: proto.receiptId, receivedAt: Date(timeIntervalSince1970: Double(received.seconds) + Double(received.nanos) / 1e9),
      requestSHA256: proto.requestSha256, recordSHA256: proto.recordSha256, auditSequence: proto.auditSequence,
      auditHash: proto.auditHash, signature: proto.signature, keyID: proto.keyId)
    #expect(receipt.leafIndex == proto.leafIndex)
    return receipt
  }

  /// Waits for a checkpoint covering `size` leaves (the server signs twice a second, the test
  /// harness every 50 ms).
  static func checkpoint(_ h: RegistryHarness, covering size: Int64) async throws -> Cqmon_V1_Checkpoint {
    for _ in 0..<50 {
      let checkpoint = try await h.audit.getCheckpoint(.init())
      if checkpoint.treeSize >= size { return checkpoint }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw RPCError(code: .deadlineExceeded, message: "no checkpoint covers \(size) leaves")
  }

  @Test("a receipt is signed with the bureau key it names, verifies with openssl, and not once altered", arguments: Engine.all)
  func signed(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        h.as(Identities.agency)
        let document = try await h.documents.upload(requestProducer: { writer in
          try await writer.write(.with { $0.metadata = .with { $0.requestId = "r"; $0.fileName = "a.txt"; $0.mediaType = "text/plain" } })
          try await writer.write(.with { $0.chunk = Array("receipt me".utf8) })
        })
        let proto = try #require(document.receipt)
        #expect(proto.signatureAlgorithm == "ed25519")
        #expect(proto.keyId == TestKeys.signing.publicKey.id)
        #expect(proto.recordSha256 == Digest.sha256Hex("receipt me"))
        let keys = try await Self.publishedKeys(h)
        #expect(keys.map(\.id) == [TestKeys.signing.publicKey.id, TestKeys.retired.publicKey.id])
        var receipt = try Self.receipt(proto)
        let key = try #require(keys.first { $0.id == proto.keyId })
        #expect(key.verifies(receipt.signature, over: receipt.signedBytes))

        // openssl, with nothing but the published PEM key and the bytes the proto documents.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("receipt-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let text = "\(proto.receiptId)|\(Timestamps.format(receipt.receivedAt))|\(proto.requestSha256)|\(proto.recordSha256)|\(proto.auditSequence)|\(proto.auditHash)|\(proto.leafIndex)"
        try Data(text.utf8).write(to: directory.appendingPathComponent("signed"))
        try Data(proto.signature).write(to: directory.appendingPathComponent("signature"))
        try Data(try await h.audit.getSigningKeys(.init()).keys[0].publicKeyPem.utf8).write(to: directory.appendingPathComponent("key.pem"))
        let check = try ServerProcess.run("/usr/bin/env", [
          "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", directory.appendingPathComponent("key.pem").path, "-rawin",
          "-in", directory.appendingPathComponent("signed").path, "-sigfile", directory.appendingPathComponent("signature").path,
        ])
        #expect(check.output.contains("Signature Verified Successfully"), "\(check)")

        receipt.recordSHA256 = Digest.sha256Hex("something else")
        #expect(!key.verifies(receipt.signature, over: receipt.signedBytes))
        // Read again later, the receipt is the one stored: byte for byte what was acknowledged.
        #expect(try await h.documents.getDocument(.with { $0.sha256 = document.sha256 }).receipt == proto)
      }
    }
  }

  @Test("receipts signed before a key rotation still verify with the retired key, published beside the new one", arguments: Engine.all)
  func rotation(engine: Engine) async throws {
    try await withStore(engine) { store in
      let old = SigningKey.generate(name: "test.cq-monitoring.local/audit")
      var digest = ""
      try await RegistryHarness.run(store: store.store, keys: SigningKeys(current: old)) { h in
        h.as(Identities.agency)
        digest = try await h.upload(Array("before rotation".utf8))
      }
      let new = SigningKey.generate(name: "test.cq-monitoring.local/audit")
      try await RegistryHarness.run(store: store.store, keys: SigningKeys(current: new, retired: [old.publicKey])) { h in
        h.as(Identities.agency)
        let before = try #require(try await h.documents.getDocument(.with { $0.sha256 = digest }).receipt)
        let newDigest = try await h.upload(Array("after".utf8))
        let after = try #require(try await h.documents.getDocument(.with { $0.sha256 = newDigest }).receipt)
        #expect(before.keyId == old.publicKey.id && after.keyId == new.publicKey.id)
        let published = try await h.audit.getSigningKeys(.init()).keys
        #expect(published.map(\.current) == [true, false])
        let keys = try await Self.publishedKeys(h)
        for proto in [before, after] {
          let receipt = try Self.receipt(proto)
          #expect(try #require(keys.first { $0.id == proto.keyId }).verifies(receipt.signature, over: receipt.signedBytes))
        }
      }
    }
  }

  @Test("an agency proves its receipt is in the log, against a checkpoint signed by the bureau", arguments: Engine.all)
  func inclusion(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        h.as(Identities.agency)
        var receipts: [Cqmon_V1_Receipt] = []
        for index in 0..<11 {
          let digest = try await h.upload(Array("document \(index)".utf8))
          receipts.append(try #require(try await h.documents.getDocument(.with { $0.sha256 = digest }).receipt))
        }
        let checkpoint = try await Self.checkpoint(h, covering: 11)
        let keys = try await Self.publishedKeys(h)
        let verified = try Checkpoint(note: checkpoint.note, keys: keys)
        #expect(verified.size == checkpoint.treeSize && verified.root == checkpoint.rootHash)
        for proto in receipts {
          let proof = try await h.audit.getInclusionProof(.with {
            $0.leafIndex = proto.leafIndex; $0.treeSize = checkpoint.treeSize; $0.auditHash = proto.auditHash
          })
          #expect(Digest.sha256Hex(proof.entry) == proto.auditHash)
          #expect(MerkleTree.verifyInclusion(
            leaf: MerkleTree.leafHash(proof.entry), index: proto.leafIndex, size: checkpoint.treeSize, proof: proof.hashes,
            root: verified.root))
        }

        // Without the receipt's hash an agency learns nothing of the leaf, whether or not it exists.
        let missing = await failure { _ = try await h.audit.getInclusionProof(.with { $0.leafIndex = 0; $0.treeSize = 11 }) }
        #expect(missing?.code == .permissionDenied)
        let wrong = await failure {
          _ = try await h.audit.getInclusionProof(.with { $0.leafIndex = 0; $0.treeSize = 11; $0.auditHash = receipts[1].auditHash })
        }
        #expect(wrong?.code == .permissionDenied)
        let beyond = await failure {
          _ = try await h.audit.getInclusionProof(.with { $0.leafIndex = 0; $0.treeSize = 1000; $0.auditHash = receipts[0].auditHash })
        }
        #expect(beyond?.code == .outOfRange)
        let negative = await failure {
          _ = try await h.audit.getInclusionProof(.with { $0.leafIndex = -1; $0.treeSize = 11; $0.auditHash = receipts[0].auditHash })
        }
        #expect(negative?.code == .invalidArgument)
        #expect(negative?.fields == ["leaf_index"])

        // An officer may prove any leaf.
        h.as(Identities.district)
        #expect(try await h.audit.getInclusionProof(.with { $0.leafIndex = 3; $0.treeSize = 11 }).hashes.count == 4)
      }
    }
  }

  @Test("a later checkpoint provably extends an earlier one; a forged older tree does not verify", arguments: Engine.all)
  func consistency(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        h.as(Identities.agency)
        for index in 0..<5 { _ = try await h.upload(Array("early \(index)".utf8)) }
        h.as(Identities.partner)
        let first = try await Self.checkpoint(h, covering: 5)
        h.as(Identities.agency)
        for index in 0..<9 { _ = try await h.upload(Array("later \(index)".utf8)) }
        h.as(Identities.partner)
        let second = try await Self.checkpoint(h, covering: 14)
        let proof = try await h.audit.getConsistencyProof(.with { $0.firstTreeSize = first.treeSize; $0.secondTreeSize = second.treeSize })
        #expect(MerkleTree.verifyConsistency(
          first: first.treeSize, second: second.treeSize, firstRoot: first.rootHash, secondRoot: second.rootHash, proof: proof.hashes))
        #expect(!MerkleTree.verifyConsistency(
          first: first.treeSize, second: second.treeSize, firstRoot: MerkleTree.leafHash([1]), secondRoot: second.rootHash, proof: proof.hashes))
        let backwards = await failure { _ = try await h.audit.getConsistencyProof(.with { $0.firstTreeSize = 14; $0.secondTreeSize = 5 }) }
        #expect(backwards?.code == .invalidArgument)
        // VerifyAuditLog is the city's alone.
        #expect(await failure { _ = try await h.audit.verifyAuditLog(.init()) }?.code == .permissionDenied)
      }
    }
  }
}
