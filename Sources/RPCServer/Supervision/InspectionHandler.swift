import Foundation
import GRPCCore
import ProtoCodec
import Services

/// `cqmon.v1.InspectionService` over the domain's `Supervision`: read the request, call the
/// domain, map its errors, build the reply.
struct InspectionHandler: Cqmon_V1_InspectionService.SimpleServiceProtocol {
  typealias Methods = Cqmon_V1_InspectionService.Method
  let supervision: Supervision
  /// The server's configured limits for decoding requests.
  let decodingLimits: ProtoDecodingLimits

  // MARK: - The pool

  func addInspector(request: Cqmon_V1_AddInspectorRequest, context: ServerContext) async throws -> Cqmon_V1_Inspector {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.AddInspector.descriptor)
      let (record, row) = try await supervision.addInspector(
        name: request.name, badgeNumber: request.badgeNumber, districtCode: request.districtCode, viewer: call.viewer, context: write)
      return Reply.inspector(record, row)
    }
  }

  func declareConflict(request: Cqmon_V1_DeclareConflictRequest, context: ServerContext) async throws -> Cqmon_V1_Inspector {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.DeclareConflict.descriptor)
      let (record, row) = try await supervision.declareConflict(
        inspectorID: request.inspectorId, creditCode: request.conflict?.creditCode ?? "", reason: request.conflict?.reason ?? "",
        viewer: call.viewer, context: write)
      return Reply.inspector(record, row)
    }
  }

  func listInspectors(request: Cqmon_V1_ListInspectorsRequest, context: ServerContext) async throws -> Cqmon_V1_ListInspectorsResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let page = try await supervision.inspectors(
        districtCode: request.districtCode, viewer: call.viewer, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.inspectors = page.items.map { Reply.inspector($0.0, $0.1) }
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  // MARK: - The draw

  func commitDrawSeed(request: Cqmon_V1_CommitDrawSeedRequest, context: ServerContext) async throws -> Cqmon_V1_DrawCommitment {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.CommitDrawSeed.descriptor)
      var reader = RequestReader()
      let (start, end) = reader.period(request.period)
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let (record, row, planID) = try await supervision.commitSeed(
        periodStart: start, periodEnd: end, districtCode: request.districtCode, viewer: call.viewer, context: write)
      return Reply.commitment(record, row, planID: planID)
    }
  }

  func planInspections(request: Cqmon_V1_PlanInspectionsRequest, context: ServerContext) async throws -> Cqmon_V1_InspectionPlan {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.PlanInspections.descriptor)
      let view = try await supervision.plan(
        commitmentID: request.commitmentId, shares: request.shares.map { ($0.aPercent, $0.bPercent, $0.cPercent) },
        replacesPlanID: request.replacesPlanId, reason: request.reason, viewer: call.viewer, context: write)
      return Reply.plan(view)
    }
  }

  func getInspectionPlan(request: Cqmon_V1_GetInspectionPlanRequest, context: ServerContext) async throws -> Cqmon_V1_InspectionPlan {
    try await ServiceErrorMapping.run {
      Reply.plan(try await supervision.plan(id: request.planId, viewer: try CallContext.current().viewer))
    }
  }

  // MARK: - Inspections

  func recordInspection(request: Cqmon_V1_RecordInspectionRequest, context: ServerContext) async throws -> Cqmon_V1_Inspection {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.RecordInspection.descriptor)
      var reader = RequestReader()
      let input = reader.inspection(request)
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      return Reply.inspection(try await supervision.recordInspection(input, viewer: call.viewer, context: write))
    }
  }

  func correctInspection(request: Cqmon_V1_CorrectInspectionRequest, context: ServerContext) async throws -> Cqmon_V1_Inspection {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.CorrectInspection.descriptor)
      var reader = RequestReader()
      let input = reader.inspection(request.record, "record.")
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      return Reply.inspection(
        try await supervision.correctInspection(id: request.inspectionId, input: input, reason: request.reason, viewer: call.viewer, context: write))
    }
  }

  func getInspection(request: Cqmon_V1_GetInspectionRequest, context: ServerContext) async throws -> Cqmon_V1_Inspection {
    try await ServiceErrorMapping.run {
      if request.version < 0 { throw ServiceError.field("version", "a version is 1 or more (0 for the latest)", reason: "VERSION") }
      let view = try await supervision.inspection(
        id: request.inspectionId, version: request.version == 0 ? nil : Int(request.version), viewer: try CallContext.current().viewer)
      return Reply.inspection(view)
    }
  }

  func listInspections(request: Cqmon_V1_ListInspectionsRequest, context: ServerContext) async throws -> Cqmon_V1_ListInspectionsResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      var reader = RequestReader()
      var filter = Supervision.InspectionFilter()
      filter.creditCode = request.creditCode
      filter.districtCode = request.districtCode
      (filter.from, filter.through) = reader.period(request.period)
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let page = try await supervision.inspections(filter, viewer: call.viewer, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.inspections = page.items.map(Reply.inspection)
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  // MARK: - Complaints

  func fileComplaint(request: Cqmon_V1_FileComplaintRequest, context: ServerContext) async throws -> Cqmon_V1_Complaint {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.FileComplaint.descriptor)
      let reader = RequestReader()
      let input = Supervision.ComplaintInput(
        channel: Int(request.channel.rawValue), creditCode: request.creditCode, districtCode: request.districtCode,
        receivedAt: RequestReader.instant(request.receivedAt), content: request.content, channelReference: request.channelReference,
        complainantContact: request.complainantContact, attachments: request.attachments.compactMap(reader.document))
      return Reply.complaint(try await supervision.fileComplaint(input, viewer: call.viewer, context: write))
    }
  }

  func acceptComplaint(request: Cqmon_V1_AcceptComplaintRequest, context: ServerContext) async throws -> Cqmon_V1_Complaint {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.AcceptComplaint.descriptor)
      return Reply.complaint(try await supervision.acceptComplaint(id: request.complaintId, viewer: call.viewer, context: write))
    }
  }

  func extendComplaint(request: Cqmon_V1_ExtendComplaintRequest, context: ServerContext) async throws -> Cqmon_V1_Complaint {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.ExtendComplaint.descriptor)
      return Reply.complaint(
        try await supervision.extendComplaint(
          id: request.complaintId, days: Int(request.days), reason: request.reason, viewer: call.viewer, context: write))
    }
  }

  func resolveComplaint(request: Cqmon_V1_ResolveComplaintRequest, context: ServerContext) async throws -> Cqmon_V1_Complaint {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.ResolveComplaint.descriptor)
      let outcome: ComplaintRecord.Status? = switch request.outcome {
      case .verified: .verified
      case .unfounded: .unfounded
      case .outsideRemit: .outsideRemit
      default: nil
      }
      let reader = RequestReader()
      return Reply.complaint(
        try await supervision.resolveComplaint(
          id: request.complaintId, outcome: outcome, explanation: request.explanation, category: Int(request.category.rawValue),
          inspectionID: request.inspectionId, evidence: request.evidence.compactMap(reader.document), viewer: call.viewer, context: write))
    }
  }

  func getComplaint(request: Cqmon_V1_GetComplaintRequest, context: ServerContext) async throws -> Cqmon_V1_Complaint {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      return Reply.complaint(try await supervision.complaint(id: request.complaintId, viewer: call.viewer, caller: call.principal.uri))
    }
  }

  func listComplaints(request: Cqmon_V1_ListComplaintsRequest, context: ServerContext) async throws -> Cqmon_V1_ListComplaintsResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      var filter = Supervision.ComplaintFilter()
      filter.creditCode = request.creditCode
      filter.districtCode = request.districtCode
      filter.status = switch request.status {
      case .received: .received
      case .open: .open
      case .verified: .verified
      case .unfounded: .unfounded
      case .outsideRemit: .outsideRemit
      case .unspecified: nil
      default: throw ServiceError.field("status", "not a complaint status", reason: "COMPLAINT_STATUS")
      }
      filter.overdueOnly = request.overdue
      let page = try await supervision.complaints(
        filter, viewer: call.viewer, caller: call.principal.uri, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.complaints = page.items.map(Reply.complaint)
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  // MARK: - Findings

  func listFindings(request: Cqmon_V1_ListFindingsRequest, context: ServerContext) async throws -> Cqmon_V1_ListFindingsResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      var reader = RequestReader()
      var filter = FindingFilter()
      filter.creditCode = request.creditCode
      filter.districtCode = request.districtCode
      filter.source = request.source == .unspecified ? nil : Int(request.source.rawValue)
      filter.category = request.category == .unspecified ? nil : Int(request.category.rawValue)
      filter.rule = request.rule
      filter.status = request.status
      // Days in China: from the start day's midnight to the midnight after the end day.
      let (start, end) = reader.period(request.period)
      filter.raisedFrom = start.map { Date(timeIntervalSince1970: Double($0.chinaMidnight)) }
      filter.raisedBefore = end.map { Date(timeIntervalSince1970: Double($0.adding(days: 1).chinaMidnight)) }
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let page = try await supervision.findings(filter, viewer: call.viewer, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.findings = page.items.map(Reply.finding)
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  func getFinding(request: Cqmon_V1_GetFindingRequest, context: ServerContext) async throws -> Cqmon_V1_Finding {
    try await ServiceErrorMapping.run {
      Reply.findingView(try await supervision.finding(id: request.findingId, viewer: try CallContext.current().viewer))
    }
  }

  func decideFinding(request: Cqmon_V1_DecideFindingRequest, context: ServerContext) async throws -> Cqmon_V1_Finding {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.DecideFinding.descriptor)
      var reader = RequestReader()
      let rectifiedOn = reader.date(request.rectifiedOn, "rectified_on")
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let decision: FindingReview.Decision? = switch request.decision {
      case .confirm: .confirm
      case .dismiss: .dismiss
      case .rectified: .rectified
      default: nil
      }
      let view = try await supervision.decide(
        findingID: request.findingId, decision: decision, reason: request.reason, evidence: request.evidence.compactMap(reader.document),
        rectifiedOn: rectifiedOn, viewer: call.viewer, context: write)
      return Reply.findingView(view)
    }
  }
}

extension Reply {
  /// A finding from any source.
  static func finding(_ row: FindingRow) -> Cqmon_V1_Finding {
    .with {
      $0.findingId = row.id
      $0.creditCode = row.creditCode
      $0.category = Cqmon_V1_FindingCategory(rawValue: Int32(row.category))
      $0.source = Cqmon_V1_FindingSource(rawValue: Int32(row.source))
      $0.description = row.description
      $0.sourceId = row.sourceID
      $0.activityId = row.activityID ?? ""
      $0.raisedAt = timestamp(row.raisedAt)
      $0.verified = row.verified
      $0.rule = row.rule
      $0.activityVersion = Int32(row.activityVersion ?? 0)
      $0.fields = row.fieldPaths
      $0.status = row.status
      $0.districtCode = row.districtCode
      $0.caseId = row.caseID
    }
  }
}
