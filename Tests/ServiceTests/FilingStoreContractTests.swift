import Foundation
import Services
import Testing

/// The filing part of the store contract, on every engine: activities and their versions read
/// back as written, each list filter, newest-first keyset pages, report numbers unique per
/// agency, amendments replacing what lists filter on, findings by activity.
@Suite("Store contract: activities, on every engine")
struct FilingStoreContractTests {
  static let base = StoreContractTests.base

  /// Activity `number` of agency `agency`: sampled on day `number`, in Yuzhong (even) or
  /// Jiangbei (odd), of 化学需氧量 (and 氨氮 for every third).
  static func file(_ tx: some FilingTransaction, agency: String, number: Int64, findings: Int = 0) async throws -> ActivityRow {
    let id = IDSequence.activity.id(number)
    let sampled = base.addingTimeInterval(Double(number) * 86_400)
    let row = ActivityRow(
      id: id, creditCode: agency, status: .filed, version: 1, filedAt: sampled.addingTimeInterval(3600), reportNumber: "R-\(number)",
      clientName: "客户 \(number)", sampledFrom: sampled, sampledUntil: sampled.addingTimeInterval(1800), findingCount: findings)
    try await tx.insertActivity(
      row, districts: [number % 2 == 0 ? "500103" : "500105"], parameters: number % 3 == 0 ? ["化学需氧量", "氨氮"] : ["化学需氧量"])
    try await tx.insertActivityVersion(ActivityVersionRow(
      activityID: id, version: 1, content: "{\"n\":\(number)}", contentSHA256: Digest.sha256Hex("proto \(number)"),
      versionAt: row.filedAt, versionBy: "spiffe://cq-monitoring/agency/\(agency)", reason: "",
      audit: try await StoreContractTests.entry(tx, "activity \(number)", at: Double(number))))
    return row
  }

  @Test("activities and versions read back as written; amendments keep every version; report numbers are unique per agency", arguments: Engine.all)
  func readBack(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await StoreContractTests.agencies(store, count: 2)
      let agency = StoreContractTests.code(0)
      let filed = try await store.writeFiling { tx in try await Self.file(tx, agency: agency, number: 1) }
      #expect(try await store.activity(id: filed.id) == filed)
      #expect(try await store.activityID(reportNumber: "R-1", creditCode: agency) == filed.id)
      #expect(try await store.activityID(reportNumber: "R-1", creditCode: StoreContractTests.code(1)) == nil)
      let first = try #require(try await store.activityVersion(id: filed.id, version: 1))
      #expect(first.content == "{\"n\":1}" && first.audit.sequence == 1 && first.contentSHA256 == Digest.sha256Hex("proto 1"))

      // An amendment: a second version, the row's state and filters replaced.
      try await store.writeFiling { tx in
        var row = filed
        row.version = 2
        row.reportNumber = "R-1a"
        row.findingCount = 2
        try await tx.updateActivity(row, districts: ["500112"], parameters: ["总磷"])
        try await tx.insertActivityVersion(ActivityVersionRow(
          activityID: row.id, version: 2, content: "{\"n\":\"1a\"}", contentSHA256: "x", versionAt: Self.base, versionBy: "lims",
          reason: "wrong unit", audit: try await StoreContractTests.entry(tx, "amend", at: 9)))
        try await tx.insertFinding(FindingRow(
          id: IDSequence.finding.id(try await tx.nextNumber(in: .finding)), creditCode: agency, category: 2, source: 3, sourceID: row.id,
          description: "x", raisedAt: Self.base, verified: false, rule: "INSTRUMENT_NOT_LISTED", activityID: row.id, activityVersion: 2,
          fields: "[\"activity.analyses[0].instrument_id\"]"))
      }
      #expect(try await store.activityVersions(id: filed.id).map(\.version) == [1, 2])
      #expect(try await store.activityVersion(id: filed.id, version: 1)?.content == "{\"n\":1}", "the old version stays readable")
      #expect(try await store.activityVersion(id: filed.id, version: 3) == nil)
      let finding = try #require(try await store.findings(ofActivities: [filed.id]).first)
      #expect(finding.rule == "INSTRUMENT_NOT_LISTED" && finding.activityVersion == 2 && finding.status == "open")
      #expect(finding.fields == "[\"activity.analyses[0].instrument_id\"]")
      #expect(try await store.findings(ofActivities: [filed.id, "act-999999"]).map(\.id) == [finding.id], "a page's findings in one read")
      #expect(try await store.findings(ofActivities: []).isEmpty)
      var filter = ActivityFilter()
      filter.districtCode = "500103"
      #expect(try await store.activities(filter, before: nil, limit: 10).isEmpty, "the old district no longer lists it")
      filter.districtCode = "500112"
      let listed = try await store.activities(filter, before: nil, limit: 10)
      #expect(listed.map(\.activity.reportNumber) == ["R-1a"] && listed.first?.latest.version == 2 && listed.first?.latest.reason == "wrong unit")

      // A second activity with the same report number of the same agency: refused by the schema.
      await #expect(throws: StoreError.self) {
        try await store.writeFiling { tx in
          _ = try await Self.file(tx, agency: agency, number: 2)
          var row = try #require(try await tx.activity(id: IDSequence.activity.id(2)))
          row.reportNumber = "R-1a"
          try await tx.updateActivity(row, districts: [], parameters: [])
        }
      }
    }
  }

  @Test("lists: newest first in keyset pages, and each filter", arguments: Engine.all)
  func lists(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await StoreContractTests.agencies(store, count: 2)
      let (a, b) = (StoreContractTests.code(0), StoreContractTests.code(1))
      try await store.writeFiling { tx in
        for number in Int64(1)...30 { _ = try await Self.file(tx, agency: number <= 20 ? a : b, number: number, findings: number % 5 == 0 ? 1 : 0) }
      }
      // Seven at a time, newest first, nothing repeated or skipped.
      var seen: [String] = []
      var before: Int64?
      while true {
        let page = try await store.activities(ActivityFilter(), before: before, limit: 7)
        seen += page.map(\.activity.id)
        guard page.count == 7 else { break }
        before = IDSequence.activity.number(of: page.last!.activity.id)
      }
      #expect(seen == (1...30).reversed().map { IDSequence.activity.id(Int64($0)) })

      func count(_ change: (inout ActivityFilter) -> Void) async throws -> [Int64] {
        var filter = ActivityFilter()
        change(&filter)
        return try await store.activities(filter, before: nil, limit: 100).map { IDSequence.activity.number(of: $0.activity.id)! }
      }
      #expect(try await count { $0.creditCode = b } == Array((21...30).reversed()))
      #expect(try await count { $0.districtCode = "500105" }.allSatisfy { $0 % 2 == 1 })
      #expect(try await count { $0.districtCode = "500105" }.count == 15)
      #expect(try await count { $0.parameter = "氨氮" } == [30, 27, 24, 21, 18, 15, 12, 9, 6, 3])
      #expect(try await count { $0.hasFindings = true } == [30, 25, 20, 15, 10, 5])
      #expect(try await count { $0.hasFindings = false }.count == 24)
      #expect(try await count { $0.status = .withdrawn }.isEmpty)
      // Sampled on days 10 to 12: the window overlaps activities 10, 11 and 12 only.
      #expect(try await count {
        $0.sampledFrom = Self.base.addingTimeInterval(10 * 86_400)
        $0.sampledBefore = Self.base.addingTimeInterval(12 * 86_400 + 1)
      } == [12, 11, 10])
      #expect(try await count { $0.creditCode = a; $0.parameter = "氨氮"; $0.districtCode = "500103" } == [18, 12, 6])
      #expect(try await count { $0.clientName = "客户 7" } == [7])
      #expect(try await count { $0.clientName = "客户" }.isEmpty, "the name exactly, not a part of it")
    }
  }
}
