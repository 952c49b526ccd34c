import Foundation
import GRPCCore
import ProtoCodec
import Services
import Testing

/// InspectionService.ListFindings through the real stack, on every engine: the off-site checks'
/// findings on filed activities, filtered by agency, rule, status, district and period, newest
/// first in keyset pages, each caller seeing only what is theirs to see.
@Suite("Findings through the real stack")
struct FindingsServiceTests {
  /// A listed agency in Yuzhong (500103) files one activity sampled by one person alone
  /// (SINGLE_SAMPLER), one analysed on an instrument not on its list (INSTRUMENT_NOT_LISTED)
  /// and, with `clean`, one that raises nothing; returns them as filed.
  static func fileWithFindings(_ h: RegistryHarness, clock: TestClock, clean withClean: Bool) async throws -> [Cqmon_V1_Activity] {
    let digest = try await FilingServiceTests.listedAgency(h, clock: clock)
    let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
    var alone = FilingServiceTests.activity(report: "R-1", digest: digest, now: clock.now)
    alone.samplingEvents[0].samplerIdNumbers = [FilingServiceTests.wang]
    var unlisted = FilingServiceTests.activity(report: "R-2", digest: digest, now: clock.now)
    unlisted.samplingEvents[0].sampleIds = ["S3", "S4"]
    unlisted.analyses = unlisted.analyses.enumerated().map { index, analysis in
      var analysis = analysis
      analysis.sampleId = ["S3", "S4"][index]
      analysis.instrumentId = "EQ-999"
      return analysis
    }
    // Six hours earlier, so that its instrument runs alone.
    var clean = FilingServiceTests.activity(report: "R-3", digest: digest, now: clock.now.addingTimeInterval(-6 * 3600))
    clean.samplingEvents[0].sampleIds = ["S5", "S6"]
    clean.analyses = clean.analyses.enumerated().map { index, analysis in
      var analysis = analysis
      analysis.sampleId = ["S5", "S6"][index]
      return analysis
    }
    var filed: [Cqmon_V1_Activity] = []
    for (index, content) in ([alone, unlisted] + (withClean ? [clean] : [])).enumerated() {
      filed.append(try await filing.fileActivity(.with { $0.requestId = "f\(index)"; $0.creditCode = Materials.applicant; $0.activity = content }))
    }
    return filed
  }

  @Test("findings of filed activities: filters, pages, and who sees which", arguments: Engine.all)
  func listFindings(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
        let filed = try await Self.fileWithFindings(h, clock: clock, clean: true)
        #expect(filed[0].findings.map(\.rule) == ["SINGLE_SAMPLER"])
        #expect(filed[1].findings.map(\.rule) == ["INSTRUMENT_NOT_LISTED"])
        #expect(filed[2].findings.isEmpty)
        let raised = filed.flatMap(\.findings)

        h.as(Identities.city)
        let all = try await inspection.listFindings(.init()).findings
        #expect(all.map(\.findingId) == raised.map(\.findingId).reversed(), "newest first")
        let first = try #require(all.last)
        #expect(first.creditCode == Materials.applicant && first.source == .offSiteCheck && first.rule == "SINGLE_SAMPLER")
        #expect(first.category == Cqmon_V1_FindingCategory(rawValue: raised[0].category) && first.status == "open" && !first.verified)
        #expect(first.activityId == filed[0].activityId && first.activityVersion == 1 && first.fields == raised[0].fields)
        #expect(first.description == raised[0].explanation && first.raisedAt != nil)
        #expect(try await inspection.listFindings(.with { $0.rule = "INSTRUMENT_NOT_LISTED" }).findings.map(\.activityId) == [filed[1].activityId])
        #expect(try await inspection.listFindings(.with { $0.status = "open" }).findings.count == raised.count)
        #expect(try await inspection.listFindings(.with { $0.status = "confirmed" }).findings.isEmpty)
        #expect(try await inspection.listFindings(.with { $0.creditCode = "91110000600037341L" }).findings.isEmpty)
        let badStatus = await failure { _ = try await inspection.listFindings(.with { $0.status = "closed" }) }
        #expect(badStatus?.code == .invalidArgument && badStatus?.fields == ["status"] && badStatus?.reason == "FINDING_STATUS")

        // Keyset pages of one: every finding once, in order.
        var paged: [String] = []
        var token = ""
        repeat {
          let page = try await inspection.listFindings(.with { $0.pageSize = 1; $0.pageToken = token })
          paged += page.findings.map(\.findingId)
          token = page.nextPageToken
        } while !token.isEmpty
        #expect(paged == all.map(\.findingId))

        // Days in China: today has them, a week ago none; a period that ends before it starts is refused.
        #expect(try await inspection.listFindings(.with { $0.period = .with { $0.start = Days.china(0, from: clock.now); $0.end = Days.china(0, from: clock.now) } }).findings.count == raised.count)
        #expect(try await inspection.listFindings(.with { $0.period = .with { $0.start = Days.china(-8, from: clock.now); $0.end = Days.china(-7, from: clock.now) } }).findings.isEmpty)
        let reversed = await failure {
          _ = try await inspection.listFindings(.with { $0.period = .with { $0.start = Days.china(0, from: clock.now); $0.end = Days.china(-1, from: clock.now) } })
        }
        #expect(reversed?.code == .invalidArgument && reversed?.fields == ["period.end"])

        // The agency sees its own and may not name another; another agency sees none of them.
        h.as(Identities.agency)
        #expect(try await inspection.listFindings(.init()).findings.map(\.findingId) == all.map(\.findingId))
        let notYours = await failure { _ = try await inspection.listFindings(.with { $0.creditCode = "91110000600037341L" }) }
        #expect(notYours?.code == .permissionDenied && notYours?.reason == "NOT_YOUR_AGENCY")
        h.as("spiffe://cq-monitoring/agency/91110000600037341L")
        #expect(try await inspection.listFindings(.init()).findings.isEmpty)
        // District officers: Yuzhong, where the agency is registered and sampled, sees them;
        // another district sees none and may not name Yuzhong.
        h.as(Identities.district)
        #expect(try await inspection.listFindings(.init()).findings.count == raised.count)
        h.as("spiffe://cq-monitoring/bureau/district/500105/zhao-lei")
        #expect(try await inspection.listFindings(.init()).findings.isEmpty)
        let otherDistrict = await failure { _ = try await inspection.listFindings(.with { $0.districtCode = "500103" }) }
        #expect(otherDistrict?.code == .permissionDenied && otherDistrict?.reason == "NOT_YOUR_DISTRICT")
        h.as(Identities.partner)
        #expect(await failure { _ = try await inspection.listFindings(.init()) }?.code == .permissionDenied)
      }
    }
  }

  @Test("one rule for reading a finding: GetFinding answers exactly what the caller's ListFindings lists", arguments: Engine.all)
  func getReadsWhereListed(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
        let filed = try await Self.fileWithFindings(h, clock: clock, clean: false)
        // One more, sampled only in Jiangbei (500105) by one sampler, by the Yuzhong agency.
        var jiangbei = FilingServiceTests.activity(report: "R-9", digest: try #require(filed[0].content?.report?.document?.sha256), now: clock.now)
        jiangbei.samplingEvents[0].districtCode = "500105"
        jiangbei.samplingEvents[0].samplerIdNumbers = [FilingServiceTests.li]
        jiangbei.samplingEvents[0].sampleIds = ["S7", "S8"]
        jiangbei.analyses = jiangbei.analyses.enumerated().map { index, analysis in
          var analysis = analysis
          analysis.sampleId = ["S7", "S8"][index]
          return analysis
        }
        h.as(Identities.agency)
        _ = try await Cqmon_V1_FilingService.Client(wrapping: h.client).fileActivity(.with {
          $0.requestId = "f-jiangbei"; $0.creditCode = Materials.applicant; $0.activity = jiangbei
        })
        h.as(Identities.city)
        let every = try await inspection.listFindings(.init()).findings.map(\.findingId)
        #expect(every.count >= 3)

        let principals = [
          Identities.city, Identities.district, "spiffe://cq-monitoring/bureau/district/500105/zhao-lei",
          "spiffe://cq-monitoring/bureau/district/500112/qian-feng", Identities.agency,
          "spiffe://cq-monitoring/agency/91110000600037341L", Identities.partner,
        ]
        var seen: [String: Int] = [:]
        for principal in principals {
          h.as(principal)
          var listed: Set<String> = []
          var listDenied = false
          do {
            var token = ""
            repeat {
              let page = try await inspection.listFindings(.with { $0.pageSize = 1; $0.pageToken = token })
              listed.formUnion(page.findings.map(\.findingId))
              token = page.nextPageToken
            } while !token.isEmpty
          } catch let error as RPCError where error.code == .permissionDenied {
            listDenied = true
          }
          var readable: Set<String> = []
          for id in every + ["fnd-999999"] {
            let error = await failure { _ = try await inspection.getFinding(.with { $0.findingId = id }) }
            switch error?.code {
            case nil: readable.insert(id)
            case .notFound?: #expect(error?.reason == "FINDING_NOT_FOUND", "\(principal) \(id)")
            case .permissionDenied?: #expect(listDenied, "\(principal) may list but is refused \(id)")
            default: Issue.record("\(principal) \(id): \(String(describing: error))")
            }
          }
          #expect(listed == readable, "\(principal): listed \(listed.sorted()), readable \(readable.sorted())")
          seen[principal] = listed.count
        }
        // The rule is not vacuous: the cases differ.
        #expect(seen[Identities.city] == every.count && seen[Identities.district] == every.count)
        let jiangbeiSees = seen["spiffe://cq-monitoring/bureau/district/500105/zhao-lei"] ?? 0
        #expect(jiangbeiSees > 0 && jiangbeiSees < every.count)
        #expect(seen["spiffe://cq-monitoring/bureau/district/500112/qian-feng"] == 0)
        #expect(seen["spiffe://cq-monitoring/agency/91110000600037341L"] == 0 && seen[Identities.partner] == 0)
      }
    }
  }
}
