/// Which kinds of principal may call which method: the one policy table of the server.
///
/// Deny by default: a method not in the table is refused to everyone. Ownership (an agency
/// only its own records, a district officer only its own district, Art. 7) is the services'
/// business; this table only says who may knock on which door.
public struct AccessPolicy: Sendable {
  private let allowed: [String: Set<Principal.Kind>]

  public init(_ allowed: [String: Set<Principal.Kind>]) {
    self.allowed = allowed
  }

  /// Whether `kind` may call `method` (`package.Service/Method`).
  public func allows(_ kind: Principal.Kind, _ method: String) -> Bool {
    allowed[method]?.contains(kind) ?? false
  }

  /// The methods the table names.
  public var methods: Set<String> { Set(allowed.keys) }

  /// The kinds allowed to call `method`.
  public func kinds(for method: String) -> Set<Principal.Kind> { allowed[method] ?? [] }

  public static let standard: AccessPolicy = {
    let city: Set<Principal.Kind> = [.cityOfficer]
    let agency: Set<Principal.Kind> = [.agency]
    let officers: Set<Principal.Kind> = [.cityOfficer, .districtOfficer]
    let officersAndAgency = officers.union(agency)
    let readers: Set<Principal.Kind> = officers.union([.partner])
    let everyone = Set(Principal.Kind.allCases)

    var table: [String: Set<Principal.Kind>] = [:]
    func allow(_ kinds: Set<Principal.Kind>, _ service: String, _ methods: [String]) {
      for method in methods { table["\(service)/\(method)"] = kinds }
    }

    let registry = "cqmon.v1.RegistryService"
    allow(city, registry, ["EnrollAgency", "RevokeCertificate", "ReviewApplication", "RemoveAgency"])
    allow(agency, registry, ["RenewCertificate", "SubmitApplication", "FileChange"])
    allow([.cityOfficer, .agency], registry, ["ListCertificates"])
    allow(officersAndAgency, registry, ["GetApplication", "ListApplications", "GetAgency", "ListChanges", "CheckEligibility"])
    allow(officers, registry, ["ListAgencies"])

    allow(officersAndAgency, "cqmon.v1.DocumentService", ["Upload", "Download", "GetDocument"])

    let filing = "cqmon.v1.FilingService"
    allow(agency, filing, ["FileActivity", "FileActivities", "AmendActivity", "WithdrawActivity"])
    allow(officersAndAgency, filing, ["GetActivity", "ListActivities", "ListActivityVersions"])

    let inspection = "cqmon.v1.InspectionService"
    allow(officers, inspection, [
      "AddInspector", "DeclareConflict", "ListInspectors", "CommitDrawSeed", "PlanInspections", "GetInspectionPlan", "RecordInspection",
      "CorrectInspection", "FileComplaint", "AcceptComplaint", "ExtendComplaint", "ResolveComplaint", "GetComplaint", "ListComplaints",
      "DecideFinding",
    ])
    allow(officersAndAgency, inspection, ["GetInspection", "ListInspections", "ListFindings", "GetFinding"])

    let credit = "cqmon.v1.CreditService"
    allow(city, credit, [
      "PutIndicatorSystem", "RunEvaluation", "StartPublicity", "ResolveObjection", "PublishRatings",
      "TriggerLevelE", "PutHolidayCalendar",
    ])
    allow(officers, credit, ["GetIndicatorSystem", "RecordEvidence", "VerifyEvidence", "ListEvidence", "GetEvaluation", "ListRatings", "ListObjections"])
    allow(officersAndAgency, credit, ["FileObjection", "GetRating"])
    allow(everyone, credit, ["GetHolidayCalendar"])

    allow(city, "cqmon.v1.AuditService", ["VerifyAuditLog"])
    allow(everyone, "cqmon.v1.AuditService", ["GetCheckpoint", "GetInclusionProof", "GetConsistencyProof", "GetSigningKeys"])

    allow(readers, "cqmon.v1.SharingService", ["ListPublishedRatings", "WatchRatings", "GetBulletin"])

    allow(everyone, "grpc.health.v1.Health", ["Check", "List", "Watch"])
    allow(everyone, "grpc.reflection.v1.ServerReflection", ["ServerReflectionInfo"])
    allow(everyone, "grpc.reflection.v1alpha.ServerReflection", ["ServerReflectionInfo"])
    return AccessPolicy(table)
  }()
}
