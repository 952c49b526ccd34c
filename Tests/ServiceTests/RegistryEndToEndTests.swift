import Foundation
import GRDB
import StorageSQLite
import GRPCCore
import ProtoCodec
import RPCServer
import Services
import Testing

/// Enrolment to listing with the real binaries, and durability under SIGKILL.
@Suite("End to end: the registry with monitord and monctl", .serialized)
struct RegistryEndToEndTests {
  private func monctl(_ server: ServerProcess, as identity: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    let result = try ServerProcess.run("monctl", arguments + server.monctl(as: identity))
    if result.status != 0 { print("monctl \(arguments.joined(separator: " ")): \(result.error)") }
    return result
  }

  @Test("enrol, upload, apply, review, see it listed, file a change, verify the audit chain; a tampered row is found")
  func walkthrough() async throws {
    let server = try ServerProcess()
    try await server.waitUntilServing()
    let certs = ServerProcess.certificates.path
    let csr = FileManager.default.temporaryDirectory.appendingPathComponent("lims-\(UUID()).csr").path
    _ = try ServerProcess.run("/usr/bin/env", ["openssl", "req", "-new", "-key", "\(certs)/agency-key.pem", "-subj", "/CN=lims", "-out", csr])

    let enrol = try monctl(server, as: "city", [
      "agencies", "enroll", "--credit-code", "91500000MA5U7BCX7A", "--name", "重庆某某检测技术有限公司", "--csr", csr, "--out", csr + ".pem",
    ])
    #expect(enrol.status == 0)
    #expect(enrol.output.contains("91500000MA5U7BCX7A"))
    #expect(try String(contentsOfFile: csr + ".pem", encoding: .utf8).hasPrefix("-----BEGIN CERTIFICATE-----"))
    // The issued certificate works: the LIMS connects with it as the agency.
    let lims = ["--server", "127.0.0.1:\(server.port)", "--ca", "\(certs)/ca.pem", "--cert", csr + ".pem", "--key", "\(certs)/agency-key.pem"]
    #expect(try ServerProcess.run("monctl", ["eligibility", "check", "--credit-code", "91500000MA5U7BCX7A"] + lims).status == 0)

    for name in ["commitment-letter", "business-licence", "cma-certificate"] {
      let upload = try monctl(server, as: "agency", ["documents", "upload", "examples/documents/\(name).txt", "--media-type", "text/plain", "-o", "json"])
      #expect(upload.status == 0)
      let digest = Digest.sha256Hex(FileManager.default.contents(atPath: ServerProcess.repository.path + "/examples/documents/\(name).txt")!)
      #expect(upload.output.contains(digest))
    }
    let apply = try monctl(server, as: "agency", ["registry", "apply", "-f", try Examples.dated("application.yaml")])
    #expect(apply.status == 0)
    #expect(apply.output.contains("app-000001") && apply.output.contains("PENDING"))

    let refused = try monctl(server, as: "district", ["applications", "review", "app-000001", "--decision", "approve"])
    #expect(refused.status == 4, "a district officer cannot review")
    let review = try monctl(server, as: "city", ["applications", "review", "app-000001", "--decision", "approve"])
    #expect(review.status == 0)
    #expect(review.output.contains("APPROVED"))

    let agency = try monctl(server, as: "city", ["agencies", "get", "91500000MA5U7BCX7A"])
    #expect(agency.output == """
      CREDIT CODE         NAME                      STATUS  DISTRICT  LEVEL  VERSION
      91500000MA5U7BCX7A  重庆某某检测技术有限公司  LISTED  500103    -      1

      """)
    let change = try monctl(server, as: "agency", ["changes", "file", "-f", try Examples.dated("change-address.yaml")])
    #expect(change.status == 0)
    #expect(change.output.contains("ADDRESS"))
    let list = try monctl(server, as: "district", ["agencies", "list"])
    #expect(list.output.contains("500112"))

    let badFile = try monctl(server, as: "agency", ["registry", "apply", "-f", try Examples.dated("change-address.yaml")])
    #expect(badFile.status == 5, "a change file is not an application: the unknown field is named")
    #expect(badFile.error.contains("has no field 'kind'"))

    let audit = try monctl(server, as: "city", ["audit", "verify"])
    #expect(audit.status == 0)
    #expect(audit.output.hasPrefix("ENTRIES  INTACT  FIRST BROKEN  PROBLEM\n7        yes     -"))

    // Revoking the issued certificate refuses it from the next call, without a restart.
    let listed = try monctl(server, as: "city", ["certificates", "list", "91500000MA5U7BCX7A", "-o", "json"])
    let serial = try #require((try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: String]])?.first?["serial"])
    #expect(try monctl(server, as: "city", ["certificates", "revoke", serial, "--reason", "key lost"]).status == 0)
    let revoked = try ServerProcess.run("monctl", ["eligibility", "check", "--credit-code", "91500000MA5U7BCX7A"] + lims)
    #expect(revoked.status == 4)
    #expect(revoked.error.contains("CERTIFICATE_REVOKED"))

    // Alter a row behind the server's back: the next verification finds it.
    server.keepsData = true
    server.signal(SIGTERM)
    #expect(await server.wait() == 0)
    try await server.tamper("UPDATE audit_log SET actor = 'spiffe://cq-monitoring/bureau/city/nobody' WHERE sequence = 5")
    let restarted = try ServerProcess(directory: server.directory)
    try await restarted.waitUntilServing()
    let broken = try monctl(restarted, as: "city", ["audit", "verify"])
    #expect(broken.status == 1)
    #expect(broken.error.contains("entry 5: its content does not match its hash"), "\(broken.error)")
    // A restarted server still refuses the certificate revoked before.
    #expect(try ServerProcess.run("monctl", ["eligibility", "check", "--credit-code", "91500000MA5U7BCX7A"] + lims.dropFirst(2) + ["--server", "127.0.0.1:\(restarted.port)"]).status == 4)
  }

  @Test("every acknowledged write survives SIGKILL, and nothing half-written appears")
  func durability() async throws {
    let server = try ServerProcess()
    server.keepsData = true
    try await server.waitUntilServing()
    // Set up a listed agency.
    let certs = ServerProcess.certificates.path
    let csr = FileManager.default.temporaryDirectory.appendingPathComponent("lims-\(UUID()).csr").path
    _ = try ServerProcess.run("/usr/bin/env", ["openssl", "req", "-new", "-key", "\(certs)/agency-key.pem", "-subj", "/CN=lims", "-out", csr])
    #expect(try monctl(server, as: "city", ["agencies", "enroll", "--credit-code", "91500000MA5U7BCX7A", "--name", "x", "--csr", csr]).status == 0)
    for name in ["commitment-letter", "business-licence", "cma-certificate"] {
      _ = try monctl(server, as: "agency", ["documents", "upload", "examples/documents/\(name).txt"])
    }
    #expect(try monctl(server, as: "agency", ["registry", "apply", "-f", try Examples.dated("application.yaml")]).status == 0)
    #expect(try monctl(server, as: "city", ["applications", "review", "app-000001", "--decision", "approve"]).status == 0)

    // A stream of changes; the server is killed in the middle of it.
    let acknowledged = try await server.withClient(as: "agency") { client -> [String] in
      let registry = Cqmon_V1_RegistryService.Client(wrapping: client)
      var acknowledged: [String] = []
      for index in 0..<400 {
        if index == 40 { server.signal(SIGKILL) }
        do {
          let change = try await registry.fileChange(.with {
            $0.requestId = "rename-\(index)"
            $0.creditCode = "91500000MA5U7BCX7A"
            $0.kind = .name
            $0.effectiveOn = Days.china(-2, from: Date())
            $0.value = .with { $0.name = "名称 \(index)" }
          })
          acknowledged.append(change.changeId)
        } catch {
          break
        }
      }
      return acknowledged
    }
    #expect(await server.wait() != 0, "killed")
    #expect(acknowledged.count >= 40)

    let restarted = try ServerProcess(directory: server.directory)
    try await restarted.waitUntilServing()
    try await restarted.withClient(as: "city") { client in
      let registry = Cqmon_V1_RegistryService.Client(wrapping: client)
      let changes = try await registry.listChanges(.with { $0.creditCode = "91500000MA5U7BCX7A"; $0.pageSize = 500 }).changes
      let stored = Set(changes.map(\.changeId))
      #expect(Set(acknowledged).isSubset(of: stored), "every acknowledged change is there")
      // Nothing half-written: each stored change has its registry version, contiguous from 2.
      let versions = changes.map(\.registryVersion).sorted()
      #expect(versions == Array(2...Int64(1 + changes.count)))
      let agency = try await registry.getAgency(.with { $0.creditCode = "91500000MA5U7BCX7A" })
      #expect(agency.registryVersion == Int64(1 + changes.count))
      let audit = try await Cqmon_V1_AuditService.Client(wrapping: client).verifyAuditLog(.init())
      #expect(audit.intact)
      #expect(audit.entries == Int64(1 + 3 + 2 + changes.count))
    }
  }
}
