import Foundation

/// The facts of an activity that other activities are checked against, kept in index tables
/// so that each cross-activity check is an indexed lookup (by person, instrument, sample id or
/// result series), never a scan: who sampled where and when, which instrument ran when, which
/// sample ids, which series of results.
public struct ActivityFacts: Sendable, Equatable {
  public struct Sampling: Sendable, Equatable {
    public var idNumber: String
    public var startedAt: Date
    public var endedAt: Date
    public var location: GeoPoint
    /// Where it is in the filed activity (not stored).
    public var field = ""

    public init(idNumber: String, startedAt: Date, endedAt: Date, location: GeoPoint, field: String = "") {
      self.idNumber = idNumber
      self.startedAt = startedAt
      self.endedAt = endedAt
      self.location = location
      self.field = field
    }
  }

  public struct InstrumentUse: Sendable, Equatable {
    public var instrumentID: String
    public var startedAt: Date
    public var endedAt: Date
    /// Where it is in the filed activity (not stored).
    public var field = ""

    public init(instrumentID: String, startedAt: Date, endedAt: Date, field: String = "") {
      self.instrumentID = instrumentID
      self.startedAt = startedAt
      self.endedAt = endedAt
      self.field = field
    }
  }

  public var samplings: [Sampling] = []
  public var instrumentUses: [InstrumentUse] = []
  public var sampleIDs: [String] = []
  /// SHA-256 of each sample's series of non-trivial results, for samples with at least five.
  public var resultSeries: [String] = []
  /// The sample of each series (not stored).
  public var resultSeriesSamples: [String] = []

  public init() {}

  /// The facts of a (validated) activity.
  public init(_ content: ActivityContent) {
    for (index, event) in content.samplingEvents.enumerated() {
      guard let start = event.startedAt, let end = event.endedAt, let location = event.location else { continue }
      var seen = Set<String>()
      for (number, id) in event.samplerIDNumbers.enumerated() where seen.insert(id).inserted {
        samplings.append(Sampling(
          idNumber: id, startedAt: start, endedAt: end, location: location, field: "sampling_events[\(index)].sampler_id_numbers[\(number)]"))
      }
      sampleIDs += event.sampleIDs
    }
    for (index, analysis) in content.analyses.enumerated() {
      guard let start = analysis.startedAt, let end = analysis.endedAt else { continue }
      instrumentUses.append(InstrumentUse(instrumentID: analysis.instrumentID, startedAt: start, endedAt: end, field: "analyses[\(index)].instrument_id"))
    }
    // A sample's results in the order filed: parameter, result and unit; ND and zero say nothing.
    var series: [String: [String]] = [:]
    var order: [String] = []
    for analysis in content.analyses where CrossChecks.isNonTrivial(analysis.result) {
      if series[analysis.sampleID] == nil { order.append(analysis.sampleID) }
      series[analysis.sampleID, default: []].append("\(analysis.parameter)=\(analysis.result)\(analysis.unit)")
    }
    for sample in order {
      let values = series[sample] ?? []
      guard values.count >= CrossChecks.minimumSeries else { continue }
      resultSeries.append(Digest.sha256Hex(values.joined(separator: "\n")))
      resultSeriesSamples.append(sample)
    }
  }
}

/// What another activity filed: the fact that matched, whose and which.
public struct OtherSampling: Sendable, Equatable {
  public var activityID: String
  public var creditCode: String
  public var sampling: ActivityFacts.Sampling

  public init(activityID: String, creditCode: String, sampling: ActivityFacts.Sampling) {
    self.activityID = activityID
    self.creditCode = creditCode
    self.sampling = sampling
  }
}

public struct OtherInstrumentUse: Sendable, Equatable {
  public var activityID: String
  public var use: ActivityFacts.InstrumentUse

  public init(activityID: String, use: ActivityFacts.InstrumentUse) {
    self.activityID = activityID
    self.use = use
  }
}

/// Settings of the cross-activity checks, with their documented defaults.
public struct CrossCheckSettings: Sendable, Equatable {
  /// The fastest a sampler could plausibly travel between sites, km/h (great-circle distance).
  public var maximumSpeedKmh: Double = 120
  /// Analyses one instrument can run at once.
  public var instrumentCapacity: Int = 1

  public init() {}
}

/// The checks that look across activities (Art. 9(2), 9(1)2): one person in two places, a
/// person sampling for two agencies at once, an instrument over its capacity, a sample id
/// reused, the same series of results in different samples.
public enum CrossChecks {
  /// Results in a series before copying it is a finding.
  public static let minimumSeries = 5
  /// How far apart in time two sampling events can be and still be compared: Chongqing spans
  /// about 470 km, under four hours at 120 km/h, so beyond five hours no place is out of reach.
  /// (Events longer than the window are compared only from where they start.)
  public static let samplingWindow: TimeInterval = 5 * 3600
  /// The longest analysis an instrument's check looks for: an overlapping use that ran longer
  /// than this past the end of ours is not seen. A day covers the longest common runs (BOD₅
  /// incubates for five days, but not on an instrument another analysis needs).
  public static let longestAnalysis: TimeInterval = 86_400

  public static let personInTwoPlaces = CheckRule(
    id: "PERSON_IN_TWO_PLACES", category: .suspectedFalsification, article: "Art. 9(2)",
    summary: "a sampler at two sampling places too far apart for the time between them")
  public static let samplingForTwoAgencies = CheckRule(
    id: "SAMPLING_FOR_TWO_AGENCIES", category: .insufficientCapability, article: "Art. 9(1)2",
    summary: "a person sampling for two agencies at overlapping times (挂证)")
  public static let instrumentOverCapacity = CheckRule(
    id: "INSTRUMENT_OVER_CAPACITY", category: .suspectedFalsification, article: "Art. 9(2)",
    summary: "an instrument running more analyses at once than it can")
  public static let sampleReused = CheckRule(
    id: "SAMPLE_ID_REUSED", category: .suspectedFalsification, article: "Art. 9(2)",
    summary: "a sample id already used in another activity of the agency")
  public static let copiedResults = CheckRule(
    id: "COPIED_RESULTS", category: .suspectedFalsification, article: "Art. 9(2), 环发〔2015〕175号",
    summary: "the same series of results as a sample of another activity")

  public static let staffOfTwoAgencies = CheckRule(
    id: "STAFF_OF_TWO_AGENCIES", category: .insufficientCapability, article: "Art. 9(1)2",
    summary: "a sampler, analyst or signatory on the staff list of another listed agency too (挂证)")

  public static let rules = [
    personInTwoPlaces, samplingForTwoAgencies, instrumentOverCapacity, sampleReused, copiedResults, staffOfTwoAgencies,
  ]

  /// A result that says something: not "ND", not zero, not empty.
  static func isNonTrivial(_ result: String) -> Bool {
    let text = result.trimmingCharacters(in: .whitespaces)
    if text.isEmpty || text.uppercased() == "ND" { return false }
    if let value = Double(text), value == 0 { return false }
    return true
  }

  /// The findings of one sampler's event against the events filed near in time by the same
  /// person (`others`, all theirs).
  static func samplingFindings(
    _ mine: ActivityFacts.Sampling, code: String, others: [OtherSampling], settings: CrossCheckSettings, into found: inout OffSiteChecks.Findings
  ) {
    for other in others {
      let theirs = other.sampling
      let overlap = mine.startedAt < theirs.endedAt && theirs.startedAt < mine.endedAt
      var masked: String { ResidentID.masked(mine.idNumber) }
      if overlap, other.creditCode != code {
        found.add(samplingForTwoAgencies, subject: mine.idNumber + other.activityID,
                  "\(masked) sampled for agency \(other.creditCode) (activity \(other.activityID)) at the same time", mine.field)
        continue
      }
      let gap = overlap ? 0 : max(theirs.startedAt.timeIntervalSince(mine.endedAt), mine.startedAt.timeIntervalSince(theirs.endedAt))
      // Nearer than this is no finding: within a kilometre (the same site), or reachable in
      // the time between. Most pairs are, and a bound without trigonometry shows it.
      let reachable = gap <= 0 ? 1 : max(1, settings.maximumSpeedKmh * gap / 3600)
      guard mine.location.kilometresAtMost(to: theirs.location) > reachable else { continue }
      let kilometres = mine.location.kilometres(to: theirs.location)
      guard kilometres > 1 else { continue }
      let speed = gap <= 0 ? Double.infinity : kilometres / (gap / 3600)
      if speed > settings.maximumSpeedKmh {
        let how = gap <= 0 ? "at the same time" : String(format: "%.0f minutes apart (%.0f km/h needed)", gap / 60, speed)
        found.add(personInTwoPlaces, subject: mine.idNumber + other.activityID,
                  "\(masked) sampled \(String(format: "%.1f", kilometres)) km away in activity \(other.activityID), \(how)", mine.field)
      }
    }
  }

  /// The findings of one instrument use against the uses filed in other activities.
  static func instrumentFindings(
    _ mine: ActivityFacts.InstrumentUse, others: [OtherInstrumentUse], settings: CrossCheckSettings, into found: inout OffSiteChecks.Findings
  ) {
    let overlapping = others.filter { $0.use.instrumentID == mine.instrumentID && $0.use.startedAt < mine.endedAt && mine.startedAt < $0.use.endedAt }
    if overlapping.count + 1 > settings.instrumentCapacity {
      let activities = Set(overlapping.map(\.activityID)).sorted().joined(separator: ", ")
      found.add(instrumentOverCapacity, subject: mine.instrumentID,
                "instrument \(mine.instrumentID) was running analyses of \(activities) at the same time (capacity \(settings.instrumentCapacity))",
                mine.field)
    }
  }
}
