import Foundation
import GRPCCore
import ProtoCodec
import Services
import Synchronization
import Testing

/// SIGKILL at random instants while sixteen clients write at once (changes and uploads, and the
/// city enrolling agencies beside them), cycle
/// after cycle on the same data: after every restart each acknowledged write is there exactly
/// once with the receipt its client holds, nothing half-written is there, and the audit log
/// verifies against the newest checkpoint a partner watching the log saw before the kill.
/// `make soak` runs more cycles (`MONITORD_CRASH_CYCLES`).
@Suite("Crashes under concurrent writes", .serialized)
struct CrashEndToEndTests {
  static let agency = "91500000MA5U7BCX7A"
  static let clients = 16
  static let cycles = Int(ProcessInfo.processInfo.environment["MONITORD_CRASH_CYCLES"] ?? "") ?? 20

  /// What the clients were told was written.
  struct Acknowledged: Sendable {
    var changes: [String: Cqmon_V1_Receipt] = [:]
    var documents: [String: Cqmon_V1_Receipt] = [:]
    /// Agencies the city enrolled, by credit code.
    var enrolments: [String: Cqmon_V1_Receipt] = [:]
    /// The newest signed checkpoint a watching partner got.
    var checkpoint = Cqmon_V1_Checkpoint()
  }

  final class Ledger: Sendable {
    let state = Mutex(Acknowledged())
  }

  @Test("SIGKILL at random instants under sixteen concurrent writers loses no acknowledged write")
  func killCycles() async throws {
    var random = SystemRandomNumberGenerator()
    let first = try ServerProcess()
    first.keepsData = true
    try await first.waitUntilServing()
    try first.listExampleAgency()
    first.signal(SIGTERM)
    #expect(await first.wait() == 0)

    let acknowledged = Ledger()
    for cycle in 0..<Self.cycles {
      let server = try ServerProcess(directory: first.directory)
      server.keepsData = true
      try await server.waitUntilServing()
      // Killed at a random instant once the writers are going: after at least 16 acknowledged
      // changes and 2 uploads this cycle, and up to 150 ms more.
      let before = acknowledged.state.withLock { (changes: $0.changes.count, documents: $0.documents.count) }
      let killAfter = Duration.milliseconds(Int.random(in: 0...150, using: &random))
      try await withThrowingTaskGroup(of: Void.self) { group in
        for client in 0..<Self.clients {
          group.addTask { try await Self.write(to: server, client: client, cycle: cycle, into: acknowledged) }
        }
        // Two more clients: the city enrolling agencies (certificates signed by the CA, rows in
        // two tables) at the same time.
        for client in 0..<2 {
          group.addTask { try await Self.enrol(on: server, client: client, cycle: cycle, into: acknowledged) }
        }
        group.addTask { await Self.watchCheckpoints(of: server, into: acknowledged) }
        for _ in 0..<500 where acknowledged.state.withLock({
          $0.changes.count < before.changes + 16 || $0.documents.count < before.documents + 2
        }) {
          try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: killAfter)
        server.signal(SIGKILL)
        try await group.waitForAll()
      }
      _ = await server.wait()
      try await Self.check(directory: first.directory, acknowledged: acknowledged.state.withLock { $0 })
    }
    let total = acknowledged.state.withLock { $0 }
    #expect(total.changes.count >= Self.cycles * 16 && total.documents.count >= Self.cycles, "writes were acknowledged between the kills")
    print("crash cycles: \(Self.cycles), acknowledged changes \(total.changes.count), uploads \(total.documents.count), enrolments \(total.enrolments.count)")
    try? FileManager.default.removeItem(at: first.directory)
  }

  /// One client: changes and uploads, one after the other, until the server goes away.
  static func write(to server: ServerProcess, client: Int, cycle: Int, into acknowledged: Ledger) async throws {
    try? await server.withClient(as: "agency") { connection in
      let registry = Cqmon_V1_RegistryService.Client(wrapping: connection)
      let documents = Cqmon_V1_DocumentService.Client(wrapping: connection)
      for index in 0..<10_000 {
        let key = "c\(cycle)-\(client)-\(index)"
        // A third of the writes are uploads, and a third of the clients begin with one.
        if (index + client) % 3 == 2 {
          let document = try await documents.upload(requestProducer: { writer in
            try await writer.write(.with { $0.metadata = .with { $0.requestId = key; $0.fileName = "\(key).txt"; $0.mediaType = "text/plain" } })
            try await writer.write(.with { $0.chunk = Array("crash test \(key)".utf8) })
          })
          acknowledged.state.withLock { $0.documents[document.sha256] = document.receipt }
        } else {
          let change = try await registry.fileChange(.with {
            $0.requestId = key
            $0.creditCode = Self.agency
            $0.kind = .name
            $0.effectiveOn = Days.china(-10, from: Date())
            $0.value = .with { $0.name = "名称 \(key)" }
          })
          acknowledged.state.withLock { $0.changes[change.changeId] = change.receipt }
        }
      }
    }
  }

  /// The city enrolling new agencies until the server goes away.
  static func enrol(on server: ServerProcess, client: Int, cycle: Int, into acknowledged: Ledger) async throws {
    let csr = try RegistryHarness.csr()
    try? await server.withClient(as: "city") { connection in
      let registry = Cqmon_V1_RegistryService.Client(wrapping: connection)
      for index in 0..<10_000 {
        let code = try Self.creditCode(cycle: cycle, client: client, index: index)
        let enrolled = try await registry.enrollAgency(.with {
          $0.requestId = "enrol-\(code)"; $0.creditCode = code; $0.name = "机构 \(code)"; $0.csrPem = csr
        })
        acknowledged.state.withLock { $0.enrolments[code] = enrolled.receipt }
      }
    }
  }

  /// A valid credit code of its own for each enrolment.
  static func creditCode(cycle: Int, client: Int, index: Int) throws -> String {
    let prefix = "915001" + String(format: "%02d%d%08d", cycle % 100, client, index)
    for check in "0123456789ABCDEFGHJKLMNPQRTUWXY" where (try? CreditCode(validating: prefix + String(check))) != nil {
      return prefix + String(check)
    }
    throw ServerProcessError.notServing
  }

  /// A partner keeping the newest checkpoint, until the server goes away.
  static func watchCheckpoints(of server: ServerProcess, into acknowledged: Ledger) async {
    try? await server.withClient(as: "partner") { connection in
      let audit = Cqmon_V1_AuditService.Client(wrapping: connection)
      while true {
        let checkpoint = try await audit.getCheckpoint(.init())
        acknowledged.state.withLock { if checkpoint.treeSize >= $0.checkpoint.treeSize { $0.checkpoint = checkpoint } }
        try await Task.sleep(for: .milliseconds(50))
      }
    }
  }

  /// Restarts on the data and checks everything acknowledged so far.
  static func check(directory: URL, acknowledged: Acknowledged) async throws {
    let server = try ServerProcess(directory: directory)
    server.keepsData = true
    try await server.waitUntilServing()
    try await server.withClient(as: "city") { client in
      let registry = Cqmon_V1_RegistryService.Client(wrapping: client)
      var changes: [Cqmon_V1_Change] = []
      var token = ""
      repeat {
        let page = try await registry.listChanges(.with { $0.creditCode = Self.agency; $0.pageSize = 1000; $0.pageToken = token })
        changes += page.changes
        token = page.nextPageToken
      } while !token.isEmpty
      let stored = Dictionary(changes.map { ($0.changeId, $0) }, uniquingKeysWith: { first, _ in first })
      #expect(stored.count == changes.count, "no change twice")
      for (id, receipt) in acknowledged.changes {
        #expect(stored[id]?.receipt?.auditHash == receipt.auditHash, "acknowledged change \(id) is there with its receipt")
      }
      // Nothing half-written: every stored change has its registry version, contiguous from 2.
      #expect(changes.map(\.registryVersion).sorted() == Array(2..<Int64(2 + changes.count)))
      #expect(try await registry.getAgency(.with { $0.creditCode = Self.agency }).registryVersion == Int64(1 + changes.count))
      let documents = Cqmon_V1_DocumentService.Client(wrapping: client)
      for (sha256, receipt) in acknowledged.documents {
        #expect(try await documents.getDocument(.with { $0.sha256 = sha256 }).receipt?.auditHash == receipt.auditHash)
      }
      for (code, receipt) in acknowledged.enrolments {
        let certificates = try await registry.listCertificates(.with { $0.creditCode = code }).certificates
        #expect(certificates.count == 1, "acknowledged enrolment of \(code) is there once")
        #expect(certificates.first?.sha256Fingerprint == receipt.recordSha256, "with the certificate its receipt names")
        #expect(try await registry.getAgency(.with { $0.creditCode = code }).status == .enrolled)
      }
      let audit = try await Cqmon_V1_AuditService.Client(wrapping: client).verifyAuditLog(.with { $0.checkpoint = acknowledged.checkpoint.note })
      #expect(audit.intact, "\(audit.problem)")
      #expect(acknowledged.checkpoint.treeSize > 0 && audit.entries >= acknowledged.checkpoint.treeSize)
    }
    server.signal(SIGTERM)
    _ = await server.wait()
  }
}
