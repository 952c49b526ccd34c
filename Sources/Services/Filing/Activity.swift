import Foundation

/// A monitoring activity as an agency's LIMS files it (Art. 4(2)): the client, the key-process
/// information of sampling and analysis, and the report. Plain values, kept as filed; the
/// validator refuses what cannot be an activity, the off-site checks raise findings on what
/// breaks a rule.
public struct ActivityContent: Codable, Sendable, Equatable {
  public var client: ClientInfo?
  public var purpose: MonitoringPurpose = .unspecified
  public var projectNumber = ""
  public var samplingEvents: [SamplingEvent] = []
  public var analyses: [Analysis] = []
  public var report: ReportInfo?

  public init() {}

  /// Every district where a sample was taken: a district bureau's view of the activity (Art. 7).
  public var districtCodes: [String] {
    Array(Set(samplingEvents.map(\.districtCode))).sorted()
  }

  /// The sampling event that took `sampleID`, if any.
  public func event(of sampleID: String) -> SamplingEvent? {
    samplingEvents.first { $0.sampleIDs.contains(sampleID) }
  }
}

/// What the monitoring is for.
public enum MonitoringPurpose: Int, Codable, Sendable {
  case unspecified = 0, selfMonitoring, impactAssessment, completionAcceptance, governmentCommissioned
  case operationMaintenance, laboratoryOnly, other
}

/// Who commissioned the monitoring (委托单位).
public struct ClientInfo: Codable, Sendable, Equatable {
  public var name = ""
  public var creditCode = ""
  public var contactName = ""
  public var contactPhone = ""
  public var address = ""
  public var contractNumber = ""

  public init() {}
}

/// A place, in degrees.
public struct GeoPoint: Codable, Sendable, Equatable {
  public var latitude: Double
  public var longitude: Double

  public init(latitude: Double, longitude: Double) {
    self.latitude = latitude
    self.longitude = longitude
  }

  /// Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km).
  public func kilometres(to other: GeoPoint) -> Double {
    let radians = Double.pi / 180
    let dLat = (other.latitude - latitude) * radians
    let dLon = (other.longitude - longitude) * radians
    let a = sin(dLat / 2) * sin(dLat / 2) + cos(latitude * radians) * cos(other.latitude * radians) * sin(dLon / 2) * sin(dLon / 2)
    return 2 * 6371.0088 * asin(min(1, sqrt(a)))
  }

  /// At least `kilometres(to:)`, without trigonometry: the straight line between the two on a
  /// map whose parallels are all as long as the equator. The sphere shrinks every length of
  /// that map, so the line's image on it is a path at most this long, and the great circle no
  /// longer; at Chongqing's latitudes it overestimates by 1/cos 32° (18 %) at most.
  public func kilometresAtMost(to other: GeoPoint) -> Double {
    let dLat = other.latitude - latitude, dLon = other.longitude - longitude
    return 6371.0088 * (dLat * dLat + dLon * dLon).squareRoot() * Double.pi / 180
  }
}

/// One sampling event: who took which samples, where and when.
public struct SamplingEvent: Codable, Sendable, Equatable {
  public var eventID = ""
  public var startedAt: Date?
  public var endedAt: Date?
  public var siteName = ""
  public var districtCode = ""
  public var location: GeoPoint?
  public var medium = ""
  public var samplerIDNumbers: [String] = []
  public var sampleIDs: [String] = []
  public var records: [DocumentRef] = []

  public init() {}
}

/// One analysis of one sample for one parameter.
public struct Analysis: Codable, Sendable, Equatable {
  public var sampleID = ""
  public var parameter = ""
  public var methodStandard = ""
  public var analystIDNumber = ""
  public var instrumentID = ""
  public var startedAt: Date?
  public var endedAt: Date?
  public var result = ""
  public var unit = ""
  public var detectionLimit = ""
  public var rawRecord: DocumentRef?

  public init() {}
}

/// The monitoring report.
public struct ReportInfo: Codable, Sendable, Equatable {
  public var reportNumber = ""
  public var issuedOn: CalendarDate?
  public var signatoryIDNumbers: [String] = []
  public var conclusion = ""
  public var document: DocumentRef?

  public init() {}
}

/// Chongqing's extent, for refusing coordinates that cannot be a place in the city (the
/// municipality lies within about 28.16–32.21° N, 105.28–110.19° E).
public enum ChongqingBounds {
  public static let latitude = 28.16...32.21
  public static let longitude = 105.28...110.19

  public static func contains(_ point: GeoPoint) -> Bool {
    latitude.contains(point.latitude) && longitude.contains(point.longitude)
  }
}
