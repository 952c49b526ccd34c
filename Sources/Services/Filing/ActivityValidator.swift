import Foundation

/// What cannot be a monitoring activity at all, refused with INVALID_ARGUMENT and every field at
/// fault: missing or malformed fields, a district that is not Chongqing's, coordinates outside
/// the city, instants that cannot be real (sampling or analysis in the future, an end before its
/// start), an analysis of a sample the activity never took. What is a plausible activity that
/// breaks a rule is not refused here: the off-site checks (`OffSiteChecks`) raise findings on it.
public struct ActivityValidator: Sendable {
  /// The instant the filing arrives; nothing filed may have happened after it.
  public let now: Date
  /// Clock skew allowed between a LIMS and the server.
  public static let clockTolerance: TimeInterval = 300

  public init(now: Date) {
    self.now = now
  }

  public struct Result: Sendable {
    public let violations: [FieldViolation]
    /// Every document referred to, by path: each must have been uploaded by the filer.
    public let documents: [(field: String, sha256: String)]
  }

  public func validate(_ content: ActivityContent?, prefix: String = "activity") -> Result {
    var check = Check(latest: now.addingTimeInterval(Self.clockTolerance), prefix: prefix)
    guard let content else {
      check.violations.add(prefix, "the activity is required", reason: "REQUIRED")
      return Result(violations: check.violations.all, documents: [])
    }
    check.client(content.client)
    if content.purpose == .unspecified {
      check.violations.add(check.path("purpose"), "the purpose of the monitoring is required", reason: "REQUIRED")
    }
    check.text(content.projectNumber, at: "project_number", max: 64, what: "the project number")
    let samples = check.events(content.samplingEvents, laboratoryOnly: content.purpose == .laboratoryOnly)
    check.analyses(content.analyses, samples: samples, laboratoryOnly: content.purpose == .laboratoryOnly)
    check.report(content.report)
    return Result(violations: check.violations.all, documents: check.documents)
  }

  /// The working state of one validation.
  struct Check {
    let latest: Date
    let prefix: String
    var violations = Violations()
    var documents: [(field: String, sha256: String)] = []

    func path(_ field: String) -> String { prefix.isEmpty ? field : prefix + "." + field }

    mutating func text(_ value: String, at field: String, max: Int, what: String) {
      violations.required(path(field), value, what: what)
      violations.length(path(field), value, max: max, what: what)
    }

    mutating func client(_ client: ClientInfo?) {
      guard let client else {
        violations.add(path("client"), "the client is required", reason: "REQUIRED")
        return
      }
      text(client.name, at: "client.name", max: 200, what: "the client's name")
      if !client.creditCode.isEmpty {
        do {
          _ = try CreditCode(validating: client.creditCode)
        } catch {
          violations.add(path("client.credit_code"), "the client's credit code: \(error)", reason: error.reason)
        }
      }
      let phone = client.contactPhone
      if phone.count > 32 || !phone.allSatisfy({ $0.isASCII && ($0.isNumber || " +-".contains($0)) }) {
        violations.add(path("client.contact_phone"), "a telephone number is digits, spaces, + and -, at most 32", reason: "PHONE")
      }
      violations.length(path("client.address"), client.address, max: 200, what: "the client's address")
      violations.length(path("client.contract_number"), client.contractNumber, max: 64, what: "the contract number")
    }

    /// The instants of one step: both required, the end not before the start, neither in the future.
    mutating func interval(_ started: Date?, _ ended: Date?, at field: String, what: String) {
      guard let started else {
        violations.add(path(field + ".started_at"), "when \(what) began is required", reason: "REQUIRED")
        return
      }
      if started > latest {
        violations.add(path(field + ".started_at"), "\(what) cannot have begun in the future (\(Timestamps.format(started)))", reason: "IN_FUTURE")
      }
      guard let ended else {
        violations.add(path(field + ".ended_at"), "when \(what) ended is required", reason: "REQUIRED")
        return
      }
      if ended < started {
        violations.add(path(field + ".ended_at"), "\(what) cannot end before it began", reason: "END_BEFORE_START")
      } else if ended > latest {
        violations.add(path(field + ".ended_at"), "\(what) cannot have ended in the future (\(Timestamps.format(ended)))", reason: "IN_FUTURE")
      }
    }

    mutating func person(_ idNumber: String, at field: String, what: String) {
      do {
        _ = try ResidentID(validating: idNumber)
      } catch {
        violations.add(path(field), "\(what): \(error)", reason: error.reason)
      }
    }

    mutating func document(_ document: DocumentRef?, at field: String, required: Bool, what: String) {
      if let digest = violations.document(document, at: path(field), required: required, what: what) {
        documents.append((path(field + ".sha256"), digest))
      }
    }

    /// The sampling events; returns the sample ids they took.
    mutating func events(_ events: [SamplingEvent], laboratoryOnly: Bool) -> Set<String> {
      if events.isEmpty && !laboratoryOnly {
        violations.add(path("sampling_events"), "at least one sampling event is required (or the purpose LABORATORY_ONLY)", reason: "REQUIRED")
      }
      var eventIDs = Set<String>()
      var samples = Set<String>()
      for (index, event) in events.enumerated() {
        let at = "sampling_events[\(index)]"
        text(event.eventID, at: at + ".event_id", max: 64, what: "the event id")
        if !event.eventID.isEmpty, !eventIDs.insert(event.eventID).inserted {
          violations.add(path(at + ".event_id"), "event id \(event.eventID) is used twice in this activity", reason: "DUPLICATE")
        }
        interval(event.startedAt, event.endedAt, at: at, what: "sampling")
        text(event.siteName, at: at + ".site_name", max: 200, what: "the site")
        if District.named(event.districtCode) == nil {
          violations.add(path(at + ".district_code"), "'\(event.districtCode)' is not a district or county code of Chongqing", reason: "DISTRICT_UNKNOWN")
        }
        if let location = event.location {
          if !ChongqingBounds.contains(location) {
            violations.add(
              path(at + ".location"), "(\(location.latitude), \(location.longitude)) is outside Chongqing (about 28.16–32.21° N, 105.28–110.19° E)",
              reason: "OUTSIDE_CHONGQING")
          }
        } else {
          violations.add(path(at + ".location"), "the sampling place's coordinates are required", reason: "REQUIRED")
        }
        text(event.medium, at: at + ".medium", max: 64, what: "the medium")
        if event.samplerIDNumbers.isEmpty {
          violations.add(path(at + ".sampler_id_numbers"), "the samplers are required", reason: "REQUIRED")
        }
        for (number, id) in event.samplerIDNumbers.enumerated() {
          person(id, at: at + ".sampler_id_numbers[\(number)]", what: "a sampler")
        }
        for (number, sample) in event.sampleIDs.enumerated() {
          text(sample, at: at + ".sample_ids[\(number)]", max: 64, what: "a sample id")
          if !sample.isEmpty, !samples.insert(sample).inserted {
            violations.add(path(at + ".sample_ids[\(number)]"), "sample id \(sample) is used twice in this activity", reason: "DUPLICATE")
          }
        }
        for (number, record) in event.records.enumerated() {
          document(record, at: at + ".records[\(number)]", required: true, what: "a record")
        }
      }
      return samples
    }

    mutating func analyses(_ analyses: [Analysis], samples: Set<String>, laboratoryOnly: Bool) {
      if analyses.isEmpty { violations.add(path("analyses"), "at least one analysis is required", reason: "REQUIRED") }
      for (index, analysis) in analyses.enumerated() {
        let at = "analyses[\(index)]"
        text(analysis.sampleID, at: at + ".sample_id", max: 64, what: "the sample")
        if !analysis.sampleID.isEmpty, !laboratoryOnly, !samples.contains(analysis.sampleID) {
          violations.add(path(at + ".sample_id"), "no sampling event of this activity took sample \(analysis.sampleID)", reason: "UNKNOWN_SAMPLE")
        }
        text(analysis.parameter, at: at + ".parameter", max: 100, what: "the parameter")
        if MethodStandard.normalised(analysis.methodStandard) == nil {
          violations.add(path(at + ".method_standard"), "'\(analysis.methodStandard)' is not a method standard number like HJ 828-2017", reason: "METHOD_STANDARD")
        }
        person(analysis.analystIDNumber, at: at + ".analyst_id_number", what: "the analyst")
        text(analysis.instrumentID, at: at + ".instrument_id", max: 64, what: "the instrument")
        interval(analysis.startedAt, analysis.endedAt, at: at, what: "the analysis")
        text(analysis.result, at: at + ".result", max: 64, what: "the result")
        if analysis.result.uppercased() != "ND" { text(analysis.unit, at: at + ".unit", max: 32, what: "the unit") }
        document(analysis.rawRecord, at: at + ".raw_record", required: false, what: "the raw record")
      }
    }

    mutating func report(_ report: ReportInfo?) {
      guard let report else {
        violations.add(path("report"), "the report is required", reason: "REQUIRED")
        return
      }
      text(report.reportNumber, at: "report.report_number", max: 64, what: "the report number")
      if let issued = report.issuedOn {
        if issued > CalendarDate(chinaTimeOf: Int64(latest.timeIntervalSince1970.rounded(.down))) {
          violations.add(path("report.issued_on"), "the report cannot have been issued in the future (\(issued))", reason: "IN_FUTURE")
        }
      } else {
        violations.add(path("report.issued_on"), "the day the report was issued is required", reason: "REQUIRED")
      }
      if report.signatoryIDNumbers.isEmpty {
        violations.add(path("report.signatory_id_numbers"), "at least one signatory is required", reason: "REQUIRED")
      }
      for (index, id) in report.signatoryIDNumbers.enumerated() {
        person(id, at: "report.signatory_id_numbers[\(index)]", what: "a signatory")
      }
      text(report.conclusion, at: "report.conclusion", max: 2000, what: "the conclusion")
      document(report.document, at: "report.document", required: true, what: "the report")
    }
  }
}
