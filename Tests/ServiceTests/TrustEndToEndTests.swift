import Foundation
import Testing

/// The trust guide's walkthrough with the real binaries over mutual TLS: an agency saves a
/// write's reply, proves its receipt and keeps the checkpoint; later it checks that the log
/// still extends it; someone cuts entries off behind the server's back; the agency's
/// consistency check and the city's verification both catch it.
@Suite("End to end: proving receipts and the log's consistency with monctl")
struct TrustEndToEndTests {
  @Test("prove, save the checkpoint, check consistency; a cut log and an altered receipt are caught")
  func walkthrough() async throws {
    let server = try ServerProcess()
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID())")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    let reply = work.appendingPathComponent("reply.json").path
    let saved = work.appendingPathComponent("checkpoint.txt").path

    let upload = try ServerProcess.run("monctl", ["documents", "upload", "examples/documents/cma-certificate.txt", "-o", "json"] + server.monctl(as: "agency"))
    #expect(upload.status == 0, "\(upload.error)")
    try upload.output.write(toFile: reply, atomically: true, encoding: .utf8)
    #expect(upload.output.contains("\"auditSequence\": \"1\""), "\(upload.output)")
    #expect(upload.output.contains("\"signatureAlgorithm\": \"ed25519\""))

    let prove = try ServerProcess.run("monctl", ["audit", "prove", reply, "--save-checkpoint", saved] + server.monctl(as: "agency"))
    #expect(prove.status == 0, "\(prove.error)")
    #expect(prove.output.hasPrefix("RECEIPT"))
    #expect(prove.output.contains("rcpt-1"))
    #expect(try String(contentsOfFile: saved, encoding: .utf8).hasPrefix("dev.cq-monitoring.local/audit\n1\n"))

    for name in ["commitment-letter", "business-licence"] {
      #expect(try server.monctl(as: "agency", ["documents", "upload", "examples/documents/\(name).txt"]) == 0)
    }
    // The server signs a checkpoint within half a second of a write.
    for _ in 0..<50 {
      let newest = try ServerProcess.run("monctl", ["audit", "checkpoint", "-o", "json"] + server.monctl(as: "partner"))
      if newest.output.contains("\"treeSize\": \"3\"") { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    let consistency = try ServerProcess.run("monctl", ["audit", "consistency", "--since", saved] + server.monctl(as: "partner"))
    #expect(consistency.status == 0, "\(consistency.error)")
    #expect(consistency.output.contains("1 entries") && consistency.output.contains("3 entries") && consistency.output.contains("yes"), "\(consistency.output)")
    let newer = work.appendingPathComponent("newer.txt").path
    #expect(try server.monctl(as: "partner", ["audit", "checkpoint", "--save", newer]) == 0)
    #expect(try server.monctl(as: "city", ["audit", "verify", "--checkpoint", newer]) == 0)

    // An altered receipt does not prove.
    let forged = work.appendingPathComponent("forged.json").path
    try upload.output.replacingOccurrences(of: "cma-certificate.txt", with: "x.txt")
      .replacingOccurrences(of: "\"receiptId\": \"rcpt-1\"", with: "\"receiptId\": \"rcpt-2\"")
      .write(toFile: forged, atomically: true, encoding: .utf8)
    let refused = try ServerProcess.run("monctl", ["audit", "prove", forged] + server.monctl(as: "agency"))
    #expect(refused.status == 1)
    #expect(refused.error.contains("does not verify"), "\(refused.error)")

    // The last two entries cut off, with their rows and tree nodes: the rest is consistent in
    // itself, but not with the checkpoint the partner kept.
    try await server.tamper("DELETE FROM document_record WHERE audit_sequence > 1")
    try await server.tamper("DELETE FROM audit_log WHERE sequence > 1")
    try await server.tamper("DELETE FROM merkle_node WHERE (idx + 1) * (1 << CAST(level AS INTEGER)) > 1")
    let verify = try ServerProcess.run("monctl", ["audit", "verify", "--checkpoint", newer] + server.monctl(as: "city"))
    #expect(verify.status == 1)
    #expect(verify.output.contains("fewer than the 3 of the checkpoint"), "\(verify.output)")
  }
}
