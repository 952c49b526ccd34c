import Foundation
import GRPCCore
import ProtoCodec
import Services

/// `cqmon.v1.FilingService` over the domain's `Filing`. Only officers and the filing agency read
/// activities, so ID numbers go out whole (there is no other reader to mask them from).
struct FilingHandler: Cqmon_V1_FilingService.SimpleServiceProtocol {
  typealias Methods = Cqmon_V1_FilingService.Method
  let filing: Filing
  /// The server's configured limits for decoding requests.
  let decodingLimits: ProtoDecodingLimits

  func fileActivity(request: Cqmon_V1_FileActivityRequest, context: ServerContext) async throws -> Cqmon_V1_Activity {
    try await ServiceErrorMapping.run {
      try await file(request, call: try CallContext.current())
    }
  }

  /// One filing; shared by the unary and the streaming method.
  private func file(_ request: Cqmon_V1_FileActivityRequest, call: CallContext) async throws -> Cqmon_V1_Activity {
    let code = try call.ownAgency(request.creditCode)
    let write = try call.write(request, requestID: request.requestId, method: Methods.FileActivity.descriptor)
    var reader = RequestReader()
    let content = reader.activity(request.activity)
    if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
    let filed = try await filing.file(
      creditCode: code, content: content, contentSHA256: try Self.contentDigest(request.activity), context: write)
    return Reply.activity(filed)
  }

  /// Reads the backlog one request at a time and answers each in order: a refused activity gets
  /// its status as a result and the stream goes on. Reading only after answering keeps a fast
  /// client's backlog in HTTP/2 flow control, not in the server's memory.
  func fileActivities(
    request: RPCAsyncSequence<Cqmon_V1_FileActivityRequest, any Error>, response: RPCWriter<Cqmon_V1_FileActivityResult>,
    context: ServerContext
  ) async throws {
    let call = try CallContext.current()
    _ = try call.ownAgency("")
    var index: Int64 = 0
    for try await item in request {
      var result = Cqmon_V1_FileActivityResult()
      result.requestId = item.requestId
      result.index = index
      do {
        result.outcome = .activity(try await ServiceErrorMapping.run { try await file(item, call: call) })
      } catch let error as RPCError {
        // Reasons that concern the whole stream end it; a refusal of this activity is its result.
        if error.code == .unavailable || error.code == .internalError { throw error }
        result.outcome = .error(RichStatus.status(in: error.metadata) ?? .with { $0.code = Int32(error.code.rawValue); $0.message = error.message })
      }
      try await response.write(result)
      index += 1
    }
  }

  func getActivity(request: Cqmon_V1_GetActivityRequest, context: ServerContext) async throws -> Cqmon_V1_Activity {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      if request.version < 0 { throw ServiceError.field("version", "a version is 1 or more (0 for the latest)", reason: "VERSION") }
      let filed = try await filing.activity(
        id: try Self.activityID(request.activityId), version: request.version == 0 ? nil : Int(request.version), viewer: call.viewer)
      return Reply.activity(filed)
    }
  }

  func listActivities(request: Cqmon_V1_ListActivitiesRequest, context: ServerContext) async throws -> Cqmon_V1_ListActivitiesResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      var filter = ActivityFilter()
      filter.creditCode = request.creditCode
      filter.districtCode = request.districtCode
      filter.sampledFrom = RequestReader.instant(request.sampledAfter)
      filter.sampledBefore = RequestReader.instant(request.sampledBefore)
      filter.parameter = request.parameter
      filter.clientName = request.clientName
      filter.status = switch request.status {
      case .filed: .filed
      case .withdrawn: .withdrawn
      default: nil
      }
      filter.hasFindings = switch request.findings {
      case .with: true
      case .without: false
      default: nil
      }
      let page = try await filing.activities(filter, viewer: call.viewer, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.activities = page.items.map { Reply.activity($0) }
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  func listActivityVersions(request: Cqmon_V1_ListActivityVersionsRequest, context: ServerContext) async throws -> Cqmon_V1_ListActivityVersionsResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let versions = try await filing.versions(id: try Self.activityID(request.activityId), viewer: call.viewer)
      return .with { $0.versions = versions.map { Reply.activity($0) } }
    }
  }

  func amendActivity(request: Cqmon_V1_AmendActivityRequest, context: ServerContext) async throws -> Cqmon_V1_Activity {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let code = try call.ownAgency("")
      let write = try call.write(request, requestID: request.requestId, method: Methods.AmendActivity.descriptor)
      var reader = RequestReader()
      let content = reader.activity(request.activity)
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let filed = try await filing.amend(
        activityID: try Self.activityID(request.activityId), expectedVersion: Int(request.expectedVersion), content: content,
        contentSHA256: try Self.contentDigest(request.activity), reason: request.reason, filer: code, context: write)
      return Reply.activity(filed)
    }
  }

  func withdrawActivity(request: Cqmon_V1_WithdrawActivityRequest, context: ServerContext) async throws -> Cqmon_V1_Activity {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let code = try call.ownAgency("")
      let write = try call.write(request, requestID: request.requestId, method: Methods.WithdrawActivity.descriptor)
      let filed = try await filing.withdraw(activityID: try Self.activityID(request.activityId), reason: request.reason, filer: code, context: write)
      return Reply.activity(filed)
    }
  }

  // MARK: - Helpers

  static func activityID(_ text: String) throws -> String {
    guard !text.isEmpty else { throw ServiceError.field("activity_id", "the activity id is required", reason: "REQUIRED") }
    return text
  }

  /// SHA-256 of the content in its canonical protobuf encoding, as the client can compute it.
  static func contentDigest(_ content: Cqmon_V1_ActivityContent?) throws -> String {
    Digest.sha256Hex(try (content ?? Cqmon_V1_ActivityContent()).serializedBytes())
  }
}
