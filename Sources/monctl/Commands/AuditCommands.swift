import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec
import Services
import Yams

/// `monctl audit`: check the audit log from outside, with nothing but the bureau's published
/// keys — a receipt's signature and its place in the log, a saved checkpoint's consistency with
/// the newest — and, for city officers, the full verification.
struct AuditCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit", abstract: "The audit log: receipts, checkpoints, proofs, verification.",
    subcommands: [Prove.self, Checkpoint.self, Consistency.self, Keys.self, Verify.self])

  typealias Audit = Cqmon_V1_AuditService.Client<HTTP2ClientTransport.Posix>

  struct Prove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Prove a receipt: its signature by the bureau key, and its place in a signed checkpoint (exit 1 if not).",
      discussion: """
        RECEIPT_FILE is YAML or JSON holding a receipt: the output of a write with `-o json`
        (its `receipt`), or a receipt alone. Waits up to 5 s for a checkpoint that covers it.
        """)
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "A file with the receipt.") var receiptFile: String
    @Option(name: .customLong("save-checkpoint"), help: "Write the checkpoint used to this file, to check consistency later.")
    var saveCheckpoint: String?

    func run() async throws {
      try await reporting {
        let receipt = try AuditCommand.receipt(in: receiptFile)
        let connection = try connection.resolve()
        let (checkpoint, proof) = try await Client.with(connection) { client in
          let audit = Audit(wrapping: client)
          let keys = try await AuditCommand.keys(audit, connection)
          guard let key = keys.first(where: { $0.id == receipt.keyId }) else {
            throw CLIError(.failure, "receipt \(receipt.receiptId): no published key has id '\(receipt.keyId)'")
          }
          let domain = try AuditCommand.domainReceipt(receipt)
          guard key.verifies(domain.signature, over: domain.signedBytes) else {
            throw CLIError(.failure, "receipt \(receipt.receiptId): the signature does not verify with key \(key.id): the receipt was altered")
          }
          let checkpoint = try await AuditCommand.checkpoint(audit, connection, keys: keys, covering: receipt.leafIndex + 1)
          let proof = try await audit.getInclusionProof(.with {
            $0.leafIndex = receipt.leafIndex; $0.treeSize = checkpoint.size; $0.auditHash = receipt.auditHash
          }, options: Client.options(connection))
          return (checkpoint, proof)
        }
        guard Digest.sha256Hex(proof.entry) == receipt.auditHash else {
          throw CLIError(.failure, "receipt \(receipt.receiptId): the log's entry at leaf \(receipt.leafIndex) is not the one it acknowledges")
        }
        guard MerkleTree.verifyInclusion(
          leaf: MerkleTree.leafHash(proof.entry), index: receipt.leafIndex, size: checkpoint.size, proof: proof.hashes, root: checkpoint.root)
        else {
          throw CLIError(.failure, "receipt \(receipt.receiptId): the inclusion proof does not lead to the checkpoint's root")
        }
        try AuditCommand.save(checkpoint, to: saveCheckpoint)
        print(Printer(format: output.output).render(
          columns: ["RECEIPT", "LEAF", "SIGNED BY", "IN CHECKPOINT", "ROOT"],
          rows: [[receipt.receiptId, String(receipt.leafIndex), receipt.keyId, "\(checkpoint.size) entries", Hex.string(checkpoint.root)]],
          single: true), terminator: "")
      }
    }
  }

  struct Checkpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The newest signed checkpoint, verified with the published keys.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("save"), help: "Write the signed checkpoint to this file.") var save: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let checkpoint = try await Client.with(connection) { client in
          let audit = Audit(wrapping: client)
          return try await AuditCommand.checkpoint(audit, connection, keys: try await AuditCommand.keys(audit, connection), covering: 0)
        }
        try AuditCommand.save(checkpoint, to: save)
        print(AuditCommand.render(checkpoint, format: output.output), terminator: "")
      }
    }
  }

  struct Consistency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Prove that the newest checkpoint extends one saved earlier: nothing removed or rewritten (exit 1 if not).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("since"), help: "A checkpoint saved earlier (prove --save-checkpoint, checkpoint --save).")
    var since: String
    @Option(name: .customLong("save"), help: "Write the newest checkpoint to this file once it is proved.") var save: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let note = try AuditCommand.read(since)
        let (old, new, proof) = try await Client.with(connection) { client in
          let audit = Audit(wrapping: client)
          let keys = try await AuditCommand.keys(audit, connection)
          let old: Services.Checkpoint
          do {
            old = try Services.Checkpoint(note: note, keys: keys)
          } catch {
            throw CLIError(.failure, "\(since): \(error)")
          }
          let new = try await AuditCommand.checkpoint(audit, connection, keys: keys, covering: old.size)
          guard old.origin == new.origin else { throw CLIError(.failure, "\(since) is a checkpoint of '\(old.origin)', not of '\(new.origin)'") }
          guard old.size > 0, old.size < new.size else { return (old, new, [MerkleTree.Hash]()) }
          let proof = try await audit.getConsistencyProof(.with {
            $0.firstTreeSize = old.size; $0.secondTreeSize = new.size
          }, options: Client.options(connection))
          return (old, new, proof.hashes)
        }
        let consistent = old.size == 0 || (old.size == new.size
          ? old.root == new.root
          : MerkleTree.verifyConsistency(first: old.size, second: new.size, firstRoot: old.root, secondRoot: new.root, proof: proof))
        guard consistent else {
          throw CLIError(.failure, "the log of \(new.size) entries does not extend the saved checkpoint of \(old.size): entries were removed or rewritten")
        }
        try AuditCommand.save(new, to: save)
        print(Printer(format: output.output).render(
          columns: ["SAVED", "NEWEST", "CONSISTENT", "ROOT"],
          rows: [["\(old.size) entries", "\(new.size) entries", "yes", Hex.string(new.root)]], single: true), terminator: "")
      }
    }
  }

  struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The bureau's public signing keys, current and retired.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let keys = try await Client.with(connection) { client in
          try await Audit(wrapping: client).getSigningKeys(.init(), options: Client.options(connection))
        }
        print(Printer(format: output.output).render(keys.keys) {
          Printer(format: .table).render(
            columns: ["KEY ID", "CURRENT", "VERIFIER KEY"], rows: keys.keys.map { [$0.keyId, $0.current ? "yes" : "no", $0.verifierKey] })
        }, terminator: "")
      }
    }
  }

  struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Recompute the whole log and the records it covers; name what differs (exit 1 if anything does; city officers).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("checkpoint"), help: "A checkpoint saved earlier: the log must still hold that tree.")
    var checkpoint: String?

    func run() async throws {
      try await reporting {
        let note = try checkpoint.map(AuditCommand.read) ?? ""
        let connection = try connection.resolve(defaultTimeout: 600)
        let result = try await Client.with(connection) { client in
          try await Audit(wrapping: client).verifyAuditLog(.with { $0.checkpoint = note }, options: Client.options(connection))
        }
        print(AuditCommand.render(result, format: output.output), terminator: "")
        if !result.intact { throw CLIError(.failure, "the audit log does not verify: \(result.problem)") }
      }
    }
  }

  static func render(_ result: Cqmon_V1_AuditVerification, format: OutputFormat) -> String {
    Printer(format: format).render([result], single: true) {
      var table = Printer(format: .table).render(
        columns: ["ENTRIES", "INTACT", "FIRST BROKEN", "PROBLEM"],
        rows: [[String(result.entries), result.intact ? "yes" : "no", result.firstBrokenSequence == 0 ? "-" : String(result.firstBrokenSequence),
          result.problem.isEmpty ? "-" : result.problem]])
      if !result.records.isEmpty {
        table += "\n" + Printer(format: .table).render(
          columns: ["TABLE", "KEY", "ENTRY", "PROBLEM"],
          rows: result.records.map { [$0.table, $0.key.isEmpty ? "-" : $0.key, $0.auditSequence == 0 ? "-" : String($0.auditSequence), $0.problem] })
      }
      return table
    }
  }

  static func render(_ checkpoint: Services.Checkpoint, format: OutputFormat) -> String {
    let proto = Cqmon_V1_Checkpoint.with {
      $0.note = checkpoint.note; $0.origin = checkpoint.origin; $0.treeSize = checkpoint.size; $0.rootHash = checkpoint.root
      $0.keyId = checkpoint.keyID
    }
    return Printer(format: format).render([proto], single: true) {
      Printer(format: .table).render(
        columns: ["ORIGIN", "ENTRIES", "ROOT", "SIGNED BY"],
        rows: [[checkpoint.origin, String(checkpoint.size), Hex.string(checkpoint.root), checkpoint.keyID]])
    }
  }

  // MARK: - Helpers

  /// The published keys, as the domain reads them.
  static func keys(_ audit: Audit, _ connection: Connection) async throws -> [PublicSigningKey] {
    let published = try await audit.getSigningKeys(.init(), options: Client.options(connection))
    return try published.keys.map { key in
      do {
        return try PublicSigningKey(name: key.name, rawKey: key.publicKey)
      } catch {
        throw CLIError(.failure, "the server published a key that is not Ed25519 (\(key.keyId)): \(error)")
      }
    }
  }

  /// The newest checkpoint, its signature verified; waits up to 5 s for one of `size` leaves.
  static func checkpoint(_ audit: Audit, _ connection: Connection, keys: [PublicSigningKey], covering size: Int64) async throws -> Services.Checkpoint {
    for attempt in 0..<50 {
      let reply = try await audit.getCheckpoint(.init(), options: Client.options(connection))
      let checkpoint: Services.Checkpoint
      do {
        checkpoint = try Services.Checkpoint(note: reply.note, keys: keys)
      } catch {
        throw CLIError(.failure, "the server's checkpoint does not verify: \(error)")
      }
      if checkpoint.size >= size || attempt == 49 {
        guard checkpoint.size >= size else { throw CLIError(.failure, "no checkpoint covers leaf \(size - 1) yet; try again shortly") }
        return checkpoint
      }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw CLIError(.failure, "no checkpoint")
  }

  /// The receipt in a YAML or JSON file: a reply that holds one (`receipt`, at any depth) or a
  /// receipt alone.
  static func receipt(in path: String) throws(CLIError) -> Cqmon_V1_Receipt {
    let text = try read(path)
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      throw CLIError(.usage, "\(path) is not valid YAML or JSON: \(error)")
    }
    guard let node, let found = findReceipt(RequestFile.tree(node)) else {
      throw CLIError(.usage, "\(path) holds no receipt (a reply printed with -o json, or a receipt alone)")
    }
    do {
      return try Cqmon_V1_Receipt(tree: found)
    } catch {
      throw CLIError(.invalid, "\(path): the receipt: \(error)")
    }
  }

  private static func findReceipt(_ tree: ProtoTree) -> ProtoTree? {
    guard case .map(let fields) = tree else { return nil }
    if fields.contains(where: { $0.0 == "receiptId" || $0.0 == "receipt_id" }) { return tree }
    if let nested = fields.first(where: { $0.0 == "receipt" })?.1 { return findReceipt(nested) }
    for (_, value) in fields { if let found = findReceipt(value) { return found } }
    return nil
  }

  static func domainReceipt(_ proto: Cqmon_V1_Receipt) throws(CLIError) -> Receipt {
    guard let received = proto.receivedAt else { throw CLIError(.invalid, "the receipt has no received_at") }
    return Receipt(
      id: proto.receiptId, receivedAt: Date(timeIntervalSince1970: Double(received.seconds) + Double(received.nanos) / 1e9),
      requestSHA256: proto.requestSha256, recordSHA256: proto.recordSha256, auditSequence: proto.auditSequence,
      auditHash: proto.auditHash, signature: proto.signature, keyID: proto.keyId)
  }

  static func read(_ path: String) throws(CLIError) -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError(.usage, "cannot read \(path)") }
    return text
  }

  static func save(_ checkpoint: Services.Checkpoint, to path: String?) throws(CLIError) {
    guard let path else { return }
    do {
      try checkpoint.note.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
      throw CLIError(.failure, "cannot write \(path)")
    }
  }
}
