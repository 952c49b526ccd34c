import Foundation
import GRPCCore
import ProtoCodec
import Services
import Testing

/// CreditService through the real stack, on every engine: the versioned indicator system,
/// evidence and its verification, a past year's evaluation from confirmed findings and verified
/// evidence (reproducible to the byte), ratings read by whom, and the holiday calendar.
@Suite("Credit through the real stack")
struct CreditServiceTests {
  /// A system of four indicators: 9(1)2 findings deduct 5 from BQ-01; shares 15/35/35.
  static func system(title: String = "测试指标") -> Cqmon_V1_IndicatorSystem {
    .with {
      $0.title = title
      $0.sources = ["沪环监测〔2025〕65号"]
      $0.levelShares = .with { $0.aPercent = 15; $0.bPercent = 35; $0.cPercent = 35 }
      $0.indicators = [
        .with {
          $0.code = "BQ-01"; $0.name = "资质与人员能力"; $0.dimension = .basicQuality; $0.weight = 40; $0.rule = "扣分"
          $0.findingDeductions = [.with { $0.findingCategory = 2; $0.points = 5 }]
        },
        .with { $0.code = "BE-01"; $0.name = "过程规范"; $0.dimension = .businessExecution; $0.weight = 30; $0.rule = "扣分" },
        .with { $0.code = "OM-01"; $0.name = "运营"; $0.dimension = .operationsManagement; $0.weight = 15; $0.rule = "扣分" },
        .with { $0.code = "IR-01"; $0.name = "诚信记录"; $0.dimension = .integrityRecord; $0.weight = 15; $0.rule = "证据加减分" },
      ]
    }
  }

  @Test("a past year evaluated from confirmed findings and verified evidence; reproducible; ratings by whom", arguments: Engine.all)
  func evaluation(engine: Engine) async throws {
    try await withStore(engine) { store in
      // The agency is listed and files some 400 days back: a year that is over.
      let clock = TestClock(TestNow.now().addingTimeInterval(-400 * 86_400))
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in try await Self.evaluation(h, clock: clock) }
    }
  }

  static func evaluation(_ h: RegistryHarness, clock: TestClock) async throws {
    let filed = try await FindingsServiceTests.fileWithFindings(h, clock: clock, clean: false)
    let sampled = filed[1].content?.samplingEvents.first?.startedAt?.seconds ?? 0
    let year = CalendarDate(chinaTimeOf: sampled).year
    let credit = Cqmon_V1_CreditService.Client(wrapping: h.client)
    let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
    h.as(Identities.city)
    // Agency B, enrolled but never listed: not rated.
    _ = try await h.registry.enrollAgency(.with { $0.requestId = "enrol-b"; $0.creditCode = "91110000600037341L"; $0.name = "B"; $0.csrPem = try RegistryHarness.csr() })
    // The instrument finding (9(1)2) confirmed; the single-sampler one left open: it does not count.
    let instrument = try #require(filed[1].findings.first?.findingId)
    _ = try await inspection.decideFinding(.with { $0.requestId = "c1"; $0.findingId = instrument; $0.decision = .confirm; $0.reason = "核实" })
    clock.advance(to: TestNow.now())

    // The indicator system: refused with every field at fault, then version 1.
    var bad = Self.system(title: "")
    bad.indicators[0].weight = 41.005
    bad.indicators[1].code = "BQ-01"
    let refused = await failure { _ = try await credit.putIndicatorSystem(.with { $0.requestId = "i0"; $0.system = bad }) }
    #expect(refused?.code == .invalidArgument && refused?.fields == ["system.indicators[0].weight", "system.title", "system.indicators[1].code", "system.indicators"])
    #expect(await failure { _ = try await credit.getIndicatorSystem(.init()) }?.reason == "INDICATORS_NOT_FOUND")
    let stored = try await credit.putIndicatorSystem(.with { $0.requestId = "i1"; $0.system = Self.system() })
    #expect(stored.version == 1 && stored.receipt?.signature.count == 64 && stored.indicators.map(\.weight) == [40, 30, 15, 15])
    #expect(try await credit.getIndicatorSystem(.init()) == stored)

    // Evidence: recorded unverified (it does not count), then verified by an officer.
    let occurred = Cqmon_V1_Date.with { $0.year = Int32(year); $0.month = 6; $0.day = 1 }
    let noNote = await failure {
      _ = try await credit.recordEvidence(.with {
        $0.requestId = "e0"; $0.creditCode = Materials.applicant; $0.source = .creditPlatform; $0.indicatorCode = "IR-01"; $0.points = -3.5
        $0.description = "x"; $0.occurredOn = occurred; $0.verified = true
      })
    }
    #expect(noNote?.code == .invalidArgument && noNote?.fields == ["note"])
    let unknown = await failure {
      _ = try await credit.recordEvidence(.with {
        $0.requestId = "e1"; $0.creditCode = Materials.applicant; $0.source = .media; $0.indicatorCode = "XX-99"; $0.points = 1
        $0.description = "x"; $0.occurredOn = occurred
      })
    }
    #expect(unknown?.code == .notFound && unknown?.fields == ["indicator_code"])
    let recorded = try await credit.recordEvidence(.with {
      $0.requestId = "e2"; $0.creditCode = Materials.applicant; $0.source = .creditPlatform; $0.indicatorCode = "IR-01"; $0.points = -3.5
      $0.description = "信用中国：行政处罚一次"; $0.occurredOn = occurred
    })
    #expect(!recorded.verified && recorded.evidenceId.hasPrefix("evd-"))
    let draft = try await credit.runEvaluation(.with { $0.requestId = "r0"; $0.year = Int32(year) })
    #expect(draft.ratings.first?.score == 95, "100 less 5 for the confirmed 9(1)2 finding; the evidence is not verified yet")
    let verified = try await credit.verifyEvidence(.with { $0.requestId = "v1"; $0.evidenceId = recorded.evidenceId; $0.verified = true; $0.note = "平台记录属实" })
    #expect(verified.verified && verified.verificationNote == "平台记录属实")
    #expect(try await credit.listEvidence(.with { $0.year = Int32(year) }).evidence.map(\.evidenceId) == [recorded.evidenceId])
    #expect(try await credit.listEvidence(.with { $0.year = Int32(year - 1) }).evidence.isEmpty)

    // The evaluation: one agency rated, B not, every rating naming the version.
    let evaluation = try await credit.runEvaluation(.with { $0.requestId = "r1"; $0.year = Int32(year) })
    #expect(evaluation.status == .draft && evaluation.indicatorVersion == 1 && evaluation.resultSha256.count == 64)
    let rating = try #require(evaluation.ratings.first)
    #expect(evaluation.ratings.count == 1 && rating.creditCode == Materials.applicant && rating.rank == 1 && rating.score == 91.5)
    #expect(rating.level == .d, "one agency: ⌊1·15 %⌋ = ⌊1·50 %⌋ = ⌊1·85 %⌋ = 0, so D")
    #expect(rating.indicatorScores.map { "\($0.code) \($0.points) \($0.findings)" } == ["BQ-01 35.0 1", "BE-01 30.0 0", "OM-01 15.0 0", "IR-01 11.5 0"])
    #expect(evaluation.excluded.map { "\($0.creditCode) \($0.reason)" } == ["91110000600037341L \(Cqmon_V1_ExclusionReason.notListed)"])
    // Run again on the same evidence: a new draft, the same result to the byte.
    let again = try await credit.runEvaluation(.with { $0.requestId = "r2"; $0.year = Int32(year) })
    #expect(again.evaluationId != evaluation.evaluationId && again.resultSha256 == evaluation.resultSha256)
    let current = await failure { _ = try await credit.runEvaluation(.with { $0.requestId = "r3"; $0.year = Int32(CalendarDate(chinaDayOf: clock.now).year) }) }
    #expect(current?.code == .invalidArgument && current?.fields == ["year"])
    #expect(try await credit.getEvaluation(.with { $0.evaluationId = evaluation.evaluationId }).resultSha256 == evaluation.resultSha256)

    // Ratings: officers list them; the agency reads its own, not another's; partners not here.
    #expect(try await credit.listRatings(.with { $0.year = Int32(year) }).ratings.map(\.creditCode) == [Materials.applicant])
    #expect(try await credit.listRatings(.with { $0.year = Int32(year); $0.level = .a }).ratings.isEmpty)
    #expect(try await credit.listRatings(.with { $0.year = Int32(year - 1) }).ratings.isEmpty)
    h.as(Identities.agency)
    let own = try await credit.getRating(.with { $0.creditCode = Materials.applicant })
    #expect(own.year == Int32(year) && own.score == 91.5 && own.status == .draft && own.indicatorVersion == 1)
    #expect(await failure { _ = try await credit.getRating(.with { $0.creditCode = "91110000600037341L" }) }?.reason == "NOT_YOUR_AGENCY")
    #expect(await failure { _ = try await credit.listRatings(.with { $0.year = Int32(year) }) }?.code == .permissionDenied)
    #expect(await failure { _ = try await credit.runEvaluation(.with { $0.requestId = "x"; $0.year = Int32(year) }) }?.code == .permissionDenied)
  }

  @Test("holiday calendars: built in for 2023–2026, loaded for other years, checked", arguments: Engine.all)
  func calendars(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        let credit = Cqmon_V1_CreditService.Client(wrapping: h.client)
        h.as(Identities.partner)
        let shipped = try await credit.getHolidayCalendar(.with { $0.year = 2025 })
        #expect(shipped.loadedBy?.kind == .system && shipped.daysOff.count == 28 && shipped.workingWeekendDays.count == 5)
        #expect(await failure { _ = try await credit.getHolidayCalendar(.with { $0.year = 2031 }) }?.reason == "CALENDAR_NOT_FOUND")
        h.as(Identities.city)
        func day(_ text: String) -> Cqmon_V1_Date {
          let d = CalendarDate(text)!
          return .with { $0.year = Int32(d.year); $0.month = Int32(d.month); $0.day = Int32(d.day) }
        }
        let bad = await failure {
          _ = try await credit.putHolidayCalendar(.with {
            $0.requestId = "c0"
            $0.calendar = .with { $0.year = 2031; $0.daysOff = [day("2030-12-31")]; $0.workingWeekendDays = [day("2031-01-06")] }
          })
        }
        #expect(bad?.code == .invalidArgument && bad?.fields == ["calendar.days_off", "calendar.working_weekend_days", "calendar.source"])
        let loaded = try await credit.putHolidayCalendar(.with {
          $0.requestId = "c1"
          $0.calendar = .with {
            $0.year = 2031; $0.daysOff = [day("2031-01-01"), day("2031-10-01")]; $0.workingWeekendDays = [day("2031-01-04")]; $0.source = "国务院办公厅通知"
          }
        })
        #expect(loaded.loadedBy?.principal == Identities.city && loaded.daysOff.count == 2)
        #expect(try await credit.getHolidayCalendar(.with { $0.year = 2031 }).source == "国务院办公厅通知")
        h.as(Identities.agency)
        #expect(await failure { _ = try await credit.putHolidayCalendar(.with { $0.requestId = "c2"; $0.calendar = .with { $0.year = 2032 } }) }?.code == .permissionDenied)
      }
    }
  }
}
