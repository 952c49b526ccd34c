import Foundation
import GRPCCore
import LIMSSimulation
import ProtoCodec
import Services
import Testing

/// The simulator's laboratories through the real stack: their applications are accepted, every
/// activity it plans is accepted, each planted violation raises its rule on that activity, and
/// the clean ones raise nothing but the other half of a planted pair.
@Suite("LIMS simulation through the real stack")
struct LIMSSimulationTests {
  /// Rules a planted activity shares with the other activity it copies or collides with (its
  /// agency's earlier one, or the neighbouring agency's in the same slot); whichever of the
  /// two is filed second carries the finding.
  static let paired: Set<String> = [
    "SAMPLE_ID_REUSED", "COPIED_RESULTS", "INSTRUMENT_OVER_CAPACITY", "PERSON_IN_TWO_PLACES", "SAMPLING_FOR_TWO_AGENCIES",
  ]

  @Test("two agencies, forty days: every planted rule caught, nothing refused")
  func plantedViolations() async throws {
    try await withStore(.sqlite) { store in
      let clock = TestClock(TestNow.now().addingTimeInterval(-45 * 86_400))
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        var plan: [PlannedActivity] = []
        let agencies = [SimulatedAgency(number: 1), SimulatedAgency(number: 2)]
        for (index, agency) in agencies.enumerated() {
          h.as(Identities.city)
          _ = try await h.registry.enrollAgency(.with {
            $0.requestId = "enrol-\(index)"; $0.creditCode = agency.creditCode; $0.name = agency.name; $0.csrPem = try RegistryHarness.csr()
          })
          h.as("spiffe://cq-monitoring/agency/\(agency.creditCode)")
          let digest = try await h.upload(Array("report \(index)".utf8))
          let application = try await h.registry.submitApplication(.with {
            $0.requestId = "apply-\(index)"; $0.creditCode = agency.creditCode
            $0.materials = agency.materials(document: digest, on: CalendarDate(chinaTimeOf: Int64(clock.now.timeIntervalSince1970)))
          })
          h.as(Identities.city)
          _ = try await h.registry.reviewApplication(.with { $0.requestId = "review-\(index)"; $0.applicationId = application.applicationId; $0.decision = .approve })
          plan += ActivityPlanner(
            agency: agency, index: index, from: clock.now, days: 40, perDay: 4, violationShare: 0.3, reportDigest: digest, seed: 7
          ).plan()
        }
        plan.sort { $0.fileAfter < $1.fileAfter }
        #expect(plan.count > 300)
        let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
        var caught: Set<PlantedViolation> = []
        for planned in plan {
          clock.advance(to: planned.fileAfter)
          h.as("spiffe://cq-monitoring/agency/\(agencies[planned.agency].creditCode)")
          var filed: Cqmon_V1_Activity
          do {
            filed = try await filing.fileActivity(planned.request)
            if var amendment = planned.amendment {
              amendment.activityId = filed.activityId
              filed = try await filing.amendActivity(amendment)
              #expect(filed.version == 2)
            }
          } catch let error as RPCError {
            Issue.record("\(planned.request.requestId) (\(planned.violation?.rule ?? "clean")) was refused: \(error.message)")
            continue
          }
          let rules = Set(filed.findings.map(\.rule))
          if let violation = planned.violation {
            #expect(rules.contains(violation.rule) || Self.paired.contains(violation.rule), "\(planned.request.requestId): \(violation.rule) not raised: \(rules)")
            if rules.contains(violation.rule) { caught.insert(violation) }
          } else {
            #expect(rules.isSubset(of: Self.paired), "\(planned.request.requestId), clean, raised \(rules)")
          }
        }
        #expect(caught == Set(PlantedViolation.allCases), "never caught: \(Set(PlantedViolation.allCases).subtracting(caught))")
      }
    }
  }

  @Test("the same seed plans the same activities; each is filed after everything in it happened")
  func deterministicAndOrdered() {
    let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    func plan(_ seed: UInt64) -> [PlannedActivity] {
      ActivityPlanner(agency: SimulatedAgency(number: 3), index: 0, from: start, days: 20, perDay: 5, violationShare: 0.5, reportDigest: "d", seed: seed).plan()
    }
    let first = plan(11), again = plan(11), other = plan(12)
    #expect(first.map(\.request) == again.map(\.request))
    #expect(first.map(\.request) != other.map(\.request))
    for planned in first {
      let content = planned.request.activity!
      let instants = content.samplingEvents.flatMap { [$0.startedAt, $0.endedAt] } + content.analyses.flatMap { [$0.startedAt, $0.endedAt] }
      let latest = instants.compactMap { $0?.seconds }.max()!
      #expect(planned.fileAfter.timeIntervalSince1970 > Double(latest), "\(planned.request.requestId)")
      #expect(content.samplingEvents.allSatisfy { Double($0.startedAt!.seconds) > start.timeIntervalSince1970 })
    }
  }
}
