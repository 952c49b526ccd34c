import Foundation
import ProtoCodec
import Services

/// A rule broken on purpose, so that each off-site check has something to find.
public enum PlantedViolation: String, CaseIterable, Sendable {
  case singleSampler = "SINGLE_SAMPLER"
  case staffNotListed = "STAFF_NOT_LISTED"
  /// An analyst of the neighbouring agency (number ± 1) doing this one's analysis: caught when
  /// that agency is listed too.
  case staffOfTwoAgencies = "STAFF_OF_TWO_AGENCIES"
  case instrumentNotListed = "INSTRUMENT_NOT_LISTED"
  case calibrationLapsed = "INSTRUMENT_CALIBRATION_LAPSED"
  case cmaScope = "CMA_SCOPE"
  case signatoryNotAuthorised = "SIGNATORY_NOT_AUTHORISED"
  case analysisBeforeSampling = "ANALYSIS_BEFORE_SAMPLING"
  case reportBeforeAnalysis = "REPORT_BEFORE_ANALYSIS"
  case sampleIDReused = "SAMPLE_ID_REUSED"
  case copiedResults = "COPIED_RESULTS"
  case instrumentOverCapacity = "INSTRUMENT_OVER_CAPACITY"
  case personInTwoPlaces = "PERSON_IN_TWO_PLACES"
  /// One of the two samplers lent by the neighbouring agency, whose plan has that person
  /// sampling for it in the same slot: caught when that agency is listed and filing too.
  case samplingForTwoAgencies = "SAMPLING_FOR_TWO_AGENCIES"
  case lateFiling = "LATE_FILING"
  /// Filed, then corrected (a result re-entered) once the report was out.
  case amendedAfterReport = "AMENDED_AFTER_REPORT"
  /// The first analysis (化学需氧量 by HJ 828-2017, five days at most) begun six days after
  /// its sample was collected, at night, when no other analysis runs.
  case holdingTimeExceeded = "HOLDING_TIME_EXCEEDED"

  /// The rule id the finding carries.
  public var rule: String { rawValue }
}

/// An activity to file, and the earliest time (on the server's clock) a LIMS would file it:
/// an hour or two after its last analysis, or more than 30 days later when filing late is the
/// violation planted.
public struct PlannedActivity: Sendable {
  public var agency: Int
  public var request: Cqmon_V1_FileActivityRequest
  public var fileAfter: Date
  public var violation: PlantedViolation?
  /// The correction to send once it is filed (its `activity_id` left to fill in).
  public var amendment: Cqmon_V1_AmendActivityRequest?
}

/// A year (or any number of days) of one agency's monitoring work, day by day, as its LIMS
/// would file it: sampling in the morning and early afternoon in and around its district by
/// pairs of its samplers, analyses on its instruments one after another, a report the same
/// or the next day. A share of the activities carry one planted violation each, the kinds
/// taken in turn.
public struct ActivityPlanner {
  public let agency: SimulatedAgency
  /// The agency's position among the agencies simulated (for `PlannedActivity.agency`).
  public let index: Int
  public let start: Date
  public let days: Int
  public let perDay: Int
  public let violationShare: Double
  public let reportDigest: String
  public let seed: UInt64

  public init(
    agency: SimulatedAgency, index: Int, from start: Date, days: Int, perDay: Int, violationShare: Double, reportDigest: String, seed: UInt64
  ) {
    self.agency = agency
    self.index = index
    self.start = start
    self.days = days
    self.perDay = perDay
    self.violationShare = violationShare
    self.reportDigest = reportDigest
    self.seed = seed
  }

  private struct Use { var start: Date; var end: Date }

  public func plan() -> [PlannedActivity] {
    var random = SimulationRandom(seed: seed &+ UInt64(agency.number) &* 1_000_003)
    var planned: [PlannedActivity] = []
    var lastUse: [String: Use] = [:]
    var previous: Cqmon_V1_FileActivityRequest?
    var turn = index
    let firstDay = CalendarDate(chinaTimeOf: Int64(start.timeIntervalSince1970))
    let listedFor30Days = start.addingTimeInterval(31 * 86_400)
    for day in 0..<days {
      // 08:00 in Chongqing on that day.
      let morning = Date(timeIntervalSince1970: Double(firstDay.adding(days: day).chinaMidnight + 8 * 3600))
      for slot in 0..<perDay {
        let sampledAt = morning.addingTimeInterval(Double(slot) * 8 * 3600 / Double(perDay) + Double(random.int(0...20)) * 60)
        guard sampledAt > start.addingTimeInterval(3600) else { continue }
        var violation: PlantedViolation?
        if random.unit() < violationShare {
          let kinds = PlantedViolation.allCases
          violation = kinds[turn % kinds.count]
          turn += 1
          if violation == .calibrationLapsed, sampledAt < listedFor30Days { violation = .instrumentNotListed }
          if [.sampleIDReused, .copiedResults, .personInTwoPlaces].contains(violation), previous == nil { violation = .singleSampler }
        }
        let key = "\(agency.number)-\(day)-\(slot)"
        var request = activity(
          key: key, sampledAt: sampledAt, slot: day * perDay + slot, violation: violation, previous: previous, lastUse: &lastUse, random: &random)
        request.requestId = "sim-\(agency.creditCode)-\(day)-\(slot)"
        let content = request.activity!
        let instants = content.samplingEvents.compactMap(\.endedAt) + content.analyses.compactMap(\.endedAt)
        let lastEnd = instants.map { Date(timeIntervalSince1970: Double($0.seconds)) }.max()!
        let fileAfter = lastEnd.addingTimeInterval(violation == .lateFiling ? 35 * 86_400 : Double(random.int(60...180)) * 60)
        var amendment: Cqmon_V1_AmendActivityRequest?
        if violation == .amendedAfterReport {
          var corrected = content
          corrected.analyses[0].result = String(format: "%.2f", (Double(corrected.analyses[0].result) ?? 1) * 1.1)
          amendment = .with {
            $0.requestId = "sim-amend-\(agency.creditCode)-\(day)-\(slot)"; $0.expectedVersion = 1; $0.activity = corrected
            $0.reason = "分析结果录入有误, 更正 \(corrected.analyses[0].sampleId) 的 \(corrected.analyses[0].parameter)"
          }
        }
        planned.append(PlannedActivity(agency: index, request: request, fileAfter: fileAfter, violation: violation, amendment: amendment))
        previous = request
      }
    }
    return planned
  }

  private func activity(
    key: String, sampledAt: Date, slot: Int, violation: PlantedViolation?, previous: Cqmon_V1_FileActivityRequest?, lastUse: inout [String: Use],
    random: inout SimulationRandom
  ) -> Cqmon_V1_FileActivityRequest {
    func stamp(_ date: Date) -> Google_Protobuf_Timestamp { .with { $0.seconds = Int64(date.timeIntervalSince1970) } }
    func date(_ stamp: Google_Protobuf_Timestamp?) -> Date { Date(timeIntervalSince1970: Double(stamp?.seconds ?? 0)) }
    func near(_ district: SimulatedDistrict) -> Cqmon_V1_GeoPoint {
      .with {
        $0.latitude = district.latitude + (random.unit() - 0.5) * 0.06
        $0.longitude = district.longitude + (random.unit() - 0.5) * 0.06
      }
    }
    let pair = slot % (agency.samplers.count / 2)
    var samplers = [agency.samplers[2 * pair].idNumber, agency.samplers[2 * pair + 1].idNumber]
    var firstStart = sampledAt
    var firstDistrict = agency.district
    if violation == .personInTwoPlaces, let earlier = previous?.activity?.samplingEvents.first {
      // The same two samplers, 20 minutes after their last event, some 230 km away.
      samplers = earlier.samplerIdNumbers
      firstStart = date(earlier.endedAt).addingTimeInterval(20 * 60)
      firstDistrict = SimulatedDistrict.faraway
    }
    if violation == .singleSampler { samplers = [samplers[0]] }
    if violation == .samplingForTwoAgencies {
      // Every agency's plan gives slot N the same pair and the same hour, so the neighbour's
      // sampler is at its own event, within twenty minutes of this one, 40 minutes long.
      samplers[0] = SimulatedAgency(number: agency.number == 1 ? 2 : agency.number - 1).samplers[2 * pair].idNumber
    }
    var events: [Cqmon_V1_SamplingEvent] = [.with {
      $0.eventId = "E1"; $0.startedAt = stamp(firstStart); $0.endedAt = stamp(firstStart.addingTimeInterval(40 * 60))
      $0.siteName = "DW\(String(format: "%03d", random.int(1...40))) 排放口"; $0.districtCode = firstDistrict.code; $0.location = near(firstDistrict)
      $0.medium = "废水"; $0.samplerIdNumbers = samplers; $0.sampleIds = ["S\(key)-A", "S\(key)-B"]
    }]
    if random.unit() < 0.5 {
      let second = firstStart.addingTimeInterval(60 * 60)
      events.append(.with {
        $0.eventId = "E2"; $0.startedAt = stamp(second); $0.endedAt = stamp(second.addingTimeInterval(30 * 60))
        $0.siteName = "DW\(String(format: "%03d", random.int(41...80))) 雨水口"; $0.districtCode = firstDistrict.code; $0.location = near(firstDistrict)
        $0.medium = "废水"; $0.samplerIdNumbers = samplers; $0.sampleIds = ["S\(key)-C"]
      })
    }
    if violation == .sampleIDReused, let earlier = previous?.activity?.samplingEvents.first?.sampleIds.first {
      events[0].sampleIds[1] = earlier
    }
    // Sample A: five parameters; the others one each.
    let parameters = SimulatedParameter.all
    var wanted: [(sample: String, parameter: Int)] = (0..<5).map { (events[0].sampleIds[0], $0) }
    wanted.append((events[0].sampleIds[1], random.int(5...6)))
    if events.count > 1 { wanted.append((events[1].sampleIds[0], random.int(0...6))) }
    let sampledUntil = events.compactMap(\.endedAt).map(date).max()!
    var labTime = sampledUntil.addingTimeInterval(2 * 3600)
    let analyst = agency.analysts[slot % agency.analysts.count].idNumber
    var analyses: [Cqmon_V1_Analysis] = []
    for (position, item) in wanted.enumerated() {
      let parameter = parameters[item.parameter]
      var instrument = agency.instruments[item.parameter]
      if position == 0, violation == .instrumentNotListed { instrument = "EQ-404" }
      if position == 0, violation == .calibrationLapsed { instrument = SimulatedAgency.lapsedInstrument }
      var begin = max(labTime, (lastUse[instrument]?.end ?? .distantPast).addingTimeInterval(60))
      if position == 0, violation == .instrumentOverCapacity, let use = lastUse[instrument] {
        begin = use.start.addingTimeInterval(5 * 60)  // while the instrument still runs another activity's analysis
      }
      if position == 0, violation == .analysisBeforeSampling { begin = firstStart.addingTimeInterval(-30 * 60) }
      let late = position == 0 && violation == .holdingTimeExceeded
      if late {
        // 02:00 in Chongqing, six days after the sampling day.
        let day = CalendarDate(chinaTimeOf: Int64(sampledUntil.timeIntervalSince1970)).adding(days: 6)
        begin = Date(timeIntervalSince1970: Double(day.chinaMidnight + 2 * 3600))
      }
      let end = begin.addingTimeInterval(Double(random.int(20...35)) * 60)
      // Analyses out of the day's order do not hold their instrument for the next ones.
      if !(position == 0 && (violation == .analysisBeforeSampling || late)) { lastUse[instrument] = Use(start: begin, end: end) }
      if !late { labTime = max(labTime, begin.addingTimeInterval(5 * 60)) }
      let value = parameter.low + random.unit() * (parameter.high - parameter.low)
      analyses.append(.with {
        $0.sampleId = item.sample; $0.parameter = parameter.name
        $0.methodStandard = position == 0 && violation == .cmaScope ? SimulatedParameter.outOfScopeMethod : parameter.method
        $0.analystIdNumber =
          switch (position, violation) {
          case (0, .staffNotListed?): ResidentID.completing("50010519850505999")!
          case (0, .staffOfTwoAgencies?): SimulatedAgency(number: agency.number == 1 ? 2 : agency.number - 1).analysts[0].idNumber
          default: analyst
          }
        $0.instrumentId = instrument; $0.startedAt = stamp(begin); $0.endedAt = stamp(end)
        $0.result = String(format: value < 10 ? "%.3f" : "%.1f", value); $0.unit = parameter.unit
      })
    }
    if violation == .copiedResults, let earlier = previous?.activity?.analyses.prefix(5).map(\.result), earlier.count == 5 {
      for index in 0..<5 { analyses[index].result = earlier[index] }
    }
    let lastEnd = analyses.compactMap(\.endedAt).map(date).max()!
    var issued = CalendarDate(chinaTimeOf: Int64(lastEnd.timeIntervalSince1970) + 3600)
    if violation == .reportBeforeAnalysis { issued = CalendarDate(chinaTimeOf: Int64(firstStart.timeIntervalSince1970)).adding(days: -1) }
    return .with {
      $0.creditCode = agency.creditCode
      $0.activity = .with {
        $0.client = .with { $0.name = "重庆模拟排污单位\(random.int(1...200))" }
        $0.purpose = .selfMonitoring
        $0.projectNumber = "P-\(key)"
        $0.samplingEvents = events
        $0.analyses = analyses
        $0.report = .with {
          $0.reportNumber = "R-\(key)"
          $0.issuedOn = .with { $0.year = Int32(issued.year); $0.month = Int32(issued.month); $0.day = Int32(issued.day) }
          $0.signatoryIdNumbers = [violation == .signatoryNotAuthorised ? agency.analysts[0].idNumber : agency.signatory.idNumber]
          $0.conclusion = "所测项目符合排放标准"
          $0.document = .with { $0.sha256 = reportDigest }
        }
      }
    }
  }
}
