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

  /// A clock some 400 days back: the agency is listed and files in a year that is over.
  @Sendable static func yearAgo() -> TestClock { TestClock(TestNow.now().addingTimeInterval(-400 * 86_400)) }

  @Test("a past year evaluated from confirmed findings and verified evidence; reproducible; ratings by whom", arguments: Engine.all)
  func evaluation(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = Self.yearAgo()
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

  @Test("publicity for 15 working days, an objection upheld, publication, the signed bulletin and the partners' feed", arguments: Engine.all)
  func publication(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = Self.yearAgo()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in try await Self.publication(h, clock: clock) }
    }
  }

  /// The Cqmon date of a day.
  static func date(_ day: CalendarDate) -> Cqmon_V1_Date { .with { $0.year = Int32(day.year); $0.month = Int32(day.month); $0.day = Int32(day.day) } }

  static func publication(_ h: RegistryHarness, clock: TestClock) async throws {
    let filed = try await FindingsServiceTests.fileWithFindings(h, clock: clock, clean: false)
    let year = CalendarDate(chinaTimeOf: filed[1].content?.samplingEvents.first?.startedAt?.seconds ?? 0).year
    let credit = Cqmon_V1_CreditService.Client(wrapping: h.client)
    let sharing = Cqmon_V1_SharingService.Client(wrapping: h.client)
    h.as(Identities.city)
    clock.advance(to: TestNow.now())
    _ = try await credit.putIndicatorSystem(.with { $0.requestId = "i1"; $0.system = Self.system() })
    let draft = try await credit.runEvaluation(.with { $0.requestId = "r1"; $0.year = Int32(year) })
    #expect(draft.ratings.first?.level == .d)

    // The window: 15 working days on the calendars, loaded where none is built in.
    let today = CalendarDate(chinaDayOf: clock.now)
    for year in today.year...(today.year + 1) where WorkingDays.shipped.calendars[year] == nil {
      _ = try await credit.putHolidayCalendar(.with { $0.requestId = "cal\(year)"; $0.calendar = .with { $0.year = Int32(year); $0.source = "测试：无节假日" } })
    }
    var calendars = WorkingDays.shipped
    for year in today.year...(today.year + 1) where calendars.calendars[year] == nil {
      calendars.calendars[year] = HolidayCalendar(year: year, daysOff: [], workingWeekendDays: [])
    }
    var start = today.adding(days: 1)
    while !(calendars.calendars[start.year]?.isWorkingDay(start) ?? false) { start = start.adding(days: 1) }
    var weekend = today
    while weekend.weekday < 6 || calendars.calendars[weekend.year]?.isWorkingDay(weekend) == true { weekend = weekend.adding(days: 1) }
    let past = await failure { _ = try await credit.startPublicity(.with { $0.requestId = "p0"; $0.evaluationId = draft.evaluationId; $0.startsOn = Self.date(today.adding(days: -1)) }) }
    #expect(past?.code == .invalidArgument && past?.fields == ["starts_on"])
    let rest = await failure { _ = try await credit.startPublicity(.with { $0.requestId = "p1"; $0.evaluationId = draft.evaluationId; $0.startsOn = Self.date(weekend) }) }
    #expect(rest?.code == .invalidArgument && rest?.reason == "NOT_A_WORKING_DAY")
    let publicity = try await credit.startPublicity(.with { $0.requestId = "p2"; $0.evaluationId = draft.evaluationId; $0.startsOn = Self.date(start) })
    let end = try calendars.adding(15, after: start)
    #expect(publicity.status == .publicity && publicity.publicity?.start == Self.date(start) && publicity.publicity?.end == Self.date(end))
    #expect(await failure { _ = try await credit.runEvaluation(.with { $0.requestId = "r2"; $0.year = Int32(year) }) }?.reason == "EVALUATION_NOT_DRAFT")
    #expect(await failure { _ = try await credit.publishRatings(.with { $0.requestId = "x0"; $0.evaluationId = draft.evaluationId }) }?.reason == "PUBLICITY_NOT_OVER")

    // During the window the agency objects to its own level, not to another's.
    clock.advance(days: start.dayNumber - today.dayNumber)
    h.as(Identities.agency)
    #expect(await failure {
      _ = try await credit.fileObjection(.with { $0.requestId = "o0"; $0.evaluationId = draft.evaluationId; $0.creditCode = "91110000600037341L"; $0.grounds = "x" })
    }?.reason == "NOT_YOUR_AGENCY")
    let objection = try await credit.fileObjection(.with {
      $0.requestId = "o1"; $0.evaluationId = draft.evaluationId; $0.creditCode = Materials.applicant; $0.grounds = "EQ-999 已于当年登记，不应扣分"
    })
    #expect(objection.status == .open && objection.filedBy?.principal == Identities.agency)

    // After the window: no more objections; no publication while one is open.
    clock.advance(days: end.dayNumber - start.dayNumber + 1)
    #expect(await failure {
      _ = try await credit.fileObjection(.with { $0.requestId = "o2"; $0.evaluationId = draft.evaluationId; $0.creditCode = Materials.applicant; $0.grounds = "x" })
    }?.reason == "OUTSIDE_PUBLICITY")
    h.as(Identities.city)
    #expect(await failure { _ = try await credit.publishRatings(.with { $0.requestId = "x1"; $0.evaluationId = draft.evaluationId }) }?.reason == "OBJECTIONS_OPEN")
    let levelless = await failure { _ = try await credit.resolveObjection(.with { $0.requestId = "d0"; $0.objectionId = objection.objectionId; $0.outcome = .upheld; $0.decision = "x" }) }
    #expect(levelless?.code == .invalidArgument && levelless?.fields == ["reviewed_level"])
    let upheld = try await credit.resolveObjection(.with {
      $0.requestId = "d1"; $0.objectionId = objection.objectionId; $0.outcome = .upheld; $0.reviewedLevel = .c; $0.decision = "登记记录属实，复核为 C"
    })
    #expect(upheld.status == .upheld && upheld.reviewedLevel == .c)
    let reviewed = try await credit.getRating(.with { $0.creditCode = Materials.applicant; $0.year = Int32(year) })
    #expect(reviewed.level == .c && reviewed.levelBeforeReview == .d && reviewed.status == .publicity)

    // Published: final, signed with the bureau key, on the feed.
    let bulletin = try await credit.publishRatings(.with { $0.requestId = "x2"; $0.evaluationId = draft.evaluationId })
    #expect(bulletin.year == Int32(year) && bulletin.ratings.map(\.level) == [.c] && bulletin.signatureAlgorithm == "ed25519")
    let key = try #require(try await h.audit.getSigningKeys(.init()).keys.first { $0.keyId == bulletin.keyId })
    #expect(try PublicSigningKey(name: key.name, rawKey: key.publicKey).verifies(bulletin.signature, over: bulletin.content))
    let content = String(decoding: bulletin.content, as: UTF8.self)
    #expect(content.contains("\"level\":\"C\"") && content.contains("\"levelBeforeReview\":\"D\"") && content.hasPrefix("{\"evaluationId\":"))
    #expect(try await credit.getRating(.with { $0.creditCode = Materials.applicant }).status == .final)

    h.as(Identities.partner)
    #expect(try await sharing.getBulletin(.with { $0.year = Int32(year) }) == bulletin)
    let listed = try await sharing.listPublishedRatings(.with { $0.year = Int32(year) }).ratings
    #expect(listed.map { "\($0.creditCode) \($0.level) \($0.status)" } == ["\(Materials.applicant) \(Cqmon_V1_CreditLevel.c) \(Cqmon_V1_RatingStatus.final)"])
    #expect(try await sharing.listPublishedRatings(.with { $0.year = Int32(year); $0.level = .a }).ratings.isEmpty)
    let received = try await sharing.watchRatings(.with { $0.afterCursor = 0 }) { response in
      var first: [Cqmon_V1_RatingChange] = []
      for try await change in response.messages {
        first.append(change)
        break
      }
      return first
    }
    #expect(received.map(\.cursor) == [1] && received.first?.kind == .published && received.first?.rating?.level == .c)
    var options = CallOptions.defaults
    options.timeout = .milliseconds(600)
    let quiet = await failure { try await sharing.watchRatings(.with { $0.afterCursor = 1 }, options: options) { response in for try await _ in response.messages {} } }
    #expect(quiet?.code == .deadlineExceeded, "nothing after the last change: the stream waits")
    #expect(await failure { try await sharing.watchRatings(.with { $0.afterCursor = 9 }) { response in for try await _ in response.messages {} } }?.code == .outOfRange)
    #expect(await failure { _ = try await sharing.getBulletin(.with { $0.year = Int32(year - 1) }) }?.code == .notFound)
    h.as(Identities.agency)
    #expect(await failure { _ = try await sharing.getBulletin(.with { $0.year = Int32(year) }) }?.code == .permissionDenied)

    // The draw reads the published level: the agency is drawn in stratum C now, not UNRATED.
    h.as(Identities.city)
    let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
    let seed = try await inspection.commitDrawSeed(.with {
      $0.requestId = "s1"; $0.period = .with { $0.start = Self.date(CalendarDate(chinaDayOf: clock.now)); $0.end = Self.date(CalendarDate(chinaDayOf: clock.now).adding(days: 30)) }
    })
    let plan = try await inspection.planInspections(.with { $0.requestId = "pl1"; $0.commitmentId = seed.commitmentId })
    #expect(plan.candidates.map { "\($0.level) \($0.stratum)" } == ["\(Cqmon_V1_CreditLevel.c) C"] && plan.drawn.isEmpty, "⌊1 · 30 %⌋ = 0")

    // Direct E (Art. 16): the agency leaves the registry with its bans, its published rating is
    // revoked, and the feed says both, once, however often the call is retried.
    h.as(Identities.city)
    let decision = try await h.upload(Array("判决书".utf8))
    let noEvidence = await failure {
      _ = try await credit.triggerLevelE(.with {
        $0.requestId = "e0"; $0.creditCode = Materials.applicant; $0.art16Case = Cqmon_V1_Art16Case(rawValue: 4); $0.decidedOn = Self.date(CalendarDate(chinaDayOf: clock.now))
        $0.description = "x"
      })
    }
    #expect(noEvidence?.code == .invalidArgument && noEvidence?.fields == ["evidence"])
    let trigger = Cqmon_V1_TriggerLevelERequest.with {
      $0.requestId = "e1"; $0.creditCode = Materials.applicant; $0.art16Case = Cqmon_V1_Art16Case(rawValue: 4)
      $0.decidedOn = Self.date(CalendarDate(chinaDayOf: clock.now)); $0.description = "监测数据弄虚作假，已受行政处罚"
      $0.evidence = [.with { $0.sha256 = decision }]
    }
    let direct = try await credit.triggerLevelE(trigger)
    #expect(direct.level == .e && direct.art16Case.rawValue == 4 && direct.year == Int32(CalendarDate(chinaDayOf: clock.now).year))
    #expect(try await credit.triggerLevelE(trigger) == direct, "a retry changes nothing")
    #expect(try await h.registry.getAgency(.with { $0.creditCode = Materials.applicant }).status == .removed)
    // Art. 20: the agency may not re-apply for 2 years (the registry's own bans).
    let eligibility = try await h.registry.checkEligibility(.with { $0.subject = .creditCode(Materials.applicant) })
    let decided = CalendarDate(chinaDayOf: clock.now)
    #expect(!eligibility.eligible && eligibility.bans.count == 1)
    #expect(eligibility.bannedUntil == Self.date(BanTerm.endsOn(startsOn: decided, years: 2)))
    h.as(Identities.partner)
    let feed = try await sharing.watchRatings(.with { $0.afterCursor = 1 }) { response in
      var changes: [Cqmon_V1_RatingChange] = []
      for try await change in response.messages {
        changes.append(change)
        if changes.count == 2 { break }
      }
      return changes
    }
    #expect(feed.map(\.cursor) == [2, 3] && feed.map(\.kind) == [.revoked, .directE])
    #expect(feed[0].rating?.level == .c && feed[0].rating?.status == .revoked && feed[1].rating?.level == .e)
    #expect(try await sharing.listPublishedRatings(.with { $0.year = Int32(year) }).ratings.first?.status == .revoked)
    #expect(await failure { try await sharing.watchRatings(.with { $0.afterCursor = 4 }) { response in for try await _ in response.messages {} } }?.code == .outOfRange)
  }

  @Test("holiday calendars: built in for 2023–2026, loaded for other years, checked", arguments: Engine.all)
  func calendars(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in try await Self.calendars(h) }
    }
  }

  static func calendars(_ h: RegistryHarness) async throws {
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
