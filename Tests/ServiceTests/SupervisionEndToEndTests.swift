import Foundation
import Services
import Testing

/// Supervision with the real binaries over mutual TLS, after a year of simulated filings:
/// a plan drawn with monctl and verified from a second process (monctl, and a Python
/// re-implementation of the draw), an inspection recorded with a 9(2) finding, a complaint
/// resolved as verified, and the findings list bringing them together with the off-site checks'.
@Suite("End to end: supervision after a year of filings")
struct SupervisionEndToEndTests {
  static let agency = "91500100MA000001YB"

  @Test("a year of lims-sim filings, a verifiable draw, an inspection with a case, a verified complaint, one findings list")
  func year() async throws {
    // The server's clock starts two years back and runs a million times faster until it catches
    // up (after some 63 s): however long the listing takes on a busy machine (up to 31 s, a
    // simulated year), the year of activities that follows covers part of last year, which the
    // evaluation at the end rates.
    let started = Date()
    let server = try ServerProcess(extra: ["--dev-clock-days-ago", "730", "--dev-clock-speed", "1000000"])
    try await server.waitUntilServing()
    let certs = ServerProcess.certificates.path
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("supervision-e2e-\(UUID())")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    let simulated = try ServerProcess.run("lims-sim", [
      "--server", "127.0.0.1:\(server.port)", "--ca", "\(certs)/ca.pem", "--officer-cert", "\(certs)/city.pem",
      "--officer-key", "\(certs)/city-key.pem", "--agencies", "3", "--days", "365", "--per-day", "1", "--violations", "0.2",
      "--clock-speed", "1000000", "--work-dir", work.appendingPathComponent("sim").path,
    ])
    #expect(simulated.status == 0, "\(simulated.error)\n\(simulated.output)")
    let totals = try #require(simulated.output.split(separator: "\n").last { $0.hasPrefix("filed ") })
    #expect(totals.contains("refused 0"), "\(simulated.output)")
    // The year filed ends a year or so back; what follows happens today, once the server's
    // clock has caught up with real time (730 days at a million times: 63.1 s after its start).
    while Date() < started.addingTimeInterval(68) { try await Task.sleep(for: .milliseconds(250)) }
    func monctl(_ identity: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
      try ServerProcess.run("monctl", arguments + server.monctl(as: identity))
    }

    // The pool, a seed committed to, and the draw: the three agencies are unrated, so one is
    // drawn (30 %, rounded up), with two of the inspectors.
    for index in 1...3 {
      let added = try monctl("city", ["inspectors", "add", "--name", "检查员\(index)", "--badge", "CQ-E2E-\(index)"])
      #expect(added.status == 0, "\(added.error)")
    }
    let today = CalendarDate(chinaDayOf: Date())
    let committed = try monctl("city", ["inspections", "commit-seed", "--from", today.adding(days: 1).description, "--to", today.adding(days: 90).description])
    #expect(committed.status == 0 && committed.output.contains("seed-000001"), "\(committed.output)\(committed.error)")
    let drawn = try monctl("city", ["inspections", "plan", "--commitment", "seed-000001"])
    #expect(drawn.status == 0, "\(drawn.error)")
    #expect(drawn.output.contains(/UNRATED\s+3\s+30\.00%\s+up\s+1\n/), "\(drawn.output)")

    // A second process checks it: monctl re-runs the draw, and so does Python from the JSON.
    let verified = try monctl("city", ["inspections", "verify-plan", "plan-000001"])
    #expect(verified.status == 0 && !verified.output.contains("FAILED") && verified.output.split(separator: "\n").count == 8, "\(verified.output)\(verified.error)")
    let json = try monctl("city", ["inspections", "get-plan", "plan-000001", "-o", "json"])
    let planFile = work.appendingPathComponent("plan.json").path
    try json.output.write(toFile: planFile, atomically: true, encoding: .utf8)
    let python = try ServerProcess.run("/usr/bin/env", ["python3", "scripts/verify-draw.py", planFile])
    #expect(python.status == 0 && !python.output.contains("FAILED"), "\(python.output)\(python.error)")
    // A plan altered in transit no longer verifies.
    let forged = json.output.replacingOccurrences(of: "\"rounding\": \"up\"", with: "\"rounding\": \"down\"")
    try forged.write(toFile: planFile, atomically: true, encoding: .utf8)
    #expect(try ServerProcess.run("/usr/bin/env", ["python3", "scripts/verify-draw.py", planFile]).status == 1)

    // Yuzhong's officer inspects the first agency (registered in Yuzhong) and finds suspected
    // falsification on one of its activities: a case is opened.
    let activities = try monctl("district", ["activities", "list", "--agency", Self.agency, "--limit", "1", "-o", "json"])
    let activity = try #require(activities.output.firstMatch(of: /"activityId": "(act-\d+)"/)?.1, "\(activities.output)\(activities.error)")
    let record = work.appendingPathComponent("inspection.yaml").path
    try """
      credit_code: \(Self.agency)
      district_code: "500103"
      plan_id: plan-000001
      inspected_on: {year: \(today.year), month: \(today.month), day: \(today.day)}
      methods: [INSPECTION_METHOD_ON_SITE, INSPECTION_METHOD_RECORD_COPYING]
      items: [INSPECTION_ITEM_SAMPLING, INSPECTION_ITEM_REPORTS]
      activity_ids: [\(activity)]
      inspector_ids: [ipr-000001, ipr-000002]
      findings:
        - category: FINDING_CATEGORY_SUSPECTED_FALSIFICATION
          description: 原始记录与报告数据不一致
          activity_id: \(activity)
      measures:
        - kind: MEASURE_KIND_WRITTEN_NOTICE
          taken_on: {year: \(today.year), month: \(today.month), day: \(today.day)}
      """.write(toFile: record, atomically: true, encoding: .utf8)
    let drawnAgency = try #require(json.output.firstMatch(of: /"drawn": \[\s*\{\s*"creditCode": "(\w+)"/)?.1)
    if drawnAgency != Self.agency {
      // Not drawn: the plan may not be named for it.
      let refused = try monctl("district", ["inspections", "record", "-f", record])
      #expect(refused.status == 6 && refused.error.contains("NOT_DRAWN"), "\(refused.error)")
      try String(contentsOfFile: record, encoding: .utf8).replacingOccurrences(of: "plan_id: plan-000001\n", with: "")
        .write(toFile: record, atomically: true, encoding: .utf8)
    }
    let inspected = try monctl("district", ["inspections", "record", "-f", record])
    #expect(inspected.status == 0 && inspected.output.contains("insp-000001") && inspected.output.contains("case-000001"), "\(inspected.output)\(inspected.error)")

    // A complaint from the 12369 hotline, accepted, verified.
    let filed = try monctl("district", [
      "complaints", "file", "--channel", "12369", "--agency", Self.agency, "--district", "500103", "--content", "现场未见采样人员",
      "--contact", "13812345678",
    ])
    #expect(filed.status == 0 && filed.output.contains("cmp-000001") && filed.output.contains("13812345678"), "\(filed.output)\(filed.error)")
    let masked = try monctl("city", ["complaints", "get", "cmp-000001"])
    #expect(masked.output.contains("138****5678") && !masked.output.contains("13812345678"), "\(masked.output)")
    #expect(try monctl("district", ["complaints", "accept", "cmp-000001"]).status == 0)
    let resolved = try monctl("district", [
      "complaints", "resolve", "cmp-000001", "--outcome", "verified", "--explanation", "采样记录系事后补写", "--category", "SUSPECTED_FALSIFICATION",
      "--inspection", "insp-000001",
    ])
    #expect(resolved.status == 0 && resolved.output.contains("VERIFIED"), "\(resolved.output)\(resolved.error)")

    // One list: the off-site checks' findings, the inspection's and the complaint's.
    let findings = try monctl("city", ["findings", "list", "--agency", Self.agency])
    #expect(findings.status == 0, "\(findings.error)")
    for source in ["OFF_SITE_CHECK", "INSPECTION", "COMPLAINT"] { #expect(findings.output.contains(source), "\(source): \(findings.output)") }
    let confirmed = try monctl("city", ["findings", "list", "--agency", Self.agency, "--status", "confirmed"]).output
    #expect(confirmed.split(separator: "\n").count == 3, "the inspection's and the complaint's, raised confirmed: \(confirmed)")
    // An officer confirms one of the off-site checks' findings; it is kept with its decision.
    let open = try #require(findings.output.split(separator: "\n").first { $0.contains("OFF_SITE_CHECK") }?.split(separator: " ").first)
    let decided = try monctl("district", ["findings", "confirm", String(open), "--reason", "核实无误"])
    #expect(decided.status == 0 && decided.output.contains("CONFIRM"), "\(decided.output)\(decided.error)")

    // Credit: the shipped indicator system loads as it is, and last year's evaluation ranks
    // the three agencies, the same to the byte when run again.
    let indicators = try monctl("city", ["credit", "indicators", "put", "-f", "config/credit-indicators.yaml"])
    #expect(indicators.status == 0 && indicators.output.contains("IR-01"), "\(indicators.output)\(indicators.error)")
    let lastYear = String(today.year - 1)
    let evaluated = try monctl("city", ["credit", "evaluate", "--year", lastYear, "-o", "json"])
    #expect(evaluated.status == 0, "\(evaluated.error)")
    let digest = try #require(evaluated.output.firstMatch(of: /"resultSha256": "([0-9a-f]{64})"/)?.1)
    #expect(evaluated.output.matches(of: /"rank": 1/).count + evaluated.output.matches(of: /"rank": [2-9]/).count == 3, "\(evaluated.output)")
    let again = try monctl("city", ["credit", "evaluate", "--year", lastYear])
    #expect(again.status == 0 && again.output.contains(String(digest)), "\(again.output)")
    let ratings = try monctl("district", ["ratings", "list", "--year", lastYear])
    #expect(ratings.status == 0 && ratings.output.split(separator: "\n").count == 4, "\(ratings.output)\(ratings.error)")

    // The record stands: the audit log verifies with everything supervision wrote.
    let audit = try monctl("city", ["audit", "verify"])
    #expect(audit.status == 0, "\(audit.output)\(audit.error)")
  }
}
