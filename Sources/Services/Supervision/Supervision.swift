import Foundation

/// The settings of supervision; docs/operations.md lists each default and docs/officers.md where it comes from.
public struct SupervisionSettings: Sendable, Equatable {
  /// A district supervises agencies with a filed sampling event there within this many months (Art. 7).
  public var jurisdictionMonths = 12
  /// A complaint verified within this many months puts its agency in the draw's COMPLAINT stratum.
  public var complaintLookbackMonths = 12
  /// Working days to decide whether to accept a complaint (provincial practice: 2–3).
  public var acceptanceWorkingDays = 3
  /// Days to conclude an accepted complaint (环境保护部令第15号: 60).
  public var conclusionDays = 60
  /// The one extension's most days (环境保护部令第15号: 30).
  public var maximumExtensionDays = 30
  /// The draw's shares of unrated agencies and of those with a verified complaint, in basis points.
  public var unratedBasisPoints = InspectionDraw.Shares.defaults.unrated
  public var complaintBasisPoints = InspectionDraw.Shares.defaults.complaint

  public init() {}
}

/// Supervision (Art. 6–12, 22): the inspectors' pool and the verifiable random draw,
/// inspections with their findings and measures, complaints, and officers' decisions on
/// findings from every source.
///
/// Every write is one store transaction that appends its audit entry and one version of the
/// record it changes (`record_version`, covered by the log); nothing is overwritten. A
/// district officer acts only within its jurisdiction (Art. 7, `requireJurisdiction`).
public final class Supervision: Sendable {
  let store: any SupervisionStore
  let signingKey: SigningKey
  let settings: SupervisionSettings
  let workingDays: WorkingDays
  let now: @Sendable () -> Date

  public init(
    store: any SupervisionStore, signingKey: SigningKey, settings: SupervisionSettings = SupervisionSettings(),
    workingDays: WorkingDays = .shipped, now: @escaping @Sendable () -> Date = Date.init
  ) {
    self.store = store
    self.signingKey = signingKey
    self.settings = settings
    self.workingDays = workingDays
    self.now = now
  }

  func today() -> CalendarDate { CalendarDate(chinaDayOf: now()) }

  /// The instant `months` months before `instant`, by China's calendar days.
  func monthsBefore(_ months: Int, _ instant: Date) -> Date {
    let day = CalendarDate(chinaDayOf: instant).adding(months: -months)
    return Date(timeIntervalSince1970: Double(day.chinaMidnight))
  }

  // MARK: - Writing a version

  /// Appends the write's audit entry and a version of record `id` holding `value`; returns it.
  func write(
    _ tx: some SupervisionTransaction, _ context: WriteContext, id: String, version: Int, _ value: some Encodable, at instant: Date
  ) async throws -> RecordVersion {
    try await tx.appendVersion(context, id: id, version: version, value, at: instant, key: signingKey)
  }

  /// A record's version decoded, NOT_FOUND when there is none.
  func read<T: Decodable>(_ type: T.Type, _ reads: some SupervisionReads, id: String, version: Int? = nil, what: String) async throws
    -> (T, RecordVersion)
  {
    guard let row = try await reads.recordVersion(id: id, version: version), let value = Registry.decode(type, row.content) else {
      throw ServiceError(.notFound, "no \(what) \(id)\(version.map { " version \($0)" } ?? "")", reason: "\(what.uppercased())_NOT_FOUND")
    }
    return (value, row)
  }

  // MARK: - Jurisdiction (Art. 7)

  /// A district officer acts only on agencies that work in its district: registered there, a
  /// sampling event filed there in the last `jurisdictionMonths`, or an open complaint or
  /// finding there. The city acts anywhere; agencies and partners never.
  func requireJurisdiction(_ viewer: Viewer, over creditCode: String, reads: some SupervisionReads, field: String = "credit_code") async throws {
    switch viewer {
    case .cityOfficer:
      return
    case .agency, .partner:
      throw ServiceError(.permissionDenied, "only officers supervise agencies (Art. 6)", reason: "METHOD_NOT_ALLOWED")
    case .districtOfficer(let district):
      let since = monthsBefore(settings.jurisdictionMonths, now())
      let presence = try await reads.presence(of: creditCode, in: district, samplingSince: since)
      if presence.any { return }
      let sinceDay = CalendarDate(chinaDayOf: since)
      throw ServiceError(
        .permissionDenied,
        "agency \(creditCode) is outside district \(district)'s jurisdiction (Art. 7): it is not registered there, filed no sampling event "
          + "there since \(sinceDay), and has no open complaint or finding there",
        reason: "OUTSIDE_JURISDICTION",
        violations: [FieldViolation(field, "not an agency working in district \(district) (Art. 7)", reason: "OUTSIDE_JURISDICTION")],
        info: ["district_code": district, "sampling_since": sinceDay.description])
    }
  }

  /// A district officer acts for its own district only.
  static func requireOwnDistrict(_ viewer: Viewer, _ district: String, field: String = "district_code") throws {
    if case .districtOfficer(let own) = viewer, district != own {
      throw ServiceError(
        .permissionDenied, "a district officer acts for its own district (\(own)), not \(district.isEmpty ? "the city" : district)",
        reason: "NOT_YOUR_DISTRICT", violations: [FieldViolation(field, "must be \(own)", reason: "NOT_YOUR_DISTRICT")])
    }
  }

  /// A record of another district asked for by id is, to a district officer, not there: the
  /// same NOT_FOUND as an id that does not exist, so a refusal tells nothing of other districts.
  static func requireOwnDistrict(_ viewer: Viewer, _ district: String, record what: String, id: String) throws {
    if case .districtOfficer(let own) = viewer, district != own { throw notFound(what, id) }
  }

  /// What a read answers for a record that does not exist, or that the caller may not see.
  static func notFound(_ what: String, _ id: String) -> ServiceError {
    ServiceError(.notFound, "no \(what) \(id)", reason: "\(what.uppercased())_NOT_FOUND")
  }

  static func requireOfficer(_ viewer: Viewer) throws {
    if !viewer.isOfficer { throw ServiceError(.permissionDenied, "officers only", reason: "METHOD_NOT_ALLOWED") }
  }

  /// Every referenced document must have been uploaded by the caller's office.
  static func requireDocuments(_ reads: some RegistryReads, _ documents: [(field: String, sha256: String)], viewer: Viewer) async throws {
    guard !documents.isEmpty else { return }
    let owner = viewer.documentOwner
    let absent = try await reads.missingDocuments(Array(Set(documents.map(\.sha256))), owner: owner)
    let missing = documents.filter { absent.contains($0.sha256) }.map {
      FieldViolation($0.field, "\(owner) uploaded no document with this digest (DocumentService.Upload)", reason: "DOCUMENT_NOT_FOUND")
    }
    if !missing.isEmpty {
      throw ServiceError(.failedPrecondition, "\(missing.count) referenced document(s) were never uploaded", reason: "DOCUMENT_NOT_FOUND", violations: missing)
    }
  }

  /// A known Chongqing district code (or empty, for the city, when `cityAllowed`).
  static func checkDistrict(_ code: String, field: String, cityAllowed: Bool, into violations: inout Violations) {
    if code.isEmpty {
      if !cityAllowed { violations.add(field, "the district is required", reason: "REQUIRED") }
    } else if District.named(code) == nil {
      violations.add(field, "\(code) is not a Chongqing district code", reason: "DISTRICT_UNKNOWN")
    }
  }
}
