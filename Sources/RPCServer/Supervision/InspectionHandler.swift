import Foundation
import GRPCCore
import ProtoCodec
import Services

/// The built part of `cqmon.v1.InspectionService`: `ListFindings`. It registers only that
/// method, over `PlannedAPIService`'s UNIMPLEMENTED handler; the other methods keep answering
/// UNIMPLEMENTED until the supervision issue builds them.
struct InspectionHandler: RegistrableRPCService {
  let findings: Findings
  /// The server's configured limits for decoding requests.
  let decodingLimits: ProtoDecodingLimits

  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    router.registerHandler(
      forMethod: Cqmon_V1_InspectionService.Method.ListFindings.descriptor,
      deserializer: ProtoDeserializer<Cqmon_V1_ListFindingsRequest>(limits: decodingLimits),
      serializer: ProtoSerializer<Cqmon_V1_ListFindingsResponse>(),
      handler: { request, context in
        let single = try await ServerRequest(stream: request)
        return StreamingServerResponse(single: ServerResponse(message: try await listFindings(request: single.message)))
      })
  }

  func listFindings(request: Cqmon_V1_ListFindingsRequest) async throws -> Cqmon_V1_ListFindingsResponse {
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
      if let period = request.period {
        let start = reader.date(period.start, "period.start")
        let end = reader.date(period.end, "period.end")
        if let start, let end, end < start {
          reader.violations.append(FieldViolation("period.end", "the period ends before it starts (\(start))", reason: "PERIOD_REVERSED"))
        }
        // Days in China: from the start day's midnight to the midnight after the end day.
        filter.raisedFrom = start.map { Date(timeIntervalSince1970: Double($0.chinaMidnight)) }
        filter.raisedBefore = end.map { Date(timeIntervalSince1970: Double($0.adding(days: 1).chinaMidnight)) }
      }
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let page = try await findings.list(filter, viewer: call.viewer, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.findings = page.items.map(Reply.finding)
        $0.nextPageToken = page.nextPageToken
      }
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
    }
  }
}
