import Foundation
import LIMSSimulation
@testable import Services
import Testing

/// The rules of filing, on their own: what the validator refuses, and each off-site check
/// firing and not firing at its boundary. Dated relative to one instant, never to today.
@Suite("Filing: what is refused, and what the off-site checks raise")
struct FilingRulesTests {
  static let now = Date(timeIntervalSince1970: 1_795_883_400)  // fixed: these rules are pure
  static let today = CalendarDate(chinaTimeOf: 1_795_883_400)
  static let wang = "360426199101010071", li = "120103198806018241", zhang = "11010519491231002X", stranger = "110105199003070017"

  static func hoursAgo(_ hours: Double) -> Date { now.addingTimeInterval(-hours * 3600) }

  /// The agency's record: Wang and Li sample, Li and Zhang analyse, Li signs; one instrument.
  static func record(calibratedUntil: CalendarDate = today.adding(days: 200), cmaUntil: CalendarDate = today.adding(days: 1000)) -> ApplicationMaterials {
    var record = ApplicationMaterials()
    func member(_ id: String, _ roles: [StaffMember.Role]) -> StaffMember {
      var member = StaffMember()
      member.person = PersonRef(name: "x", idNumber: id)
      member.roles = roles
      return member
    }
    record.staff = [member(wang, [.sampler]), member(li, [.sampler, .analyst, .signatory]), member(zhang, [.analyst])]
    var equipment = Equipment()
    equipment.equipmentId = "EQ-001"
    equipment.calibrationValidUntil = calibratedUntil
    record.equipment = [equipment]
    var cma = CmaCertificate()
    cma.number = "222212340345"
    cma.validUntil = cmaUntil
    cma.scope = [ScopeEntry(category: "水和废水", parameter: "化学需氧量", methodStandard: "HJ 828-2017")]
    record.cmaCertificate = cma
    var key = KeyPersonnel()
    key.authorisedSignatories = [PersonRef(name: "李娜", idNumber: li)]
    record.keyPersonnel = key
    return record
  }

  /// A valid activity: one sampling event yesterday, two analyses after it, the report today.
  static func activity() -> ActivityContent {
    var content = ActivityContent()
    var client = ClientInfo()
    client.name = "重庆某某化工有限公司"
    content.client = client
    content.purpose = .selfMonitoring
    content.projectNumber = "P-2026-001"
    var event = SamplingEvent()
    event.eventID = "E1"
    event.startedAt = hoursAgo(30)
    event.endedAt = hoursAgo(29)
    event.siteName = "DW001 总排口"
    event.districtCode = "500112"
    event.location = GeoPoint(latitude: 29.72, longitude: 106.63)
    event.medium = "废水"
    event.samplerIDNumbers = [wang, li]
    event.sampleIDs = ["S1", "S2"]
    content.samplingEvents = [event]
    content.analyses = ["S1", "S2"].map { sample in
      var analysis = Analysis()
      analysis.sampleID = sample
      analysis.parameter = "化学需氧量"
      analysis.methodStandard = "HJ 828—2017"
      analysis.analystIDNumber = zhang
      analysis.instrumentID = "EQ-001"
      analysis.startedAt = hoursAgo(20)
      analysis.endedAt = hoursAgo(19)
      analysis.result = "23"
      analysis.unit = "mg/L"
      return analysis
    }
    var report = ReportInfo()
    report.reportNumber = "R-2026-0001"
    report.issuedOn = today
    report.signatoryIDNumbers = [li]
    report.conclusion = "达标"
    report.document = DocumentRef(sha256: String(repeating: "a", count: 64))
    content.report = report
    return content
  }

  static func violations(_ content: ActivityContent) -> [String: String] {
    Dictionary(ActivityValidator(now: now).validate(content).violations.map { ($0.field, $0.reason) }, uniquingKeysWith: { a, _ in a })
  }

  static func findings(_ content: ActivityContent, record: ApplicationMaterials = record()) -> [String] {
    OffSiteChecks.check(content, record: { _ in record }).map(\.rule.id)
  }

  @Test("a required text is blank exactly when trimming its whitespace leaves nothing")
  func blank() {
    for text in ["", " ", "\t", "\u{3000}", " \t\u{3000} ", "a", " a ", "\n", " \u{301}", "\u{3000}中", "\u{A0}"] {
      #expect(text.isBlank == text.trimmingCharacters(in: .whitespaces).isEmpty, "\(Array(text.unicodeScalars))")
    }
  }

  @Test("a valid activity is neither refused nor flagged")
  func valid() {
    #expect(Self.violations(Self.activity()).isEmpty)
    #expect(Self.findings(Self.activity()).isEmpty)
    #expect(ActivityValidator(now: Self.now).validate(Self.activity()).documents.map(\.field) == ["activity.report.document.sha256"])
  }

  @Test("what cannot be an activity is refused, every field at fault at once")
  func refused() {
    var content = Self.activity()
    content.samplingEvents[0].districtCode = "500199"
    content.samplingEvents[0].location = GeoPoint(latitude: 39.9, longitude: 116.4)
    content.samplingEvents[0].sampleIDs = ["S1", "S1"]
    content.analyses[1].sampleID = "S9"
    content.analyses[0].methodStandard = "by eye"
    content.analyses[0].analystIDNumber = "120103198806018242"
    content.report = nil
    content.purpose = .unspecified
    #expect(Self.violations(content) == [
      "activity.sampling_events[0].district_code": "DISTRICT_UNKNOWN",
      "activity.sampling_events[0].location": "OUTSIDE_CHONGQING",
      "activity.sampling_events[0].sample_ids[1]": "DUPLICATE",
      "activity.analyses[1].sample_id": "UNKNOWN_SAMPLE",
      "activity.analyses[0].method_standard": "METHOD_STANDARD",
      "activity.analyses[0].analyst_id_number": "ID_NUMBER_CHECK_CHARACTER",
      "activity.report": "REQUIRED",
      "activity.purpose": "REQUIRED",
    ])
  }

  @Test("instants: in the future beyond 5 minutes' clock skew, or an end before its start, are refused")
  func instants() {
    var content = Self.activity()
    content.samplingEvents[0].startedAt = Self.now.addingTimeInterval(299)
    content.samplingEvents[0].endedAt = Self.now.addingTimeInterval(299)
    content.analyses = []
    var violations = Self.violations(content)
    #expect(violations["activity.sampling_events[0].started_at"] == nil, "within the tolerance")
    content.samplingEvents[0].startedAt = Self.now.addingTimeInterval(301)
    content.samplingEvents[0].endedAt = Self.now.addingTimeInterval(300)
    violations = Self.violations(content)
    #expect(violations["activity.sampling_events[0].started_at"] == "IN_FUTURE")
    #expect(violations["activity.sampling_events[0].ended_at"] == "END_BEFORE_START")
    #expect(violations["activity.analyses"] == "REQUIRED")
    content = Self.activity()
    content.report?.issuedOn = Self.today.adding(days: 1)
    #expect(Self.violations(content)["activity.report.issued_on"] == "IN_FUTURE")
  }

  @Test("Chongqing's extent, at its edges")
  func bounds() {
    #expect(ChongqingBounds.contains(GeoPoint(latitude: 28.16, longitude: 105.28)))
    #expect(ChongqingBounds.contains(GeoPoint(latitude: 32.21, longitude: 110.19)))
    #expect(!ChongqingBounds.contains(GeoPoint(latitude: 28.159, longitude: 106)))
    #expect(!ChongqingBounds.contains(GeoPoint(latitude: 30, longitude: 110.191)))
    // Jiefangbei to Wanzhou, about 230 km as the crow flies.
    let distance = GeoPoint(latitude: 29.557, longitude: 106.577).kilometres(to: GeoPoint(latitude: 30.807, longitude: 108.408))
    #expect((215...235).contains(distance), "\(distance)")
  }

  @Test("CMA scope: outside it fires; inside it, however the standard is written, does not; expiry counts from the day after")
  func cmaScope() {
    var content = Self.activity()
    content.analyses[0].parameter = "氨氮"
    #expect(Self.findings(content) == ["CMA_SCOPE"])
    content = Self.activity()
    content.analyses[0].methodStandard = "HJ828-2017"
    #expect(Self.findings(content).isEmpty)
    let analysisDay = CalendarDate(chinaTimeOf: Int64(Self.hoursAgo(20).timeIntervalSince1970))
    #expect(Self.findings(Self.activity(), record: Self.record(cmaUntil: analysisDay)).isEmpty)
    #expect(Self.findings(Self.activity(), record: Self.record(cmaUntil: analysisDay.adding(days: -1))) == ["CMA_SCOPE"])
  }

  @Test("instruments: one not listed fires once for all its analyses; calibration lapses the day after its date")
  func instruments() {
    var content = Self.activity()
    content.analyses[0].instrumentID = "EQ-404"
    content.analyses[1].instrumentID = "EQ-404"
    let found = OffSiteChecks.check(content, record: { _ in Self.record() })
    #expect(found.map(\.rule.id) == ["INSTRUMENT_NOT_LISTED"])
    #expect(found[0].fields == ["activity.analyses[0].instrument_id", "activity.analyses[1].instrument_id"])
    #expect(found[0].rule.category == .insufficientCapability)
    let analysisDay = CalendarDate(chinaTimeOf: Int64(Self.hoursAgo(20).timeIntervalSince1970))
    #expect(Self.findings(Self.activity(), record: Self.record(calibratedUntil: analysisDay)).isEmpty)
    #expect(Self.findings(Self.activity(), record: Self.record(calibratedUntil: analysisDay.adding(days: -1))) == ["INSTRUMENT_CALIBRATION_LAPSED"])
  }

  @Test("people: staff without the role, unauthorised signatories, a lone sampler; ID numbers masked in the explanation")
  func people() {
    var content = Self.activity()
    content.analyses[0].analystIDNumber = Self.wang  // on staff, but a sampler, not an analyst
    content.report?.signatoryIDNumbers = [Self.zhang]
    content.samplingEvents[0].samplerIDNumbers = [Self.li, Self.li]
    let found = OffSiteChecks.check(content, record: { _ in Self.record() })
    #expect(found.map(\.rule.id) == ["SINGLE_SAMPLER", "STAFF_NOT_LISTED", "SIGNATORY_NOT_AUTHORISED"])
    #expect(found.allSatisfy { !$0.explanation.contains(Self.wang) && !$0.explanation.contains(Self.zhang) })
    #expect(found[1].explanation.contains("3604**********0071"))
    // Not listed at all on the day: nothing but that day's record counts.
    #expect(Set(OffSiteChecks.check(Self.activity(), record: { _ in nil }).map(\.rule.id)) == [
      "STAFF_NOT_LISTED", "CMA_SCOPE", "INSTRUMENT_NOT_LISTED", "SIGNATORY_NOT_AUTHORISED",
    ])
  }

  @Test("impossible timelines: an analysis a second before its sampling, a report a day before its last analysis")
  func timelines() {
    var content = Self.activity()
    content.analyses[0].startedAt = content.samplingEvents[0].startedAt
    #expect(Self.findings(content).isEmpty, "at the same instant is possible")
    content.analyses[0].startedAt = content.samplingEvents[0].startedAt!.addingTimeInterval(-1)
    #expect(Self.findings(content) == ["ANALYSIS_BEFORE_SAMPLING"])
    content = Self.activity()
    let lastDay = CalendarDate(chinaTimeOf: Int64(Self.hoursAgo(19).timeIntervalSince1970))
    content.report?.issuedOn = lastDay
    #expect(Self.findings(content).isEmpty, "the same day is possible")
    content.report?.issuedOn = lastDay.adding(days: -1)
    #expect(Self.findings(content) == ["REPORT_BEFORE_ANALYSIS"])
    #expect(OffSiteChecks.reportBeforeAnalysis.category == .suspectedFalsification)
  }

  @Test("holding time: 氨氮 by HJ/T 195-2005 within 24 h, 化学需氧量 by HJ 828-2017 within 5 d; no row, no check")
  func holdingTime() {
    var record = Self.record()
    record.cmaCertificate?.scope.append(ScopeEntry(category: "水和废水", parameter: "氨氮", methodStandard: "HJ/T 195-2005"))
    var content = Self.activity()
    content.analyses[0].parameter = "氨氮"
    content.analyses[0].methodStandard = "HJ/T 195—2005"
    let collected = content.samplingEvents[0].endedAt!
    content.analyses[0].startedAt = collected.addingTimeInterval(24 * 3600)
    content.analyses[0].endedAt = collected.addingTimeInterval(25 * 3600)
    #expect(Self.findings(content, record: record).isEmpty, "24 hours exactly is in time")
    content.analyses[0].startedAt = collected.addingTimeInterval(24 * 3600 + 1)
    #expect(Self.findings(content, record: record) == ["HOLDING_TIME_EXCEEDED"])
    let found = OffSiteChecks.check(content, record: { _ in record })
    #expect(found[0].fields == ["activity.analyses[0].started_at"] && found[0].explanation.contains("HJ/T 195-2005 水质 氨氮的测定"))
    // 化学需氧量 by HJ 828-2017: five days; by a method without a row, not checked however late.
    content = Self.activity()
    let sampled = content.samplingEvents[0].endedAt!
    func analysedAfter(_ wait: TimeInterval, method: String = "HJ 828-2017") -> [String] {
      var late = content
      for index in late.analyses.indices {
        late.analyses[index].methodStandard = method
        late.analyses[index].startedAt = sampled.addingTimeInterval(wait + Double(index) * 7200)
        late.analyses[index].endedAt = late.analyses[index].startedAt!.addingTimeInterval(3600)
      }
      return Self.findings(late, record: record).filter { $0 == "HOLDING_TIME_EXCEEDED" }
    }
    #expect(analysedAfter(5 * 86_400 - 2 * 7200).isEmpty, "within five days")
    #expect(analysedAfter(5 * 86_400 + 1).count == 2, "both samples late")
    #expect(analysedAfter(30 * 86_400, method: "GB 11914-1989").isEmpty, "no row for the withdrawn method: not checked")
    #expect(HoldingTime.table.allSatisfy { !$0.source.isEmpty && MethodStandard.normalised($0.method) == $0.method })
  }

  @Test("the holding-time table: one row per parameter and method, each with its clause and the standard it came from")
  func holdingTimeTable() {
    let keys = HoldingTime.table.map { "\($0.parameter) \($0.method)" }
    #expect(Set(keys).count == keys.count, "no parameter and method twice")
    for row in HoldingTime.table {
      #expect(row.maximum >= 3600 && row.maximum <= 31 * 86_400, "\(row.parameter) \(row.method)")
      #expect(row.source.hasPrefix(row.method) || row.source.hasPrefix("HJ 493-2009"), "\(row.parameter): the source names the standard read")
      #expect(row.source.contains(row.parameter) || row.source.contains(row.method), "\(row.parameter) \(row.method)")
      #expect(HoldingTime.limit(parameter: row.parameter, method: row.method.replacingOccurrences(of: "-", with: "—")) == row)
    }
    // The common parameters the simulated laboratories analyse are covered, but for BOD5 (no maximum).
    for (parameter, method) in [("化学需氧量", "HJ 828-2017"), ("氨氮", "HJ 535-2009"), ("总磷", "GB 11893-1989"), ("总氮", "HJ 636-2012"), ("悬浮物", "GB 11901-1989")] {
      #expect(HoldingTime.limit(parameter: parameter, method: method) != nil, "\(parameter)")
    }
    #expect(HoldingTime.limit(parameter: "五日生化需氧量", method: "HJ 505-2009") == nil)
  }
}

@Suite("Filing: the checks across activities, at their boundaries")
struct CrossChecksTests {
  static let start = Date(timeIntervalSince1970: 1_795_883_400)
  static let jiefangbei = GeoPoint(latitude: 29.557, longitude: 106.577)
  static let wanzhou = GeoPoint(latitude: 30.807, longitude: 108.408)

  static func sampling(_ at: Date, _ place: GeoPoint, minutes: Double = 30) -> ActivityFacts.Sampling {
    ActivityFacts.Sampling(idNumber: "120103198806018241", startedAt: at, endedAt: at.addingTimeInterval(minutes * 60), location: place, field: "f")
  }

  static func rules(_ mine: ActivityFacts.Sampling, _ others: [OtherSampling]) -> [String] {
    var found = OffSiteChecks.Findings(prefix: "")
    CrossChecks.samplingFindings(mine, code: "A", others: others, settings: CrossCheckSettings(), into: &found)
    return found.all.map(\.rule.id)
  }

  @Test("one person in two places: beyond 120 km/h fires, within it does not; a short hop never does")
  func twoPlaces() {
    let mine = Self.sampling(Self.start, Self.jiefangbei)
    let distance = Self.jiefangbei.kilometres(to: Self.wanzhou)
    // Leave Jiefangbei when sampling ends; arrive in Wanzhou just in time at 120 km/h.
    let atSpeed = mine.endedAt.addingTimeInterval(distance / 120 * 3600 + 1)
    let tooFast = mine.endedAt.addingTimeInterval(distance / 120 * 3600 - 60)
    #expect(Self.rules(mine, [OtherSampling(activityID: "act-2", creditCode: "A", sampling: Self.sampling(atSpeed, Self.wanzhou))]).isEmpty)
    #expect(Self.rules(mine, [OtherSampling(activityID: "act-2", creditCode: "A", sampling: Self.sampling(tooFast, Self.wanzhou))]) == ["PERSON_IN_TWO_PLACES"])
    let nextDoor = GeoPoint(latitude: 29.5575, longitude: 106.5775)
    #expect(Self.rules(mine, [OtherSampling(activityID: "act-2", creditCode: "A", sampling: Self.sampling(Self.start, nextDoor))]).isEmpty)
  }

  @Test("the bound that spares the trigonometry is never below the great-circle distance")
  func distanceBound() {
    var random = SimulationRandom(seed: 9)
    for _ in 0..<10_000 {
      let a = GeoPoint(latitude: Double.random(in: -89...89, using: &random), longitude: Double.random(in: -180...180, using: &random))
      let b = GeoPoint(latitude: Double.random(in: -89...89, using: &random), longitude: Double.random(in: -180...180, using: &random))
      #expect(a.kilometresAtMost(to: b) >= a.kilometres(to: b) * (1 - 1e-12))
    }
    // Across the city it overestimates by under a fifth, so it spares most pairs.
    #expect(Self.jiefangbei.kilometresAtMost(to: Self.wanzhou) < 1.2 * Self.jiefangbei.kilometres(to: Self.wanzhou))
  }

  @Test("sampling for another agency at overlapping times is 挂证; touching end to start is not")
  func twoAgencies() {
    let mine = Self.sampling(Self.start, Self.jiefangbei)
    let overlapping = Self.sampling(Self.start.addingTimeInterval(29 * 60), Self.jiefangbei)
    #expect(Self.rules(mine, [OtherSampling(activityID: "act-9", creditCode: "B", sampling: overlapping)]) == ["SAMPLING_FOR_TWO_AGENCIES"])
    let after = Self.sampling(mine.endedAt, Self.jiefangbei)
    #expect(Self.rules(mine, [OtherSampling(activityID: "act-9", creditCode: "B", sampling: after)]).isEmpty)
  }

  @Test("an instrument over its capacity: overlapping fires, back to back does not, a larger capacity allows it")
  func instruments() {
    let mine = ActivityFacts.InstrumentUse(instrumentID: "EQ-1", startedAt: Self.start, endedAt: Self.start.addingTimeInterval(3600), field: "f")
    func rules(_ other: ActivityFacts.InstrumentUse, capacity: Int = 1) -> [String] {
      var settings = CrossCheckSettings()
      settings.instrumentCapacity = capacity
      var found = OffSiteChecks.Findings(prefix: "")
      CrossChecks.instrumentFindings(mine, others: [OtherInstrumentUse(activityID: "act-2", use: other)], settings: settings, into: &found)
      return found.all.map(\.rule.id)
    }
    let overlapping = ActivityFacts.InstrumentUse(instrumentID: "EQ-1", startedAt: Self.start.addingTimeInterval(3599), endedAt: Self.start.addingTimeInterval(7200))
    #expect(rules(overlapping) == ["INSTRUMENT_OVER_CAPACITY"])
    #expect(rules(overlapping, capacity: 2).isEmpty)
    #expect(rules(ActivityFacts.InstrumentUse(instrumentID: "EQ-1", startedAt: mine.endedAt, endedAt: mine.endedAt.addingTimeInterval(60))).isEmpty)
    #expect(rules(ActivityFacts.InstrumentUse(instrumentID: "EQ-2", startedAt: Self.start, endedAt: mine.endedAt)).isEmpty)
  }

  @Test("a result series counts from five non-trivial results; ND and zero are not results")
  func series() {
    func facts(_ results: [String]) -> ActivityFacts {
      var content = ActivityContent()
      content.analyses = results.enumerated().map { index, result in
        var analysis = Analysis()
        analysis.sampleID = "S1"
        analysis.parameter = "p\(index)"
        analysis.result = result
        analysis.unit = "mg/L"
        analysis.startedAt = Self.start
        analysis.endedAt = Self.start
        return analysis
      }
      return ActivityFacts(content)
    }
    #expect(facts(["1", "2", "3", "4", "5"]).resultSeries.count == 1)
    #expect(facts(["1", "2", "3", "4", "ND", "0", "0.0"]).resultSeries.isEmpty)
    #expect(facts(["1", "2", "3", "4", "5"]).resultSeries == facts(["1", "2", "3", "4", "5"]).resultSeries)
    #expect(facts(["1", "2", "3", "4", "5"]).resultSeries != facts(["1", "2", "3", "4", "6"]).resultSeries)
  }
}
