import Foundation
import GRPCCore
import ProtoCodec
import Services
import Testing

/// Two `monitord` processes on one PostgreSQL, as the bureau runs them for failover: writes
/// through both at once land exactly once, a retry on the other server gives the first
/// result, the audit chain stays one chain, and both follow the database down and back up.
@Suite("Two servers on one PostgreSQL", .serialized, .enabled(if: Engine.postgresURL != nil, "needs PostgreSQL (make test)"))
struct TwoServersTests {
  static let agency = "91500000MA5U7BCX7A"

  /// A PostgreSQL of this test's own, which it stops and starts.
  final class PrivatePostgres: @unchecked Sendable {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cqmon-pg-\(UUID().uuidString)")
    let port: Int
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    init() throws {
      port = ServerProcess.freePort()
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      _ = try ServerProcess.run("/bin/chmod", ["755", directory.path])
      try start()
    }

    func start() throws {
      let status = Self.script(["start", directory.path + "/pg", String(port)])
      guard status == 0 else { throw StoreFailure(message: "scripts/postgres.sh start exited \(status)") }
    }

    func stop() throws {
      _ = Self.script(["stop", directory.path + "/pg"])
    }

    /// Runs scripts/postgres.sh with posix_spawn and waitpid: Foundation's `Process` does not
    /// always see the script end once it has started a daemon (the server).
    static func script(_ arguments: [String]) -> Int32 {
      let path = ServerProcess.repository.appendingPathComponent("scripts/postgres.sh").path
      let argv = ([path] + arguments).map { strdup($0) } + [nil]
      defer { argv.forEach { free($0) } }
      var pid: pid_t = 0
      guard posix_spawn(&pid, path, nil, nil, argv, environ) == 0 else { return -1 }
      var status: Int32 = 0
      while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
      return (status >> 8) & 0xff
    }

    deinit {
      try? stop()
      try? FileManager.default.removeItem(at: directory)
    }
  }

  struct StoreFailure: Error { let message: String }

  private func change(_ index: Int) -> Cqmon_V1_FileChangeRequest {
    .with {
      $0.requestId = "rename-\(index)"
      $0.creditCode = Self.agency
      $0.kind = .name
      $0.effectiveOn = Days.china(-10, from: Date())
      $0.value = .with { $0.name = "名称 \(index)" }
    }
  }

  @Test("writes through both at once, retries across them, one audit chain; both follow the database down and up")
  func twoServers() async throws {
    let postgres = try PrivatePostgres()
    // Both start at once on the empty database: the migration lock makes them take turns.
    let url = postgres.url
    async let startingA = Task.detached { try ServerProcess(database: url) }.value
    async let startingB = Task.detached { try ServerProcess(database: url) }.value
    let (a, b) = try await (startingA, startingB)
    try await a.waitUntilServing()
    try await b.waitUntilServing()

    // Enrolled on A; the documents uploaded through B; the application through A cites them; reviewed on B.
    let certs = ServerProcess.certificates.path
    let csr = FileManager.default.temporaryDirectory.appendingPathComponent("lims-\(UUID()).csr").path
    _ = try ServerProcess.run("/usr/bin/env", ["openssl", "req", "-new", "-key", "\(certs)/agency-key.pem", "-subj", "/CN=lims", "-out", csr])
    #expect(try a.monctl(as: "city", ["agencies", "enroll", "--credit-code", Self.agency, "--name", "x", "--csr", csr]) == 0)
    for name in ["commitment-letter", "business-licence", "cma-certificate"] {
      #expect(try b.monctl(as: "agency", ["documents", "upload", "examples/documents/\(name).txt"]) == 0)
    }
    #expect(try a.monctl(as: "agency", ["registry", "apply", "-f", try Examples.dated("application.yaml")]) == 0)
    #expect(try b.monctl(as: "city", ["applications", "review", "app-000001", "--decision", "approve"]) == 0)

    // Forty changes at once, alternating between the servers, plus uploads on both.
    let acknowledged = try await withThrowingTaskGroup(of: String.self) { group in
      for index in 0..<40 {
        let server = index % 2 == 0 ? a : b
        group.addTask {
          try await server.withClient(as: "agency") { client in
            try await Cqmon_V1_RegistryService.Client(wrapping: client).fileChange(change(index)).changeId
          }
        }
      }
      for (index, server) in [a, b, a, b].enumerated() {
        group.addTask {
          try await server.withClient(as: "agency") { client in
            try await Cqmon_V1_DocumentService.Client(wrapping: client).upload(requestProducer: { writer in
              try await writer.write(.with { $0.metadata = .with { $0.requestId = "doc-\(index)"; $0.fileName = "\(index).txt"; $0.mediaType = "text/plain" } })
              try await writer.write(.with { $0.chunk = Array("document \(index)".utf8) })
            }).sha256
          }
        }
      }
      return try await group.reduce(into: [String]()) { $0.append($1) }.filter { $0.hasPrefix("chg-") }
    }
    #expect(acknowledged.count == 40 && Set(acknowledged).count == 40)

    // The same request sent to A and retried on B (and both at once) gives one result.
    let first: Cqmon_V1_Change = try await a.withClient(as: "agency") { client in
      try await Cqmon_V1_RegistryService.Client(wrapping: client).fileChange(change(100))
    }
    let retried: Cqmon_V1_Change = try await b.withClient(as: "agency") { client in
      try await Cqmon_V1_RegistryService.Client(wrapping: client).fileChange(change(100))
    }
    #expect(retried.changeId == first.changeId)
    #expect(retried.receipt?.auditSequence == first.receipt?.auditSequence)
    let racing = try await withThrowingTaskGroup(of: String.self) { group in
      for server in [a, b] {
        group.addTask { try await server.withClient(as: "agency") { try await Cqmon_V1_RegistryService.Client(wrapping: $0).fileChange(change(101)).changeId } }
      }
      return try await group.reduce(into: Set<String>()) { $0.insert($1) }
    }
    #expect(racing.count == 1)

    // Each server reads the other's writes: every acknowledged change once, versions contiguous.
    for server in [a, b] {
      try await server.withClient(as: "city") { client in
        let registry = Cqmon_V1_RegistryService.Client(wrapping: client)
        let changes = try await registry.listChanges(.with { $0.creditCode = Self.agency; $0.pageSize = 1000 }).changes
        #expect(changes.count == 42)
        #expect(Set(acknowledged + [first.changeId]).isSubset(of: Set(changes.map(\.changeId))))
        #expect(changes.map(\.registryVersion).sorted() == Array(2...43))
        let audit = try await Cqmon_V1_AuditService.Client(wrapping: client).verifyAuditLog(.init())
        // enrol, 3 + 4 uploads, apply, review, 42 changes
        #expect(audit.intact && audit.entries == 1 + 7 + 2 + 42)
        let document = try await Cqmon_V1_DocumentService.Client(wrapping: client).download(.with { $0.sha256 = Digest.sha256Hex("document 3") }) { response in
          try await response.messages.reduce(into: [UInt8]()) { bytes, message in if case .chunk(let chunk)? = message.part { bytes += chunk } }
        }
        #expect(document == Array("document 3".utf8))
      }
    }

    // monctl follows the page tokens to the end, seven at a time, or stops at --limit.
    for (arguments, expected) in [(["--page-size", "7"], 42), (["--page-size", "7", "--limit", "10"], 10), (["--limit", "5"], 5)] {
      let listed = try ServerProcess.run("monctl", ["changes", "list", Self.agency, "-o", "json"] + arguments + b.monctl(as: "city"))
      let rows = try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]]
      #expect(rows?.count == expected, "\(arguments)")
      #expect(Set(rows?.compactMap { $0["changeId"] as? String } ?? []).count == expected, "\(arguments): no row twice")
    }

    // The database goes away: both say NOT_SERVING, and writes fail with UNAVAILABLE.
    try postgres.stop()
    try await a.waitUntil(.notServing, seconds: 15)
    try await b.waitUntil(.notServing, seconds: 15)
    for server in [a, b] {
      let error = try await server.withClient(as: "agency") { client in
        await failure { _ = try await Cqmon_V1_RegistryService.Client(wrapping: client).fileChange(change(200)) }
      }
      #expect(error?.code == .unavailable)
    }

    // It comes back: both serve again without a restart, and nothing half-written is there.
    try postgres.start()
    try await a.waitUntil(.serving, seconds: 60)
    try await b.waitUntil(.serving, seconds: 60)
    let after: Cqmon_V1_Change = try await b.withClient(as: "agency") { client in
      try await Cqmon_V1_RegistryService.Client(wrapping: client).fileChange(change(201))
    }
    #expect(after.registryVersion == 44)
    try await a.withClient(as: "city") { client in
      let audit = try await Cqmon_V1_AuditService.Client(wrapping: client).verifyAuditLog(.init())
      #expect(audit.intact && audit.entries == 1 + 7 + 2 + 43)
    }
  }
}
