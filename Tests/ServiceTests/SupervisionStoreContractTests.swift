import Foundation
import Services
import Testing

/// The supervision part of the store contract, on every engine: record versions read back as
/// written, index rows replaced, each list filter in newest-first keyset pages, committed seeds
/// kept apart, findings' decisions, and the facts of Art. 7 jurisdiction and the draw's scope.
@Suite("Store contract: supervision, on every engine")
struct SupervisionStoreContractTests {
  static let base = StoreContractTests.base

  /// Writes version `version` of record `id` with its index row.
  static func put(
    _ tx: some SupervisionTransaction, _ index: RecordIndex, content: String, label: String
  ) async throws -> RecordVersion {
    let row = RecordVersion(
      id: index.id, version: index.version, content: content, recordedAt: base.addingTimeInterval(Double(index.number)),
      recordedBy: "spiffe://cq-monitoring/bureau/city/tester", audit: try await StoreContractTests.entry(tx, label))
    try await tx.insertRecordVersion(row)
    try await tx.putRecordIndex(index)
    return row
  }

  @Test("versions read back as written; the index names the latest; unique keys per kind; seeds apart", arguments: Engine.all)
  func readBack(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      let first = try await store.writeSupervision { tx in
        try await Self.put(tx, RecordIndex(id: "ipr-000001", kind: .inspector, number: 1, version: 1, key: "CQ-1"), content: "{\"v\":1}", label: "a")
      }
      let second = try await store.writeSupervision { tx in
        try await Self.put(tx, RecordIndex(id: "ipr-000001", kind: .inspector, number: 1, version: 2, key: "CQ-1"), content: "{\"v\":2}", label: "b")
      }
      #expect(try await store.recordVersion(id: "ipr-000001", version: nil) == second)
      #expect(try await store.recordVersion(id: "ipr-000001", version: 1) == first)
      #expect(try await store.recordVersion(id: "ipr-000001", version: 3) == nil)
      #expect(try await store.recordVersions(id: "ipr-000001").map(\.content) == ["{\"v\":1}", "{\"v\":2}"])
      #expect(first.audit.sequence == 1 && second.audit.sequence == 2 && second.audit.receipt.signature.count == 64)
      #expect(try await store.recordIndex(id: "ipr-000001")?.version == 2)
      #expect(try await store.recordID(kind: .inspector, key: "CQ-1") == "ipr-000001")
      #expect(try await store.recordID(kind: .inspector, key: "CQ-2") == nil)
      #expect(try await store.recordID(kind: .complaint, key: "CQ-1") == nil)
      // A badge number names one inspector: a second is refused, and nothing of its write stays.
      await #expect(throws: (any Error).self) {
        try await store.writeSupervision { tx in
          _ = try await Self.put(tx, RecordIndex(id: "ipr-000002", kind: .inspector, number: 2, version: 1, key: "CQ-1"), content: "{}", label: "c")
        }
      }
      #expect(try await store.recordVersion(id: "ipr-000002", version: nil) == nil)
      // Empty keys are not unique.
      try await store.writeSupervision { tx in
        for number in 1...2 {
          _ = try await Self.put(tx, RecordIndex(id: "plan-00000\(number)", kind: .plan, number: Int64(number), version: 1), content: "{}", label: "p\(number)")
        }
      }
      try await store.writeSupervision { tx in
        try await tx.insertSeed(commitmentID: "seed-000001", seedHex: String(repeating: "ab", count: 32))
        #expect(try await tx.seed(commitmentID: "seed-000001") == String(repeating: "ab", count: 32))
        #expect(try await tx.seed(commitmentID: "seed-000002") == nil)
      }
    }
  }

  @Test("lists: kind, agency, district, statuses, days and overdue, newest first in keyset pages", arguments: Engine.all)
  func lists(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await store.writeSupervision { tx in
        for number in Int64(1)...12 {
          let status = ["received", "open", "verified"][Int(number) % 3]
          _ = try await Self.put(
            tx,
            RecordIndex(
              id: IDSequence.complaint.id(number), kind: .complaint, number: number, version: 1, creditCode: StoreContractTests.code(Int(number) % 2),
              districtCode: number <= 6 ? "500103" : "500105", status: status, day: String(format: "2026-03-%02d", number)),
            content: "{\"n\":\(number)}", label: "c\(number)")
        }
        _ = try await Self.put(tx, RecordIndex(id: "insp-000001", kind: .inspection, number: 1, version: 1, day: "2026-03-01"), content: "{}", label: "i")
      }
      func ids(_ filter: RecordFilter, before: Int64? = nil, limit: Int = 100) async throws -> [String] {
        try await store.recordVersions(filter, before: before, limit: limit).map(\.id)
      }
      var filter = RecordFilter(kind: .complaint)
      #expect(try await ids(filter) == (1...12).reversed().map { IDSequence.complaint.id(Int64($0)) })
      var paged: [String] = []
      var before: Int64?
      repeat {
        let page = try await ids(filter, before: before, limit: 5)
        paged += page
        before = page.count == 5 ? IDSequence.complaint.number(of: page.last!) : nil
      } while before != nil
      #expect(paged == (1...12).reversed().map { IDSequence.complaint.id(Int64($0)) })
      filter.creditCode = StoreContractTests.code(1)
      #expect(try await ids(filter) == [11, 9, 7, 5, 3, 1].map { IDSequence.complaint.id(Int64($0)) })
      filter.districtCode = "500103"
      #expect(try await ids(filter) == [5, 3, 1].map { IDSequence.complaint.id(Int64($0)) })
      filter = RecordFilter(kind: .complaint)
      filter.statuses = ["received", "open"]
      filter.dayBefore = "2026-03-06"
      #expect(try await ids(filter) == [4, 3, 1].map { IDSequence.complaint.id(Int64($0)) })
      filter = RecordFilter(kind: .complaint)
      filter.dayFrom = "2026-03-10"
      filter.dayThrough = "2026-03-11"
      #expect(try await ids(filter) == [11, 10].map { IDSequence.complaint.id(Int64($0)) })
      #expect(try await ids(RecordFilter(kind: .inspection)) == ["insp-000001"])
      #expect(try await ids(RecordFilter(kind: .plan)).isEmpty)
      #expect(try await store.latestDay(kind: .complaint, statuses: []) == "2026-03-12")
      #expect(try await store.latestDay(kind: .complaint, statuses: ["open"]) == "2026-03-10")
      #expect(try await store.latestDay(kind: .complaint, statuses: ["open", "verified"]) == "2026-03-11")
      #expect(try await store.latestDay(kind: .plan, statuses: []) == nil)
      var everything = RecordFilter(kind: .complaint)
      everything.districtCode = "500103"
      #expect(try await store.allRecordVersions(everything, number: IDSequence.complaint.number(of:)).map(\.id) == (1...6).reversed().map { IDSequence.complaint.id(Int64($0)) })
    }
  }

  @Test("Art. 7 facts: registered, recent sampling, open complaints and findings; the draw's scope", arguments: Engine.all)
  func presence(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      // Agencies 0, 2, 4 listed in Yuzhong (500103); 1, 3 only enrolled.
      try await StoreContractTests.agencies(store, count: 5)
      let yuzhong = StoreContractTests.code(0), other = StoreContractTests.code(2)
      try await store.writeFiling { tx in
        // Activity 1 sampled in Jiangbei (500105) on day 1; activity 3 on day 3, withdrawn.
        _ = try await FilingStoreContractTests.file(tx, agency: other, number: 1)
        var withdrawn = try await FilingStoreContractTests.file(tx, agency: StoreContractTests.code(4), number: 3)
        withdrawn.status = .withdrawn
        try await tx.updateActivity(withdrawn, districts: ["500105"], parameters: [])
      }
      let since = Self.base
      #expect(try await store.presence(of: yuzhong, in: "500103", samplingSince: since) == DistrictPresence(registered: true, lastSampling: nil, openComplaints: 0, openFindings: 0))
      let jiangbei = try await store.presence(of: other, in: "500105", samplingSince: since)
      #expect(!jiangbei.registered && jiangbei.lastSampling == Self.base.addingTimeInterval(86_400 + 1800) && jiangbei.any)
      #expect(try await store.presence(of: other, in: "500105", samplingSince: Self.base.addingTimeInterval(2 * 86_400)).any == false, "too long ago")
      #expect(try await store.presence(of: StoreContractTests.code(4), in: "500105", samplingSince: since).any == false, "withdrawn")
      #expect(try await store.agenciesInScope(districtCode: "500105", samplingSince: since) == [other])
      #expect(try await store.agenciesInScope(districtCode: "", samplingSince: since) == [0, 2, 4].map(StoreContractTests.code))
      #expect(try await store.agenciesInScope(districtCode: "500112", samplingSince: since).isEmpty)

      // An open complaint and an open finding in Shapingba (500106) bring agency 4 there; a
      // decision on the finding and a resolved complaint take it away again.
      try await store.writeSupervision { tx in
        _ = try await Self.put(
          tx,
          RecordIndex(
            id: "cmp-000001", kind: .complaint, number: 1, version: 1, creditCode: StoreContractTests.code(4), districtCode: "500106",
            status: "received", day: "2026-03-01"),
          content: "{}", label: "c")
        try await tx.insertFinding(FindingRow(
          id: "fnd-000001", creditCode: StoreContractTests.code(4), category: 2, source: 1, sourceID: "insp-000001", description: "x",
          raisedAt: Self.base, verified: false, districtCode: "500112"))
      }
      #expect(try await store.presence(of: StoreContractTests.code(4), in: "500106", samplingSince: since).openComplaints == 1)
      #expect(try await store.presence(of: StoreContractTests.code(4), in: "500112", samplingSince: since).openFindings == 1)
      #expect(try await store.agenciesInScope(districtCode: "500106", samplingSince: since) == [StoreContractTests.code(4)])
      #expect(try await store.agenciesInScope(districtCode: "500112", samplingSince: since) == [StoreContractTests.code(4)])
      try await store.writeSupervision { tx in
        try await tx.updateFinding(id: "fnd-000001", status: "confirmed", verified: true)
        _ = try await Self.put(
          tx,
          RecordIndex(
            id: "cmp-000001", kind: .complaint, number: 1, version: 2, creditCode: StoreContractTests.code(4), districtCode: "500106",
            status: "verified", day: "2026-03-05"),
          content: "{}", label: "c2")
      }
      let decided = try #require(try await store.finding(id: "fnd-000001"))
      #expect(decided.status == "confirmed" && decided.verified && decided.districtCode == "500112")
      #expect(try await store.finding(id: "fnd-000002") == nil)
      #expect(try await store.agenciesInScope(districtCode: "500112", samplingSince: since).isEmpty)
      #expect(try await store.presence(of: StoreContractTests.code(4), in: "500106", samplingSince: since).openComplaints == 0)
      // The draw's COMPLAINT stratum: verified on or after the day asked for (China time).
      let march5 = Date(timeIntervalSince1970: Double(CalendarDate("2026-03-05")!.chinaMidnight))
      #expect(try await store.agenciesWithVerifiedComplaints(since: march5) == [StoreContractTests.code(4)])
      #expect(try await store.agenciesWithVerifiedComplaints(since: march5.addingTimeInterval(86_400)).isEmpty)
      var byDistrict = FindingFilter()
      byDistrict.districtCode = "500112"
      #expect(try await store.findings(byDistrict, before: nil, limit: 10).map(\.id) == ["fnd-000001"], "a finding's own district lists it")
    }
  }
}
