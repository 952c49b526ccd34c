import Foundation
import GRPCCore
import GRPCInProcessTransport
import ProtoCodec
import RPCServer
import Services
import StorageSQLite
import Testing

/// Tenant isolation, cell by cell: every method of the API called by every kind of principal
/// through the real stack, each call on a fresh copy of one world, compared with the table
/// below. The table is the policy, written out: a change of who may do what must change it.
///
/// The world: agency A (the "owner" column) enrolled, its scan uploaded, its application
/// app-000001 approved, a change filed, an activity act-000001 filed with sampling in Yuzhong, an
/// inspection there raising fnd-000001, an activity act-000002 sampled only in Jiangbei raising fnd-000002;
/// agency B (the "other" column) enrolled with an upload of its own. Requests name A's records. Columns: city officer, district officer of Yuzhong
/// (500103, where A is), district officer of Jiangbei (500105), A, B, a partner.
@Suite("Tenant isolation: every method as every principal")
struct TenantMatrixTests {
  static let agencyB = "91110000600037341L"
  static let principals = [
    Identities.city, Identities.district, "spiffe://cq-monitoring/bureau/district/500105/zhao-lei", Identities.agency,
    "spiffe://cq-monitoring/agency/\(agencyB)", Identities.partner,
  ]

  /// The expected outcome of each cell: `ok`, or a status code.
  enum Outcome: String, CustomStringConvertible {
    case ok = "OK", denied = "PD", notFound = "NF", invalid = "IA", precondition = "FP", unimplemented = "UI"
    case exists = "AE", outOfRange = "OR"

    init(_ code: RPCError.Code?) {
      switch code {
      case nil: self = .ok
      case .permissionDenied?: self = .denied
      case .notFound?: self = .notFound
      case .invalidArgument?: self = .invalid
      case .failedPrecondition?: self = .precondition
      case .unimplemented?: self = .unimplemented
      case .alreadyExists?: self = .exists
      case .outOfRange?: self = .outOfRange
      case let other?: fatalError("unexpected \(other)")
      }
    }

    var description: String { rawValue }
  }

  /// One row: a method, the request messages it sends, and the outcome for each column.
  struct Row: Sendable {
    let method: String
    let note: String
    let expected: String
    let messages: @Sendable (World) throws -> [[UInt8]]
  }

  /// What the requests refer to, read from the world once it is built.
  struct World: Sendable {
    let directory: URL
    let document: String
    let serial: String
    let receipt: Cqmon_V1_Receipt
    let csr: String
  }

  static func bytes(_ message: some ProtoMessage) throws -> [[UInt8]] { [try message.serializedBytes()] }

  //                                   city dIn dOut A   B   partner
  static let rows: [Row] = [
    // RegistryService
    Row(method: "cqmon.v1.RegistryService/EnrollAgency", note: "a new agency", expected: "OK PD PD PD PD PD") { w in
      try bytes(Cqmon_V1_EnrollAgencyRequest.with {
        $0.requestId = "m"; $0.creditCode = try TenantMatrixTests.thirdAgency(); $0.name = "x"; $0.csrPem = w.csr
      })
    },
    Row(method: "cqmon.v1.RegistryService/RenewCertificate", note: "each agency renews its own", expected: "PD PD PD OK OK PD") { w in
      try bytes(Cqmon_V1_RenewCertificateRequest.with { $0.requestId = "m"; $0.csrPem = w.csr })
    },
    Row(method: "cqmon.v1.RegistryService/RevokeCertificate", note: "A's certificate", expected: "OK PD PD PD PD PD") { w in
      try bytes(Cqmon_V1_RevokeCertificateRequest.with { $0.requestId = "m"; $0.serial = w.serial; $0.reason = "key lost" })
    },
    Row(method: "cqmon.v1.RegistryService/ListCertificates", note: "A's", expected: "OK PD PD OK PD PD") { _ in
      try bytes(Cqmon_V1_ListCertificatesRequest.with { $0.creditCode = Materials.applicant })
    },
    Row(method: "cqmon.v1.RegistryService/SubmitApplication", note: "for A, listed already", expected: "PD PD PD FP PD PD") { w in
      try bytes(Cqmon_V1_SubmitApplicationRequest.with {
        $0.requestId = "m"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: w.document)
      })
    },
    Row(method: "cqmon.v1.RegistryService/GetApplication", note: "A's", expected: "OK OK OK OK NF PD") { _ in
      try bytes(Cqmon_V1_GetApplicationRequest.with { $0.applicationId = "app-000001" })
    },
    Row(method: "cqmon.v1.RegistryService/GetApplication", note: "no such id: the same answer as one not yours", expected: "NF NF NF NF NF PD") { _ in
      try bytes(Cqmon_V1_GetApplicationRequest.with { $0.applicationId = "app-000999" })
    },
    Row(method: "cqmon.v1.RegistryService/ListApplications", note: "A's", expected: "OK OK OK OK PD PD") { _ in
      try bytes(Cqmon_V1_ListApplicationsRequest.with { $0.creditCode = Materials.applicant })
    },
    Row(method: "cqmon.v1.RegistryService/ReviewApplication", note: "A's, decided already", expected: "FP PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_ReviewApplicationRequest.with { $0.requestId = "m"; $0.applicationId = "app-000001"; $0.decision = .approve })
    },
    Row(method: "cqmon.v1.RegistryService/GetAgency", note: "A", expected: "OK OK OK OK PD PD") { _ in
      try bytes(Cqmon_V1_GetAgencyRequest.with { $0.creditCode = Materials.applicant })
    },
    Row(method: "cqmon.v1.RegistryService/GetAgency", note: "never enrolled: permission first", expected: "NF NF NF PD PD PD") { _ in
      try bytes(Cqmon_V1_GetAgencyRequest.with { $0.creditCode = try TenantMatrixTests.thirdAgency() })
    },
    Row(method: "cqmon.v1.RegistryService/ListAgencies", note: "", expected: "OK OK OK PD PD PD") { _ in
      try bytes(Cqmon_V1_ListAgenciesRequest())
    },
    Row(method: "cqmon.v1.RegistryService/FileChange", note: "for A", expected: "PD PD PD OK PD PD") { _ in
      try bytes(Cqmon_V1_FileChangeRequest.with {
        $0.requestId = "m"; $0.creditCode = Materials.applicant; $0.kind = .name; $0.effectiveOn = Days.china(-1)
        $0.value = .with { $0.name = "重庆更名检测有限公司" }
      })
    },
    Row(method: "cqmon.v1.RegistryService/ListChanges", note: "A's", expected: "OK OK OK OK PD PD") { _ in
      try bytes(Cqmon_V1_ListChangesRequest.with { $0.creditCode = Materials.applicant })
    },
    Row(method: "cqmon.v1.RegistryService/RemoveAgency", note: "A", expected: "OK PD PD PD PD PD") { w in
      try bytes(Cqmon_V1_RemoveAgencyRequest.with {
        $0.requestId = "m"; $0.creditCode = Materials.applicant; $0.art16Case = .fakeDataPunished; $0.decidedOn = Days.china(0)
        $0.description = "x"; $0.evidence = [.with { $0.sha256 = w.document }]
      })
    },
    Row(method: "cqmon.v1.RegistryService/CheckEligibility", note: "A", expected: "OK OK OK OK PD PD") { _ in
      try bytes(Cqmon_V1_CheckEligibilityRequest.with { $0.subject = .creditCode(Materials.applicant) })
    },
    Row(method: "cqmon.v1.RegistryService/CheckEligibility", note: "a person A names", expected: "OK OK OK OK PD PD") { _ in
      try bytes(Cqmon_V1_CheckEligibilityRequest.with { $0.subject = .idNumber("120103198806018241") })
    },
    // DocumentService: an agency's documents are its own namespace.
    Row(method: "cqmon.v1.DocumentService/Upload", note: "new bytes, the caller's own", expected: "OK OK OK OK OK PD") { _ in
      [
        try Cqmon_V1_UploadRequest.with { $0.metadata = .with { $0.requestId = "m"; $0.fileName = "n.txt"; $0.mediaType = "text/plain" } }
          .serializedBytes(),
        try Cqmon_V1_UploadRequest.with { $0.chunk = Array("matrix".utf8) }.serializedBytes(),
      ]
    },
    Row(method: "cqmon.v1.DocumentService/GetDocument", note: "A's upload", expected: "OK OK OK OK NF PD") { w in
      try bytes(Cqmon_V1_GetDocumentRequest.with { $0.sha256 = w.document })
    },
    Row(method: "cqmon.v1.DocumentService/Download", note: "A's upload", expected: "OK OK OK OK NF PD") { w in
      try bytes(Cqmon_V1_DownloadRequest.with { $0.sha256 = w.document })
    },
    // AuditService: checkpoints, proofs and keys are public; a leaf's entry needs its receipt.
    Row(method: "cqmon.v1.AuditService/GetCheckpoint", note: "", expected: "OK OK OK OK OK OK") { _ in
      try bytes(Cqmon_V1_GetCheckpointRequest())
    },
    Row(method: "cqmon.v1.AuditService/GetSigningKeys", note: "", expected: "OK OK OK OK OK OK") { _ in
      try bytes(Cqmon_V1_GetSigningKeysRequest())
    },
    Row(method: "cqmon.v1.AuditService/GetConsistencyProof", note: "", expected: "OK OK OK OK OK OK") { _ in
      try bytes(Cqmon_V1_GetConsistencyProofRequest.with { $0.firstTreeSize = 1; $0.secondTreeSize = 2 })
    },
    Row(method: "cqmon.v1.AuditService/GetInclusionProof", note: "with the receipt's hash", expected: "OK OK OK OK OK OK") { w in
      try bytes(Cqmon_V1_GetInclusionProofRequest.with {
        $0.leafIndex = w.receipt.leafIndex; $0.treeSize = 2; $0.auditHash = w.receipt.auditHash
      })
    },
    Row(method: "cqmon.v1.AuditService/GetInclusionProof", note: "without it", expected: "OK OK OK PD PD PD") { w in
      try bytes(Cqmon_V1_GetInclusionProofRequest.with { $0.leafIndex = w.receipt.leafIndex; $0.treeSize = 2 })
    },
    Row(method: "cqmon.v1.AuditService/VerifyAuditLog", note: "", expected: "OK PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_VerifyAuditLogRequest())
    },
    Row(method: "grpc.health.v1.Health/Check", note: "", expected: "OK OK OK OK OK OK") { _ in
      try bytes(Grpc_Health_V1_HealthCheckRequest())
    },
    // FilingService: A's activity act-000001 sampled in Yuzhong (500103).
    Row(method: "cqmon.v1.FilingService/FileActivity", note: "for A", expected: "PD PD PD OK PD PD") { w in
      try bytes(Cqmon_V1_FileActivityRequest.with {
        $0.requestId = "m"; $0.creditCode = Materials.applicant
        $0.activity = FilingServiceTests.activity(report: "R-M", digest: w.document, now: TestNow.now())
      })
    },
    Row(method: "cqmon.v1.FilingService/FileActivities", note: "for A: another agency's item is refused in its result", expected: "PD PD PD OK OK PD") { w in
      try bytes(Cqmon_V1_FileActivityRequest.with {
        $0.requestId = "m"; $0.creditCode = Materials.applicant
        $0.activity = FilingServiceTests.activity(report: "R-M", digest: w.document, now: TestNow.now())
      })
    },
    Row(method: "cqmon.v1.FilingService/GetActivity", note: "A's, in Yuzhong", expected: "OK OK NF OK NF PD") { _ in
      try bytes(Cqmon_V1_GetActivityRequest.with { $0.activityId = "act-000001" })
    },
    Row(method: "cqmon.v1.FilingService/GetActivity", note: "no such id: the same answer as one not yours", expected: "NF NF NF NF NF PD") { _ in
      try bytes(Cqmon_V1_GetActivityRequest.with { $0.activityId = "act-000999" })
    },
    Row(method: "cqmon.v1.FilingService/ListActivities", note: "each sees its own", expected: "OK OK OK OK OK PD") { _ in
      try bytes(Cqmon_V1_ListActivitiesRequest())
    },
    Row(method: "cqmon.v1.FilingService/ListActivityVersions", note: "A's, in Yuzhong", expected: "OK OK NF OK NF PD") { _ in
      try bytes(Cqmon_V1_ListActivityVersionsRequest.with { $0.activityId = "act-000001" })
    },
    Row(method: "cqmon.v1.FilingService/AmendActivity", note: "A's", expected: "PD PD PD OK NF PD") { w in
      try bytes(Cqmon_V1_AmendActivityRequest.with {
        $0.requestId = "m"; $0.activityId = "act-000001"; $0.expectedVersion = 1; $0.reason = "typo"
        $0.activity = FilingServiceTests.activity(report: "R-0001", digest: w.document, now: TestNow.now())
      })
    },
    Row(method: "cqmon.v1.FilingService/WithdrawActivity", note: "A's", expected: "PD PD PD OK NF PD") { _ in
      try bytes(Cqmon_V1_WithdrawActivityRequest.with { $0.requestId = "m"; $0.activityId = "act-000001"; $0.reason = "cancelled" })
    },
    Row(method: "cqmon.v1.InspectionService/ListFindings", note: "each sees its own", expected: "OK OK OK OK OK PD") { _ in
      try bytes(Cqmon_V1_ListFindingsRequest())
    },
    Row(method: "cqmon.v1.InspectionService/ListFindings", note: "naming A", expected: "OK OK OK OK PD PD") { _ in
      try bytes(Cqmon_V1_ListFindingsRequest.with { $0.creditCode = Materials.applicant })
    },
    Row(method: "cqmon.v1.InspectionService/ListFindings", note: "naming Yuzhong", expected: "OK OK PD OK OK PD") { _ in
      try bytes(Cqmon_V1_ListFindingsRequest.with { $0.districtCode = "500103" })
    },
  ] + supervision + credit

  /// CreditService over the world's indicator system ind-000001, evidence evd-000001 about A,
  /// and evaluation eval-000001 of last year (in which A, listed this year, is not rated).
  static let credit: [Row] = [
    Row(method: "cqmon.v1.CreditService/PutIndicatorSystem", note: "a valid system", expected: "OK PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_PutIndicatorSystemRequest.with { $0.requestId = "m"; $0.system = CreditServiceTests.system() })
    },
    Row(method: "cqmon.v1.CreditService/GetIndicatorSystem", note: "the current one", expected: "OK OK OK PD PD PD") { _ in
      try bytes(Cqmon_V1_GetIndicatorSystemRequest())
    },
    Row(method: "cqmon.v1.CreditService/RecordEvidence", note: "about A", expected: "OK OK OK PD PD PD") { _ in
      try bytes(evidence)
    },
    Row(method: "cqmon.v1.CreditService/VerifyEvidence", note: "A's", expected: "OK OK OK PD PD PD") { _ in
      try bytes(Cqmon_V1_VerifyEvidenceRequest.with { $0.requestId = "m"; $0.evidenceId = "evd-000001"; $0.verified = true; $0.note = "属实" })
    },
    Row(method: "cqmon.v1.CreditService/ListEvidence", note: "all", expected: "OK OK OK PD PD PD") { _ in
      try bytes(Cqmon_V1_ListEvidenceRequest())
    },
    Row(method: "cqmon.v1.CreditService/RunEvaluation", note: "last year", expected: "OK PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_RunEvaluationRequest.with { $0.requestId = "m"; $0.year = Int32(CalendarDate(chinaDayOf: TestNow.now()).year - 1) })
    },
    Row(method: "cqmon.v1.CreditService/GetEvaluation", note: "last year's", expected: "OK OK OK PD PD PD") { _ in
      try bytes(Cqmon_V1_GetEvaluationRequest.with { $0.evaluationId = "eval-000001" })
    },
    Row(method: "cqmon.v1.CreditService/GetRating", note: "A's: not rated last year", expected: "NF NF NF NF PD PD") { _ in
      try bytes(Cqmon_V1_GetRatingRequest.with { $0.creditCode = Materials.applicant })
    },
    Row(method: "cqmon.v1.CreditService/ListRatings", note: "last year", expected: "OK OK OK PD PD PD") { _ in
      try bytes(Cqmon_V1_ListRatingsRequest.with { $0.year = Int32(CalendarDate(chinaDayOf: TestNow.now()).year - 1) })
    },
    Row(method: "cqmon.v1.CreditService/PutHolidayCalendar", note: "2031", expected: "OK PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_PutHolidayCalendarRequest.with { $0.requestId = "m"; $0.calendar = .with { $0.year = 2031; $0.source = "通知" } })
    },
    Row(method: "cqmon.v1.CreditService/GetHolidayCalendar", note: "2025, built in", expected: "OK OK OK OK OK OK") { _ in
      try bytes(Cqmon_V1_GetHolidayCalendarRequest.with { $0.year = 2025 })
    },
    Row(method: "cqmon.v1.CreditService/StartPublicity", note: "last year's draft", expected: "OK PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_StartPublicityRequest.with { $0.requestId = "m"; $0.evaluationId = "eval-000001"; $0.startsOn = CreditServiceTests.date(nextWorkingDay()) })
    },
    Row(method: "cqmon.v1.CreditService/FileObjection", note: "A's, to a draft", expected: "FP FP FP FP PD PD") { _ in
      try bytes(Cqmon_V1_FileObjectionRequest.with { $0.requestId = "m"; $0.evaluationId = "eval-000001"; $0.creditCode = Materials.applicant; $0.grounds = "x" })
    },
    Row(method: "cqmon.v1.CreditService/ResolveObjection", note: "no such objection", expected: "NF PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_ResolveObjectionRequest.with { $0.requestId = "m"; $0.objectionId = "obj-000001"; $0.outcome = .dismissed; $0.decision = "x" })
    },
    Row(method: "cqmon.v1.CreditService/ListObjections", note: "last year's draft", expected: "OK OK OK PD PD PD") { _ in
      try bytes(Cqmon_V1_ListObjectionsRequest.with { $0.evaluationId = "eval-000001" })
    },
    Row(method: "cqmon.v1.CreditService/PublishRatings", note: "a draft", expected: "FP PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_PublishRatingsRequest.with { $0.requestId = "m"; $0.evaluationId = "eval-000001" })
    },
    Row(method: "cqmon.v1.CreditService/TriggerLevelE", note: "A, Art. 16(4)", expected: "OK PD PD PD PD PD") { w in
      try bytes(Cqmon_V1_TriggerLevelERequest.with {
        $0.requestId = "m"; $0.creditCode = Materials.applicant; $0.art16Case = Cqmon_V1_Art16Case(rawValue: 4); $0.decidedOn = Days.china(0)
        $0.description = "弄虚作假"; $0.evidence = [.with { $0.sha256 = w.document }]
      })
    },
    Row(method: "cqmon.v1.SharingService/ListPublishedRatings", note: "none published", expected: "OK OK OK PD PD OK") { _ in
      try bytes(Cqmon_V1_ListPublishedRatingsRequest())
    },
    Row(method: "cqmon.v1.SharingService/WatchRatings", note: "a cursor ahead", expected: "OR OR OR PD PD OR") { _ in
      try bytes(Cqmon_V1_WatchRatingsRequest.with { $0.afterCursor = 5 })
    },
    Row(method: "cqmon.v1.SharingService/GetBulletin", note: "not published", expected: "NF NF NF PD PD NF") { _ in
      try bytes(Cqmon_V1_GetBulletinRequest.with { $0.year = Int32(CalendarDate(chinaDayOf: TestNow.now()).year - 1) })
    },
  ]

  /// The first working day after today on the calendars the world has (built in, or loaded
  /// for this year and the next when none is).
  static func nextWorkingDay() -> CalendarDate {
    var day = CalendarDate(chinaDayOf: TestNow.now()).adding(days: 1)
    while !(WorkingDays.shipped.calendars[day.year].map { $0.isWorkingDay(day) } ?? (day.weekday <= 5)) { day = day.adding(days: 1) }
    return day
  }

  /// Evidence about A from the public credit platform, today.
  static let evidence = Cqmon_V1_RecordEvidenceRequest.with {
    $0.requestId = "m"; $0.creditCode = Materials.applicant; $0.source = .creditPlatform; $0.indicatorCode = "IR-01"; $0.points = -2
    $0.description = "行政处罚"; $0.occurredOn = Days.china(0)
  }

  /// InspectionService over the world's supervision records: city inspectors ipr-000001 and
  /// ipr-000002, plan-000001 drawn with seed-000001, seed-000002 unused, inspection insp-000001
  /// of A in Yuzhong with its confirmed finding fnd-000001, complaint cmp-000001 received and
  /// cmp-000002 accepted, both about A in Yuzhong.
  static let supervision: [Row] = [
    Row(method: "cqmon.v1.InspectionService/AddInspector", note: "to the city's pool", expected: "OK PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_AddInspectorRequest.with { $0.requestId = "m"; $0.name = "王强"; $0.badgeNumber = "CQ-9" })
    },
    Row(method: "cqmon.v1.InspectionService/AddInspector", note: "to Yuzhong's pool", expected: "OK OK PD PD PD PD") { _ in
      try bytes(Cqmon_V1_AddInspectorRequest.with { $0.requestId = "m"; $0.name = "王强"; $0.badgeNumber = "YZ-9"; $0.districtCode = "500103" })
    },
    Row(method: "cqmon.v1.InspectionService/DeclareConflict", note: "a city inspector's", expected: "OK NF NF PD PD PD") { _ in
      try bytes(Cqmon_V1_DeclareConflictRequest.with {
        $0.requestId = "m"; $0.inspectorId = "ipr-000001"; $0.conflict = .with { $0.creditCode = agencyB; $0.reason = "a relative works there" }
      })
    },
    Row(method: "cqmon.v1.InspectionService/ListInspectors", note: "each office its own", expected: "OK OK OK PD PD PD") { _ in
      try bytes(Cqmon_V1_ListInspectorsRequest())
    },
    Row(method: "cqmon.v1.InspectionService/CommitDrawSeed", note: "for the city", expected: "OK PD PD PD PD PD") { _ in
      try bytes(Cqmon_V1_CommitDrawSeedRequest.with { $0.requestId = "m"; $0.period = .with { $0.start = Days.china(1); $0.end = Days.china(30) } })
    },
    Row(method: "cqmon.v1.InspectionService/PlanInspections", note: "the city's unused seed", expected: "OK NF NF PD PD PD") { _ in
      try bytes(Cqmon_V1_PlanInspectionsRequest.with { $0.requestId = "m"; $0.commitmentId = "seed-000002" })
    },
    Row(method: "cqmon.v1.InspectionService/GetInspectionPlan", note: "the city's", expected: "OK NF NF PD PD PD") { _ in
      try bytes(Cqmon_V1_GetInspectionPlanRequest.with { $0.planId = "plan-000001" })
    },
    Row(method: "cqmon.v1.InspectionService/RecordInspection", note: "of A, in Yuzhong", expected: "OK OK PD PD PD PD") { _ in
      try bytes(inspectionRecord)
    },
    Row(method: "cqmon.v1.InspectionService/CorrectInspection", note: "A's, in Yuzhong", expected: "OK OK NF PD PD PD") { _ in
      var record = inspectionRecord
      record.findings = []
      return try bytes(Cqmon_V1_CorrectInspectionRequest.with { $0.requestId = "m"; $0.inspectionId = "insp-000001"; $0.record = record; $0.reason = "typo" })
    },
    Row(method: "cqmon.v1.InspectionService/GetInspection", note: "A's, in Yuzhong", expected: "OK OK NF OK NF PD") { _ in
      try bytes(Cqmon_V1_GetInspectionRequest.with { $0.inspectionId = "insp-000001" })
    },
    Row(method: "cqmon.v1.InspectionService/ListInspections", note: "each sees its own", expected: "OK OK OK OK OK PD") { _ in
      try bytes(Cqmon_V1_ListInspectionsRequest())
    },
    Row(method: "cqmon.v1.InspectionService/FileComplaint", note: "about A, to Yuzhong", expected: "OK OK PD PD PD PD") { _ in
      try bytes(Cqmon_V1_FileComplaintRequest.with {
        $0.requestId = "m"; $0.channel = .wechat; $0.creditCode = Materials.applicant; $0.districtCode = "500103"
        $0.receivedAt = .with { $0.seconds = Int64(TestNow.now().timeIntervalSince1970) - 60 }; $0.content = "报告造假"
      })
    },
    Row(method: "cqmon.v1.InspectionService/AcceptComplaint", note: "Yuzhong's, received", expected: "OK OK NF PD PD PD") { _ in
      try bytes(Cqmon_V1_AcceptComplaintRequest.with { $0.requestId = "m"; $0.complaintId = "cmp-000001" })
    },
    Row(method: "cqmon.v1.InspectionService/ExtendComplaint", note: "Yuzhong's, accepted", expected: "OK OK NF PD PD PD") { _ in
      try bytes(Cqmon_V1_ExtendComplaintRequest.with { $0.requestId = "m"; $0.complaintId = "cmp-000002"; $0.days = 10; $0.reason = "records awaited" })
    },
    Row(method: "cqmon.v1.InspectionService/ResolveComplaint", note: "Yuzhong's, accepted", expected: "OK OK NF PD PD PD") { _ in
      try bytes(Cqmon_V1_ResolveComplaintRequest.with { $0.requestId = "m"; $0.complaintId = "cmp-000002"; $0.outcome = .unfounded; $0.explanation = "no evidence" })
    },
    Row(method: "cqmon.v1.InspectionService/GetComplaint", note: "Yuzhong's", expected: "OK OK NF PD PD PD") { _ in
      try bytes(Cqmon_V1_GetComplaintRequest.with { $0.complaintId = "cmp-000001" })
    },
    Row(method: "cqmon.v1.InspectionService/ListComplaints", note: "each office its own", expected: "OK OK OK PD PD PD") { _ in
      try bytes(Cqmon_V1_ListComplaintsRequest())
    },
    // Who may list a finding may read it; for anyone else it does not exist. Jiangbei lists A's
    // finding on the activity sampled there, not the one raised in Yuzhong, though A worked in
    // Jiangbei (Art. 7).
    Row(method: "cqmon.v1.InspectionService/GetFinding", note: "A's, raised in Yuzhong", expected: "OK OK NF OK NF PD") { _ in
      try bytes(Cqmon_V1_GetFindingRequest.with { $0.findingId = "fnd-000001" })
    },
    Row(method: "cqmon.v1.InspectionService/GetFinding", note: "A's, on act-000002 sampled only in Jiangbei", expected: "OK OK OK OK NF PD") { _ in
      try bytes(Cqmon_V1_GetFindingRequest.with { $0.findingId = "fnd-000002" })
    },
    Row(method: "cqmon.v1.InspectionService/GetFinding", note: "no such id", expected: "NF NF NF NF NF PD") { _ in
      try bytes(Cqmon_V1_GetFindingRequest.with { $0.findingId = "fnd-000999" })
    },
    Row(method: "cqmon.v1.InspectionService/ListFindings", note: "naming Jiangbei: only act-000002's", expected: "OK PD OK OK OK PD") { _ in
      try bytes(Cqmon_V1_ListFindingsRequest.with { $0.districtCode = "500105" })
    },
    Row(method: "cqmon.v1.InspectionService/DecideFinding", note: "A's, raised in Yuzhong", expected: "OK OK NF PD PD PD") { _ in
      try bytes(Cqmon_V1_DecideFindingRequest.with {
        $0.requestId = "m"; $0.findingId = "fnd-000001"; $0.decision = .rectified; $0.reason = "put right"; $0.rectifiedOn = Days.china(0)
      })
    },
  ]

  /// An inspection of A in Yuzhong by the world's city inspectors, with one finding.
  static let inspectionRecord = Cqmon_V1_RecordInspectionRequest.with {
    $0.requestId = "m"; $0.creditCode = Materials.applicant; $0.districtCode = "500103"; $0.inspectedOn = Days.china(0)
    $0.methods = [.onSite]; $0.items = [.reports]; $0.inspectorIds = ["ipr-000001", "ipr-000002"]
    $0.findings = [.with { $0.category = .qualityControl; $0.description = "no blank sample" }]
  }

  /// A valid credit code no one in the world has.
  static func thirdAgency() throws -> String {
    for check in "0123456789ABCDEFGHJKLMNPQRTUWXY" {
      let candidate = "91500105MA5U8MATR" + String(check)
      if (try? CreditCode(validating: candidate)) != nil { return candidate }
    }
    throw RPCError(code: .internalError, message: "no check character fits")
  }

  /// Builds the world once, into a directory every cell copies.
  static func buildWorld() async throws -> World {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-world-\(UUID())")
    let live = directory.appendingPathComponent("live")
    let store = try SQLiteStore(directory: live.path)
    var document = "", serial = ""
    var receipt = Cqmon_V1_Receipt()
    // Listed three days ago, so that the activity's sampling (a day ago) falls in its listing.
    let clock = FilingServiceTests.start()
    try await RegistryHarness.run(store: store, now: { clock.now }) { h in
      try await h.enrol()
      h.as(Identities.agency)
      document = try await h.upload(Array("A's licence scan".utf8))
      receipt = try #require(try await h.documents.getDocument(.with { $0.sha256 = document }).receipt)
      let application = try await h.registry.submitApplication(.with {
        $0.requestId = "apply"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: document, on: clock.now)
      })
      h.as(Identities.city)
      _ = try await h.registry.reviewApplication(.with { $0.requestId = "review"; $0.applicationId = application.applicationId; $0.decision = .approve })
      serial = try await h.registry.listCertificates(.with { $0.creditCode = Materials.applicant }).certificates[0].serial
      _ = try await h.registry.enrollAgency(.with { $0.requestId = "enrol-b"; $0.creditCode = agencyB; $0.name = "B"; $0.csrPem = try RegistryHarness.csr() })
      h.as(Identities.agency)
      _ = try await h.registry.fileChange(.with {
        $0.requestId = "change"; $0.creditCode = Materials.applicant; $0.kind = .name; $0.effectiveOn = Days.china(-2, from: clock.now)
        $0.value = .with { $0.name = "重庆某某检测有限公司" }
      })
      clock.advance(days: 3)
      _ = try await Cqmon_V1_FilingService.Client(wrapping: h.client).fileActivity(.with {
        $0.requestId = "activity"; $0.creditCode = Materials.applicant
        $0.activity = FilingServiceTests.activity(report: "R-0001", digest: document, now: clock.now)
      })
      h.as("spiffe://cq-monitoring/agency/\(agencyB)")
      _ = try await h.upload(Array("B's own scan".utf8))
      // The supervision records the InspectionService rows name.
      h.as(Identities.city)
      let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
      for index in 1...2 {
        _ = try await inspection.addInspector(.with { $0.requestId = "ipr\(index)"; $0.name = "检查员\(index)"; $0.badgeNumber = "CQ-\(index)" })
      }
      let period: Cqmon_V1_DateRange = .with { $0.start = Days.china(1, from: clock.now); $0.end = Days.china(30, from: clock.now) }
      let seed = try await inspection.commitDrawSeed(.with { $0.requestId = "seed1"; $0.period = period })
      _ = try await inspection.planInspections(.with { $0.requestId = "plan1"; $0.commitmentId = seed.commitmentId })
      _ = try await inspection.commitDrawSeed(.with { $0.requestId = "seed2"; $0.period = period })
      var record = inspectionRecord
      record.requestId = "insp1"
      record.inspectedOn = Days.china(0, from: clock.now)
      _ = try await inspection.recordInspection(record)
      // A second activity, sampled only in Jiangbei by one sampler: fnd-000002 (SINGLE_SAMPLER).
      h.as(Identities.agency)
      var jiangbei = FilingServiceTests.activity(report: "R-0002", digest: document, now: clock.now)
      jiangbei.samplingEvents[0].districtCode = "500105"
      jiangbei.samplingEvents[0].samplerIdNumbers = [FilingServiceTests.li]
      let second = try await Cqmon_V1_FilingService.Client(wrapping: h.client).fileActivity(.with {
        $0.requestId = "activity2"; $0.creditCode = Materials.applicant; $0.activity = jiangbei
      })
      // It reuses the first activity's samples and instrument hours, so it raises more than one; all
      // of them sit on act-000002 and read alike.
      #expect(second.findings.first.map { [$0.findingId, $0.rule] } == ["fnd-000002", "SINGLE_SAMPLER"])
      h.as(Identities.city)
      for index in 1...2 {
        _ = try await inspection.fileComplaint(.with {
          $0.requestId = "cmp\(index)"; $0.channel = .hotline12369; $0.creditCode = Materials.applicant; $0.districtCode = "500103"
          $0.receivedAt = .with { $0.seconds = Int64(clock.now.timeIntervalSince1970) - 3600 }; $0.content = "数据造假"
        })
      }
      _ = try await inspection.acceptComplaint(.with { $0.requestId = "accept2"; $0.complaintId = "cmp-000002" })
      // The credit records the CreditService rows name.
      let credit = Cqmon_V1_CreditService.Client(wrapping: h.client)
      _ = try await credit.putIndicatorSystem(.with { $0.requestId = "ind1"; $0.system = CreditServiceTests.system() })
      var evidence = Self.evidence
      evidence.requestId = "evd1"
      evidence.occurredOn = Days.china(0, from: clock.now)
      _ = try await credit.recordEvidence(evidence)
      _ = try await credit.runEvaluation(.with { $0.requestId = "eval1"; $0.year = Int32(CalendarDate(chinaDayOf: clock.now).year - 1) })
      // Publicity counts working days: years without a built-in calendar get an empty one.
      let thisYear = CalendarDate(chinaDayOf: clock.now).year
      for year in thisYear...(thisYear + 1) where WorkingDays.shipped.calendars[year] == nil {
        _ = try await credit.putHolidayCalendar(.with { $0.requestId = "cal\(year)"; $0.calendar = .with { $0.year = Int32(year); $0.source = "测试" } })
      }
    }
    let template = directory.appendingPathComponent("template")
    try FileManager.default.createDirectory(at: template, withIntermediateDirectories: true)
    try store.backup(to: template.appendingPathComponent("monitoring.sqlite").path)
    try FileManager.default.copyItem(at: live.appendingPathComponent("documents"), to: template.appendingPathComponent("documents"))
    return World(directory: template, document: document, serial: serial, receipt: receipt, csr: try RegistryHarness.csr())
  }

  /// One cell: a fresh copy of the world, the call made by `principal`, its outcome.
  static func cell(_ row: Row, as principal: String, in world: World) async throws -> Outcome {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-cell-\(UUID())")
    try FileManager.default.copyItem(at: world.directory, to: copy)
    defer { try? FileManager.default.removeItem(at: copy) }
    let store = try SQLiteStore(directory: copy.path)
    let messages = try row.messages(world)
    var outcome = Outcome.ok
    try await RegistryHarness.run(store: store) { h in
      h.as(principal)
      let (service, method) = row.method.split(separator: "/").map(String.init).splat
      do {
        try await h.client.bidirectionalStreaming(
          request: StreamingClientRequest(of: [UInt8].self) { writer in for message in messages { try await writer.write(message) } },
          descriptor: MethodDescriptor(fullyQualifiedService: service, method: method),
          serializer: RawBytes(), deserializer: AnyBytes(), options: .defaults
        ) { response in
          for try await _ in response.messages {}
        }
      } catch let error as RPCError {
        outcome = Outcome(error.code)
      }
    }
    return outcome
  }

  @Test("each cell as the table says, and the table covers every method of the API")
  func matrix() async throws {
    let world = try await Self.buildWorld()
    defer { try? FileManager.default.removeItem(at: world.directory.deletingLastPathComponent()) }
    var mismatches: [String] = []
    for row in Self.rows {
      let expected = row.expected.split(separator: " ").map(String.init)
      #expect(expected.count == Self.principals.count, "\(row.method): one outcome per column")
      var actual: [String] = []
      for principal in Self.principals { actual.append(try await Self.cell(row, as: principal, in: world).rawValue) }
      if actual != expected {
        mismatches.append("\(row.method) (\(row.note)): expected \(expected.joined(separator: " ")), got \(actual.joined(separator: " "))")
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    let covered = Set(Self.rows.map(\.method))
    let api = AccessPolicy.standard.methods.filter { $0.hasPrefix("cqmon.v1.") || $0 == "grpc.health.v1.Health/Check" }
    #expect(api.subtracting(covered).isEmpty, "methods without a row: \(api.subtracting(covered).sorted())")
  }
}

/// Response bytes, whatever the message.
struct AnyBytes: MessageDeserializer {
  func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
    serializedMessageBytes.withUnsafeBytes { Array($0) }
  }
}

extension Array where Element == String {
  /// The two halves of `service/method`.
  fileprivate var splat: (String, String) { (self[0], self.count > 1 ? self[1] : "") }
}
