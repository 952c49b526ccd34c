import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec
import Services
import Synchronization
import Testing

/// `monitord copy-database` and `monitord backup`, run as an operator would, against data a
/// real server wrote.
@Suite("Moving up and backing up", .serialized)
struct MaintenanceTests {
  static let agency = "91500000MA5U7BCX7A"

  /// Everything a client can read about the agency, receipts' signatures left out (ECDSA
  /// signs afresh each time).
  static func snapshot(_ server: ServerProcess) async throws -> [[UInt8]] {
    try await server.withClient(as: "city") { client in
      let registry = Cqmon_V1_RegistryService.Client(wrapping: client)
      let documents = Cqmon_V1_DocumentService.Client(wrapping: client)
      let agency = try await registry.getAgency(.with { $0.creditCode = Self.agency })
      var applications = try await registry.listApplications(.init())
      for index in applications.applications.indices { applications.applications[index].receipt?.signature = [] }
      var changes = try await registry.listChanges(.with { $0.creditCode = Self.agency })
      for index in changes.changes.indices { changes.changes[index].receipt?.signature = [] }
      let certificates = try await registry.listCertificates(.with { $0.creditCode = Self.agency })
      let agencies = try await registry.listAgencies(.init())
      var result: [[UInt8]] = [
        try agency.serializedBytes(), try applications.serializedBytes(), try changes.serializedBytes(),
        try certificates.serializedBytes(), try agencies.serializedBytes(),
      ]
      let licence = try String(contentsOfFile: ServerProcess.repository.appendingPathComponent("examples/documents/business-licence.txt").path, encoding: .utf8)
      for reference in [Digest.sha256Hex(licence)] {
        var document = try await documents.getDocument(.with { $0.sha256 = reference })
        document.receipt?.signature = []
        result.append(try document.serializedBytes())
        result.append(try await documents.download(.with { $0.sha256 = reference }) { response in
          try await response.messages.reduce(into: [UInt8]()) { bytes, message in if case .chunk(let chunk)? = message.part { bytes += chunk } }
        })
      }
      let audit = try await Cqmon_V1_AuditService.Client(wrapping: client).verifyAuditLog(.init())
      #expect(audit.intact)
      result.append(Array("\(audit.entries)".utf8))
      return result
    }
  }

  @Test("copy-database: an embedded database into an empty PostgreSQL, every record reading the same", .enabled(if: Engine.postgresURL != nil))
  func copyDatabase() async throws {
    let embedded = try ServerProcess(database: "")
    embedded.keepsData = true
    try await embedded.waitUntilServing()
    try embedded.listExampleAgency()
    #expect(try embedded.monctl(as: "agency", ["changes", "file", "-f", try Examples.dated("change-address.yaml")]) == 0)
    let before = try await Self.snapshot(embedded)
    embedded.signal(SIGTERM)
    #expect(await embedded.wait() == 0)

    let url = try PostgresTestDatabase.create()
    let data = embedded.directory.appendingPathComponent("data").path
    let copy = try ServerProcess.run("monitord", ["copy-database", "--from", data, "--to", url])
    #expect(copy.status == 0, "\(copy.error)")
    #expect(copy.output.contains("audit log intact on both: 7 entries"), "\(copy.output)")
    #expect(copy.output.contains("3 document(s)"))

    let moved = try ServerProcess(database: url)
    try await moved.waitUntilServing()
    #expect(try await Self.snapshot(moved) == before)
    #expect(try moved.monctl(as: "city", ["audit", "verify"]) == 0)
    // The moved database takes new writes where the old one stopped.
    let change = try ServerProcess.run("monctl", ["changes", "file", "-f", try Examples.dated("change-address.yaml"), "--request-id", "after-move"] + moved.monctl(as: "agency"))
    #expect(change.status == 0, "\(change.error)")
    #expect(change.output.contains("chg-000002"))

    // Only into an empty database.
    let again = try ServerProcess.run("monitord", ["copy-database", "--from", data, "--to", url])
    #expect(again.status == 78)
    #expect(again.error.contains("already holds records"))
    try? FileManager.default.removeItem(at: embedded.directory)
  }

  @Test("backup under write load: the restored copy's audit chain verifies and its documents are whole")
  func backupUnderLoad() async throws {
    let server = try ServerProcess(database: "")
    try await server.waitUntilServing()
    try server.listExampleAgency()
    let backup = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID()).sqlite").path
    defer {
      try? FileManager.default.removeItem(atPath: backup)
      try? FileManager.default.removeItem(atPath: backup + ".documents")
    }

    // Changes stream in while the backup is taken, until told to stop.
    let stop = Mutex(false)
    let writer = Task {
      try await server.withClient(as: "agency") { client in
        let registry = Cqmon_V1_RegistryService.Client(wrapping: client)
        var written = 0
        while !stop.withLock({ $0 }) {
          _ = try await registry.fileChange(.with {
            $0.requestId = "load-\(written)"
            $0.creditCode = Self.agency
            $0.kind = .name
            $0.effectiveOn = Days.china(-10, from: Date())
            $0.value = .with { $0.name = "名称 \(written)" }
          })
          written += 1
        }
        return written
      }
    }
    try await Task.sleep(for: .milliseconds(300))
    let result = try ServerProcess.run("monitord", ["backup", "--data-dir", server.directory.appendingPathComponent("data").path, "--to", backup])
    try await Task.sleep(for: .milliseconds(200))
    stop.withLock { $0 = true }
    let written = try await writer.value
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.contains("audit log intact"), "\(result.output)")
    #expect(written > 0)

    // Restore into a new data directory and start a server on it.
    let restored = FileManager.default.temporaryDirectory.appendingPathComponent("cqmon-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: restored.appendingPathComponent("data"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: backup, toPath: restored.appendingPathComponent("data/monitoring.sqlite").path)
    try FileManager.default.copyItem(atPath: backup + ".documents", toPath: restored.appendingPathComponent("data/documents").path)
    try "# revoked serials\n".write(to: restored.appendingPathComponent("revoked.txt"), atomically: true, encoding: .utf8)
    let copy = try ServerProcess(directory: restored, database: "")
    try await copy.waitUntilServing()
    try await copy.withClient(as: "city") { client in
      let audit = try await Cqmon_V1_AuditService.Client(wrapping: client).verifyAuditLog(.init())
      #expect(audit.intact)
      let changes = try await Cqmon_V1_RegistryService.Client(wrapping: client).listChanges(.with { $0.creditCode = Self.agency; $0.pageSize = 1000 }).changes
      // enrol, 3 uploads, apply, review, then every change the backup caught
      #expect(audit.entries == Int64(6 + changes.count))
      #expect(changes.count <= written)
      let documents = Cqmon_V1_DocumentService.Client(wrapping: client)
      let licence = try String(contentsOfFile: ServerProcess.repository.appendingPathComponent("examples/documents/business-licence.txt").path, encoding: .utf8)
      let bytes = try await documents.download(.with { $0.sha256 = Digest.sha256Hex(licence) }) { response in
        try await response.messages.reduce(into: [UInt8]()) { bytes, message in if case .chunk(let chunk)? = message.part { bytes += chunk } }
      }
      #expect(bytes == Array(licence.utf8))
    }
  }
}
