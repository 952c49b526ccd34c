import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LIMSSimulation
import ProtoCodec
import Services

/// The bureau's side of the year, after the laboratories have filed it: officers decide on the
/// off-site checks' findings, commit and reveal a draw, record inspections (one with a public
/// notice), evaluate the year with the loaded indicator system, put it to publicity, take one
/// objection from an agency and uphold it, publish, and rate one agency E directly (Art. 16).
/// Everything through the API as any officer's client would; each step waits for the server's
/// clock where the Measures set a date (publicity's 15 working days).
struct Bureau {
  let officer: Connection
  let agencies: [(SimulatedAgency, Connection)]
  let clock: ServerClockEstimate
  let year: Int
  let seed: UInt64

  var inspection: Cqmon_V1_InspectionService.Client<HTTP2Transport> { .init(wrapping: officer.client) }
  var credit: Cqmon_V1_CreditService.Client<HTTP2Transport> { .init(wrapping: officer.client) }
  typealias HTTP2Transport = HTTP2ClientTransport.Posix

  static let steps = [
    "decisions on findings", "the draw", "inspections", "evaluation", "publicity", "an objection", "the objection decided", "publication", "a direct E",
  ]

  func run() async throws {
    var step = 0
    func begin(_ detail: String = "") {
      step += 1
      let filled = 3 * step
      FileHandle.standardError.write(Data(
        "lims-sim: bureau [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: 3 * Self.steps.count - filled))] \(step)/\(Self.steps.count) \(Self.steps[step - 1])\(detail.isEmpty ? "" : ": " + detail)\n".utf8))
    }

    // The work on a year begins once it is over (the evaluation reads all of it).
    try await waitForServer(until: CalendarDate(year: year + 1, month: 1, day: 1)!)

    // 1. Every open finding decided: most confirmed (verified evidence for the rating), a share
    // dismissed on review, the rest left open.
    let decided = try await decideFindings()
    begin("\(decided.confirmed) confirmed, \(decided.dismissed) dismissed, \(decided.open) left open")

    // 2. The draw for the coming month, among inspectors with no conflict: committed, then
    // planned from the revealed seed.
    let inspectors = try await addInspectors()
    let today = serverDay()
    let commitment = try await inspection.commitDrawSeed(.with {
      $0.requestId = "bureau-seed-\(year)"; $0.period = .with { $0.start = date(today); $0.end = date(today.adding(days: 30)) }
    })
    clock.observe(commitment.receipt)
    let plan = try await inspection.planInspections(.with { $0.requestId = "bureau-plan-\(year)"; $0.commitmentId = commitment.commitmentId })
    begin("\(plan.drawn.count) of \(plan.candidates.count) agencies drawn")

    // 3. Inspections of the drawn agencies (or the first, if none was drawn); the first one's
    // problems are given a public notice (Art. 9(1)).
    var inspected = plan.drawn.map(\.creditCode)
    if inspected.isEmpty { inspected = [agencies[0].0.creditCode] }
    for (index, code) in inspected.prefix(3).enumerated() {
      try await inspect(code, index: index, inspectors: inspectors, day: today)
    }
    begin("\(min(inspected.count, 3)) recorded, one with a public notice")

    // 4. The year evaluated with the indicator system loaded (config/credit-indicators.yaml).
    let draft = try await credit.runEvaluation(.with { $0.requestId = "bureau-evaluate-\(year)"; $0.year = Int32(year) })
    clock.observe(draft.receipt)
    begin(draft.ratings.map { "\($0.creditCode) \(Self.letter($0.level))" }.joined(separator: ", "))

    // 5. Publicity from the next working day, 15 working days (Art. 17), on the State
    // Council's calendars; a year with none built in gets weekends only, said as its source.
    var calendars = WorkingDays.shipped
    for year in serverDay().year...(serverDay().year + 1) where calendars.calendars[year] == nil {
      do {
        let loaded = try await credit.getHolidayCalendar(.with { $0.year = Int32(year) })
        let days = { (dates: [Cqmon_V1_Date]) in Set(dates.compactMap { CalendarDate(year: Int($0.year), month: Int($0.month), day: Int($0.day)) }) }
        calendars.calendars[year] = HolidayCalendar(year: year, daysOff: days(loaded.daysOff), workingWeekendDays: days(loaded.workingWeekendDays))
      } catch let error as RPCError where error.code == .notFound {
        _ = try await credit.putHolidayCalendar(.with {
          $0.requestId = "bureau-calendar-\(year)"; $0.calendar = .with { $0.year = Int32(year); $0.source = "模拟：未载入国务院节假日通知，仅按周末计" }
        })
        calendars.calendars[year] = HolidayCalendar(year: year, daysOff: [], workingWeekendDays: [])
      }
    }
    var start = serverDay().adding(days: 1)
    while !(calendars.calendars[start.year]?.isWorkingDay(start) ?? true) { start = start.adding(days: 1) }
    let publicity = try await credit.startPublicity(.with {
      $0.requestId = "bureau-publicity-\(year)"; $0.evaluationId = draft.evaluationId; $0.startsOn = date(start)
    })
    clock.observe(publicity.receipt)
    guard let last = publicity.publicity?.end, let end = CalendarDate(year: Int(last.year), month: Int(last.month), day: Int(last.day)) else {
      throw ValidationError("StartPublicity answered without its window")
    }
    begin("\(start) to \(end)")

    // 6. The agency rated lowest objects, once the window is open.
    try await waitForServer(until: start)
    let lowest = draft.ratings.filter { $0.level != .e }.max { $0.level.rawValue < $1.level.rawValue }
    guard let lowest, let objector = agencies.first(where: { $0.0.creditCode == lowest.creditCode }) else {
      throw ValidationError("the evaluation rated no simulated agency")
    }
    let objection = try await Cqmon_V1_CreditService.Client(wrapping: objector.1.client).fileObjection(.with {
      $0.requestId = "bureau-objection-\(year)"; $0.evaluationId = draft.evaluationId; $0.creditCode = lowest.creditCode
      $0.grounds = "扣分所依据的一项现场问题已于当年整改并经复查确认，请予复核。"
    })
    begin("\(lowest.creditCode) objects to \(Self.letter(lowest.level))")

    // 7. Investigated and upheld: the level one better.
    let better = Cqmon_V1_CreditLevel(rawValue: max(1, lowest.level.rawValue - 1)) ?? lowest.level
    _ = try await credit.resolveObjection(.with {
      $0.requestId = "bureau-resolve-\(year)"; $0.objectionId = objection.objectionId; $0.outcome = .upheld; $0.reviewedLevel = better
      $0.decision = "经核实整改属实，复核为 \(Self.letter(better))"
    })
    begin("upheld: \(Self.letter(better))")

    // 8. Published once the window has closed (Art. 19).
    try await waitForServer(until: end.adding(days: 1))
    let bulletin = try await credit.publishRatings(.with { $0.requestId = "bureau-publish-\(year)"; $0.evaluationId = draft.evaluationId })
    begin("\(bulletin.ratings.count) ratings signed by \(bulletin.keyId)")

    // 9. Art. 16(4): fake data punished: the last agency is rated E at once, its published
    // rating revoked, and it leaves the registry.
    let target = agencies[agencies.count - 1].0.creditCode
    let evidence = try await upload("行政处罚决定书（模拟）\(target)")
    let direct = try await credit.triggerLevelE(.with {
      $0.requestId = "bureau-direct-e-\(target)"; $0.creditCode = target; $0.art16Case = Cqmon_V1_Art16Case(rawValue: 4)
      $0.decidedOn = date(serverDay()); $0.description = "监测数据弄虚作假，已受行政处罚（模拟）"; $0.evidence = [.with { $0.sha256 = evidence }]
    })
    begin("\(target) rated \(Self.letter(direct.level)) for \(direct.year)")
  }

  // MARK: - Steps

  func decideFindings() async throws -> (confirmed: Int, dismissed: Int, open: Int) {
    var open: [Cqmon_V1_Finding] = []
    var token = ""
    repeat {
      let page = try await inspection.listFindings(.with { $0.status = "open"; $0.pageSize = 1000; $0.pageToken = token })
      open += page.findings
      token = page.nextPageToken
    } while !token.isEmpty
    var confirmed = 0, dismissed = 0
    for finding in open {
      // The same findings get the same decisions on every run with the same seed.
      let draw = (IDSequence.finding.number(of: finding.findingId) ?? 0) &* 2_654_435_761 &+ Int64(seed)
      switch abs(draw) % 10 {
      case 0..<6:
        _ = try await inspection.decideFinding(.with {
          $0.requestId = "bureau-decide-\(finding.findingId)"; $0.findingId = finding.findingId; $0.decision = .confirm
          $0.reason = "经核查属实"
        })
        confirmed += 1
      case 6..<8:
        _ = try await inspection.decideFinding(.with {
          $0.requestId = "bureau-decide-\(finding.findingId)"; $0.findingId = finding.findingId; $0.decision = .dismiss
          $0.reason = "经核查，机构提供的原始记录可以说明情况"
        })
        dismissed += 1
      default:
        break
      }
    }
    return (confirmed, dismissed, open.count - confirmed - dismissed)
  }

  func addInspectors() async throws -> [String] {
    var ids: [String] = []
    for (index, name) in ["陈明", "刘洋", "赵静", "孙磊"].enumerated() {
      let badge = "CQ-SIM-\(index + 1)"
      let inspectors = try await inspection.listInspectors(.with { $0.pageSize = 1000 }).inspectors
      if let existing = inspectors.first(where: { $0.badgeNumber == badge }) {
        ids.append(existing.inspectorId)
        continue
      }
      let added = try await inspection.addInspector(.with { $0.requestId = "bureau-inspector-\(index)"; $0.name = name; $0.badgeNumber = badge })
      ids.append(added.inspectorId)
    }
    return ids
  }

  func inspect(_ code: String, index: Int, inspectors: [String], day: CalendarDate) async throws {
    let filing = Cqmon_V1_FilingService.Client(wrapping: officer.client)
    let activities = try await filing.listActivities(.with { $0.creditCode = code; $0.pageSize = 1 }).activities
    let district = agencies.first { $0.0.creditCode == code }?.0.district.code ?? "500103"
    _ = try await inspection.recordInspection(.with {
      $0.requestId = "bureau-inspection-\(year)-\(code)"; $0.creditCode = code; $0.districtCode = district; $0.inspectedOn = date(day)
      $0.methods = [.onSite, .recordCopying]; $0.items = [.sampling, .reports]; $0.activityIds = activities.prefix(1).map(\.activityId)
      $0.inspectorIds = Array(inspectors.prefix(2)); $0.summary = "随机抽查：现场检查采样与报告"
      $0.findings = [.with { $0.category = .qualityControl; $0.description = "平行样比例低于方法标准要求" }]
      if index == 0 { $0.measures = [.with { $0.kind = .publicNotice; $0.takenOn = date(day); $0.note = "对质量控制问题予以公开通报" }] }
    })
  }

  func upload(_ text: String) async throws -> String {
    try await Cqmon_V1_DocumentService.Client(wrapping: officer.client).upload(requestProducer: { writer in
      try await writer.write(.with { $0.metadata = .with { $0.requestId = "bureau-doc-\(text.hashValue)"; $0.fileName = "decision.txt"; $0.mediaType = "text/plain" } })
      try await writer.write(.with { $0.chunk = Array(text.utf8) })
    }).sha256
  }

  // MARK: - The server's clock

  func serverDay() -> CalendarDate {
    CalendarDate(chinaDayOf: clock.now())
  }

  /// Waits until the server's day is `day` or later (on a fast development clock, moments).
  func waitForServer(until day: CalendarDate) async throws {
    while serverDay() < day {
      if clock.now() >= Date().addingTimeInterval(-60) {
        throw ValidationError("the server's clock has caught up with real time before \(day): start the demo further back")
      }
      try await Task.sleep(for: .milliseconds(50))
    }
  }

  /// `B` for `CREDIT_LEVEL_B`.
  static func letter(_ level: Cqmon_V1_CreditLevel) -> String {
    "\(level)".replacingOccurrences(of: "CREDIT_LEVEL_", with: "")
  }

  func date(_ day: CalendarDate) -> Cqmon_V1_Date {
    .with { $0.year = Int32(day.year); $0.month = Int32(day.month); $0.day = Int32(day.day) }
  }
}
