import Foundation

/// The Art. 9 categories a finding falls under (the values of `cqmon.v1.FindingCategory`).
public enum FindingCategory: Int, Codable, Sendable {
  case unspecified = 0
  /// Art. 9(1)1: irregular process or wrong standard affecting the validity of data.
  case irregularProcess = 1
  /// Art. 9(1)2: insufficient capability (staff, equipment, premises).
  case insufficientCapability = 2
  /// Art. 9(1)3: quality control not matching requirements.
  case qualityControl = 3
  /// Art. 9(1)4: refusing supervision.
  case refusingSupervision = 4
  /// Art. 9(1)5: breaching Art. 4 or 5.
  case registryBreach = 5
  /// Art. 9(1)6: other conduct harming objectivity or impartiality.
  case otherImpartiality = 6
  /// Art. 9(2): suspected fake or untrue data.
  case suspectedFalsification = 7
}

/// One rule of the off-site checks (Art. 8(1)): a stable id that findings and dashboards name,
/// the Art. 9 category it falls under, and what it says.
public struct CheckRule: Sendable, Hashable {
  public let id: String
  public let category: FindingCategory
  public let article: String
  public let summary: String
}

/// What one rule found in one activity: the rule, a one-line explanation, and the evidence —
/// the paths of the fields involved in the filed activity.
public struct CheckFinding: Sendable, Equatable {
  public let rule: CheckRule
  public let explanation: String
  public let fields: [String]
}

/// The off-site checks that read one activity against the agency's registry record as it stood
/// on the day of each step (Art. 8(1), 9). A plausible activity that breaks a rule is accepted
/// and these raise findings on it: the evidence the bureau needs, the agency answering for what
/// it filed (Art. 4). Checks across activities (one person in two places, instruments over
/// capacity, reused sample ids, copied results) read the store and live beside these.
public enum OffSiteChecks {
  public static let cmaScope = CheckRule(
    id: "CMA_SCOPE", category: .irregularProcess, article: "Art. 9(1)1, 5",
    summary: "a parameter and method standard outside the agency's CMA scope, or analysed after the certificate expired")
  public static let instrumentNotListed = CheckRule(
    id: "INSTRUMENT_NOT_LISTED", category: .insufficientCapability, article: "Art. 9(1)2",
    summary: "an instrument not on the agency's equipment list")
  public static let calibrationLapsed = CheckRule(
    id: "INSTRUMENT_CALIBRATION_LAPSED", category: .qualityControl, article: "Art. 9(1)3",
    summary: "an instrument used after its calibration had lapsed")
  public static let staffNotListed = CheckRule(
    id: "STAFF_NOT_LISTED", category: .insufficientCapability, article: "Art. 9(1)2",
    summary: "a sampler or analyst not on the agency's staff list with that role")
  public static let signatoryNotAuthorised = CheckRule(
    id: "SIGNATORY_NOT_AUTHORISED", category: .registryBreach, article: "Art. 9(1)5",
    summary: "a report signed by someone who is not an authorised signatory")
  public static let singleSampler = CheckRule(
    id: "SINGLE_SAMPLER", category: .irregularProcess, article: "Art. 9(1)1",
    summary: "sampling by fewer than two people")
  public static let analysisBeforeSampling = CheckRule(
    id: "ANALYSIS_BEFORE_SAMPLING", category: .suspectedFalsification, article: "Art. 9(2)",
    summary: "an analysis that began before its sample was taken")
  public static let holdingTimeExceeded = CheckRule(
    id: "HOLDING_TIME_EXCEEDED", category: .irregularProcess, article: "Art. 9(1)1",
    summary: "a sample analysed after the maximum holding time of its parameter under its method standard")
  public static let reportBeforeAnalysis = CheckRule(
    id: "REPORT_BEFORE_ANALYSIS", category: .suspectedFalsification, article: "Art. 9(2)",
    summary: "a report issued before its last analysis ended")

  public static let lateFiling = CheckRule(
    id: "LATE_FILING", category: .otherImpartiality, article: "Art. 9(1)6",
    summary: "a filing that arrived long after its report was issued")
  public static let amendedAfterReport = CheckRule(
    id: "AMENDED_AFTER_REPORT", category: .otherImpartiality, article: "Art. 9(1)6",
    summary: "an activity amended after its report was issued")

  /// The rules applied to each activity on its own.
  public static let rules = [
    cmaScope, instrumentNotListed, calibrationLapsed, staffNotListed, signatoryNotAuthorised, singleSampler,
    analysisBeforeSampling, holdingTimeExceeded, reportBeforeAnalysis, lateFiling, amendedAfterReport,
  ]

  /// When a filing came, against its report: more than `lateAfterDays` after the report was
  /// issued (the seed sets no deadline; 30 days by default), or an amendment once it was.
  public static func timing(
    _ content: ActivityContent, filedOn: CalendarDate, amendment: Bool, lateAfterDays: Int, prefix: String = "activity"
  ) -> [CheckFinding] {
    guard let issued = content.report?.issuedOn else { return [] }
    var found = Findings(prefix: prefix)
    if amendment {
      found.add(amendedAfterReport, subject: "report", "amended on \(filedOn), after report \(content.report?.reportNumber ?? "") was issued on \(issued)", "report.issued_on")
    } else if filedOn.dayNumber - issued.dayNumber > lateAfterDays {
      found.add(lateFiling, subject: "report",
                "filed on \(filedOn), \(filedOn.dayNumber - issued.dayNumber) days after its report was issued on \(issued) (more than \(lateAfterDays))",
                "report.issued_on")
    }
    return found.all
  }

  /// The day in China of an instant.
  static func day(_ instant: Date) -> CalendarDate {
    CalendarDate(chinaTimeOf: Int64(instant.timeIntervalSince1970.rounded(.down)))
  }

  /// Every finding of the per-activity rules, one per rule and subject (an instrument, a person,
  /// a parameter…) with every field where it occurs. `record` gives the agency's registry
  /// record as it stood on a day (nil when it was not listed). Assumes a validated activity.
  public static func check(
    _ content: ActivityContent, record: (CalendarDate) -> ApplicationMaterials?, prefix: String = "activity"
  ) -> [CheckFinding] {
    var found = Findings(prefix: prefix)
    for (index, event) in content.samplingEvents.enumerated() {
      let at = "sampling_events[\(index)]"
      if Set(event.samplerIDNumbers).count < 2 {
        found.add(singleSampler, subject: at, "sampling event \(event.eventID) was done by \(Set(event.samplerIDNumbers).count) sampler(s), not two", at + ".sampler_id_numbers")
      }
      guard let started = event.startedAt else { continue }
      let materials = record(day(started))
      for (number, id) in event.samplerIDNumbers.enumerated() where !(materials?.hasStaff(id, role: .sampler) ?? false) {
        found.add(staffNotListed, subject: "sampler " + id, "sampler \(ResidentID.masked(id)) is not on the staff list as a sampler on \(day(started))",
                  at + ".sampler_id_numbers[\(number)]")
      }
    }
    var lastAnalysisEnd: Date?
    for (index, analysis) in content.analyses.enumerated() {
      let at = "analyses[\(index)]"
      guard let started = analysis.startedAt else { continue }
      if let ended = analysis.endedAt, ended > (lastAnalysisEnd ?? .distantPast) { lastAnalysisEnd = ended }
      let on = day(started)
      let materials = record(on)
      scope(analysis, at: at, on: on, certificate: materials?.cmaCertificate, into: &found)
      if let equipment = materials?.equipment.first(where: { $0.equipmentId == analysis.instrumentID }) {
        if let validUntil = equipment.calibrationValidUntil, validUntil < on {
          found.add(calibrationLapsed, subject: "instrument " + analysis.instrumentID,
                    "instrument \(analysis.instrumentID) was used on \(on), after its calibration lapsed on \(validUntil)", at + ".instrument_id")
        }
      } else {
        found.add(instrumentNotListed, subject: "instrument " + analysis.instrumentID,
                  "instrument \(analysis.instrumentID) is not on the equipment list on \(on)", at + ".instrument_id")
      }
      if !(materials?.hasStaff(analysis.analystIDNumber, role: .analyst) ?? false) {
        found.add(staffNotListed, subject: "analyst " + analysis.analystIDNumber,
                  "analyst \(ResidentID.masked(analysis.analystIDNumber)) is not on the staff list as an analyst on \(on)", at + ".analyst_id_number")
      }
      if let sampled = content.event(of: analysis.sampleID)?.startedAt, started < sampled {
        found.add(analysisBeforeSampling, subject: at,
                  "the analysis of sample \(analysis.sampleID) began at \(Timestamps.format(started)), before sampling began at \(Timestamps.format(sampled))",
                  at + ".started_at")
      }
      // Held from the end of the sampling event that took it (the agency's benefit of the doubt).
      if let collected = content.event(of: analysis.sampleID)?.endedAt,
        let limit = HoldingTime.limit(parameter: analysis.parameter, method: analysis.methodStandard),
        started.timeIntervalSince(collected) > limit.maximum
      {
        let hours = started.timeIntervalSince(collected) / 3600
        found.add(holdingTimeExceeded, subject: at,
                  String(format: "sample %@ was analysed for %@ %.1f h after it was collected; %@ allows %.0f h (%@)",
                         analysis.sampleID, analysis.parameter, hours, limit.method, limit.maximum / 3600, limit.source),
                  at + ".started_at")
      }
    }
    if let report = content.report, let issued = report.issuedOn {
      let materials = record(issued)
      let authorised = Set((materials?.keyPersonnel?.authorisedSignatories ?? []).map(\.idNumber))
      for (index, id) in report.signatoryIDNumbers.enumerated() where !authorised.contains(id) {
        found.add(signatoryNotAuthorised, subject: "signatory " + id,
                  "signatory \(ResidentID.masked(id)) is not an authorised signatory on \(issued)", "report.signatory_id_numbers[\(index)]")
      }
      if let last = lastAnalysisEnd, issued < day(last) {
        found.add(reportBeforeAnalysis, subject: "report",
                  "report \(report.reportNumber) was issued on \(issued), before the last analysis ended on \(day(last))", "report.issued_on")
      }
    }
    return found.all
  }

  private static func scope(_ analysis: Analysis, at: String, on: CalendarDate, certificate: CmaCertificate?, into found: inout Findings) {
    guard let certificate, (certificate.validUntil.map { on <= $0 } ?? false) else {
      found.add(cmaScope, subject: "certificate", "no CMA certificate was valid on \(on)", at + ".method_standard")
      return
    }
    let method = MethodStandard.normalised(analysis.methodStandard)
    let subject = "scope \(analysis.parameter) \(method ?? analysis.methodStandard)"
    let covered = certificate.scope.contains { $0.parameter == analysis.parameter && MethodStandard.normalised($0.methodStandard) == method }
    if !covered {
      found.add(cmaScope, subject: subject,
                "\(analysis.parameter) by \(method ?? analysis.methodStandard) is not in CMA certificate \(certificate.number)'s scope on \(on)",
                at + ".parameter", at + ".method_standard")
    }
  }

  /// Findings grouped by rule and subject, in the order first found.
  struct Findings {
    let prefix: String
    private var order: [String] = []
    private var grouped: [String: (rule: CheckRule, explanation: String, fields: [String])] = [:]

    init(prefix: String) {
      self.prefix = prefix
    }

    mutating func add(_ rule: CheckRule, subject: String, _ explanation: String, _ fields: String...) {
      let key = rule.id + "|" + subject
      let paths = fields.map { prefix.isEmpty ? $0 : prefix + "." + $0 }
      if grouped[key] == nil {
        order.append(key)
        grouped[key] = (rule, explanation, paths)
      } else {
        grouped[key]!.fields += paths
      }
    }

    var all: [CheckFinding] {
      order.map { key in
        let group = grouped[key]!
        let more = group.fields.count > 1 ? " (and \(group.fields.count - 1) more place(s))" : ""
        return CheckFinding(rule: group.rule, explanation: group.explanation + more, fields: group.fields)
      }
    }
  }
}

extension ApplicationMaterials {
  /// Whether the staff list names the person with the role.
  func hasStaff(_ idNumber: String, role: StaffMember.Role) -> Bool {
    staff.contains { $0.person?.idNumber == idNumber && $0.roles.contains(role) }
  }
}
