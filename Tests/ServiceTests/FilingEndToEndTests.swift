import Foundation
import Testing

/// Filing with the real binaries over mutual TLS: the example activity filed with monctl, a
/// check firing on a variant of it, the officer seeing the finding, and the filing's receipt
/// proved in the audit log.
@Suite("End to end: filing activities with monctl")
struct FilingEndToEndTests {
  @Test("an agency files, a check fires, the officer sees the finding; the receipt is in the log")
  func walkthrough() async throws {
    let server = try ServerProcess()
    try await server.waitUntilServing()
    try server.listExampleAgency()
    let listedAt = Date()
    #expect(try server.monctl(as: "agency", ["documents", "upload", "examples/documents/monitoring-report.txt"]) == 0)

    let filed = try ServerProcess.run("monctl", ["activities", "file", "-f", try Examples.activity(listedAt: listedAt)] + server.monctl(as: "agency"))
    #expect(filed.status == 0, "\(filed.error)")
    #expect(filed.output.contains("act-000001") && filed.output.contains("FILED"), "\(filed.output)")

    // The same activity with an instrument the agency never listed, under another report number.
    let variant = try Examples.activity(listedAt: listedAt, replacing: [
      ("instrument_id: EQ-002\n      started_at", "instrument_id: EQ-404\n      started_at"), ("CQJC-2025-1130", "CQJC-2025-1201"),
    ])
    let flagged = try ServerProcess.run("monctl", ["activities", "file", "-f", variant, "-o", "json"] + server.monctl(as: "agency"))
    #expect(flagged.status == 0, "\(flagged.error)")
    #expect(flagged.output.contains("\"rule\": \"INSTRUMENT_NOT_LISTED\""), "\(flagged.output)")
    let reply = FileManager.default.temporaryDirectory.appendingPathComponent("activity-reply-\(UUID()).json").path
    try flagged.output.write(toFile: reply, atomically: true, encoding: .utf8)

    // The city officer lists what has findings and reads the finding.
    let listed = try ServerProcess.run("monctl", ["activities", "list", "--with-findings"] + server.monctl(as: "city"))
    #expect(listed.status == 0 && listed.output.contains("act-000002") && !listed.output.contains("act-000001"), "\(listed.output)")
    let got = try ServerProcess.run("monctl", ["activities", "get", "act-000002"] + server.monctl(as: "district"))
    #expect(got.status == 0 && got.output.contains("INSTRUMENT_NOT_LISTED") && got.output.contains("EQ-404"), "\(got.output)")
    // The officer's queue of open findings, by rule; the same as JSON, proto3 field names.
    let queue = try ServerProcess.run("monctl", ["findings", "list", "--status", "open", "--rule", "INSTRUMENT_NOT_LISTED"] + server.monctl(as: "city"))
    #expect(queue.status == 0, "\(queue.error)")
    let rows = queue.output.split(separator: "\n")
    #expect(rows.count == 2 && rows[0].hasPrefix("FINDING") && rows[1].hasPrefix("fnd-") && rows[1].contains("act-000002 v1"), "\(queue.output)")
    let json = try ServerProcess.run("monctl", ["findings", "list", "--agency", "91500000MA5U7BCX7A", "-o", "json"] + server.monctl(as: "agency"))
    #expect(json.status == 0 && json.output.contains("\"rule\": \"INSTRUMENT_NOT_LISTED\"") && json.output.contains("\"status\": \"open\""), "\(json.output)")
    let bad = try ServerProcess.run("monctl", ["findings", "list", "--status", "closed"] + server.monctl(as: "city"))
    #expect(bad.status == 5 && bad.error.contains("status"), "\(bad.error)")

    // The agency proves its filing's receipt from the saved reply.
    let prove = try ServerProcess.run("monctl", ["audit", "prove", reply] + server.monctl(as: "agency"))
    #expect(prove.status == 0, "\(prove.error)")
  }

  @Test("lims-sim: agencies enrolled and listed over the API, days of activities filed on a fast development clock")
  func simulator() async throws {
    // The server's clock starts sixty days back and runs 100,000 times faster until it catches
    // up (after some 50 s): however long the listing takes on a busy machine, five days of
    // activities from it are still in the past.
    let server = try ServerProcess(extra: ["--dev-clock-days-ago", "60", "--dev-clock-speed", "100000"])
    try await server.waitUntilServing()
    let certs = ServerProcess.certificates.path
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("lims-sim-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: work) }
    let run = try ServerProcess.run("lims-sim", [
      "--server", "127.0.0.1:\(server.port)", "--ca", "\(certs)/ca.pem", "--officer-cert", "\(certs)/city.pem",
      "--officer-key", "\(certs)/city-key.pem", "--agencies", "2", "--days", "5", "--per-day", "4", "--violations", "0.5",
      "--clock-speed", "100000", "--work-dir", work,
    ])
    #expect(run.status == 0, "\(run.error)\n\(run.output)")
    #expect(run.error.contains("2 agencies listed"), "\(run.error)")
    let totals = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("filed ") })
    #expect(totals.contains("refused 0") && !totals.hasPrefix("filed 0"), "\(run.output)")
    #expect(run.output.contains("SINGLE_SAMPLER"), "the first planted kind: \(run.output)")
    // What it filed is there for the officer: activities and the findings queue.
    let findings = try ServerProcess.run("monctl", ["findings", "list", "--agency", "91500100MA000001YB"] + server.monctl(as: "city"))
    #expect(findings.status == 0 && findings.output.contains("fnd-"), "\(findings.output)\(findings.error)")
  }
}
