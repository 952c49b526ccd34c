import Foundation
import GRPCCore
import ProtoCodec
import Services

/// `cqmon.v1.CreditService` over the domain's `Credit`.
struct CreditHandler: Cqmon_V1_CreditService.SimpleServiceProtocol {
  typealias Methods = Cqmon_V1_CreditService.Method
  let credit: Credit

  // MARK: - The indicator system

  func putIndicatorSystem(request: Cqmon_V1_PutIndicatorSystemRequest, context: ServerContext) async throws -> Cqmon_V1_IndicatorSystem {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.PutIndicatorSystem.descriptor)
      guard let proto = request.system else { throw ServiceError.required("system", "the indicator system") }
      var reader = RequestReader()
      let system = reader.indicatorSystem(proto)
      // Every field at fault at once: points the reader could not take, then the system's rules
      // on the rest.
      let rules = IndicatorSystem.violations(system).filter { rule in !reader.violations.contains { $0.field == rule.field } }
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations + rules) }
      let (stored, row) = try await credit.putIndicators(system, context: write)
      return Reply.indicatorSystem(stored, row)
    }
  }

  func getIndicatorSystem(request: Cqmon_V1_GetIndicatorSystemRequest, context: ServerContext) async throws -> Cqmon_V1_IndicatorSystem {
    try await ServiceErrorMapping.run {
      if request.version < 0 { throw ServiceError.field("version", "a version is 1 or more (0 for the current one)", reason: "VERSION") }
      let (system, row) = try await credit.indicators(
        version: request.version == 0 ? nil : Int(request.version), viewer: try CallContext.current().viewer)
      return Reply.indicatorSystem(system, row)
    }
  }

  // MARK: - Evidence

  func recordEvidence(request: Cqmon_V1_RecordEvidenceRequest, context: ServerContext) async throws -> Cqmon_V1_Evidence {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.RecordEvidence.descriptor)
      var reader = RequestReader()
      let occurredOn = reader.date(request.occurredOn, "occurred_on")
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let input = Credit.EvidenceInput(
        creditCode: request.creditCode, source: Int(request.source.rawValue), indicatorCode: request.indicatorCode, points: request.points,
        description: request.description, occurredOn: occurredOn, verified: request.verified, note: request.note,
        documents: request.documents.compactMap(reader.document), findingID: request.findingId)
      let (record, row) = try await credit.recordEvidence(input, viewer: call.viewer, context: write)
      return Reply.evidence(record, row)
    }
  }

  func verifyEvidence(request: Cqmon_V1_VerifyEvidenceRequest, context: ServerContext) async throws -> Cqmon_V1_Evidence {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.VerifyEvidence.descriptor)
      let (record, row) = try await credit.verifyEvidence(
        id: request.evidenceId, verified: request.verified, note: request.note, viewer: call.viewer, context: write)
      return Reply.evidence(record, row)
    }
  }

  func listEvidence(request: Cqmon_V1_ListEvidenceRequest, context: ServerContext) async throws -> Cqmon_V1_ListEvidenceResponse {
    try await ServiceErrorMapping.run {
      let page = try await credit.evidence(
        creditCode: request.creditCode, year: request.year == 0 ? nil : Int(request.year), viewer: try CallContext.current().viewer,
        page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.evidence = page.items.map { Reply.evidence($0.0, $0.1) }
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  // MARK: - The evaluation and its ratings

  func runEvaluation(request: Cqmon_V1_RunEvaluationRequest, context: ServerContext) async throws -> Cqmon_V1_Evaluation {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.RunEvaluation.descriptor)
      if request.indicatorVersion < 0 { throw ServiceError.field("indicator_version", "a version is 1 or more (0 for the current one)", reason: "VERSION") }
      let (record, row) = try await credit.evaluate(
        year: Int(request.year), indicatorVersion: request.indicatorVersion == 0 ? nil : Int(request.indicatorVersion), context: write)
      return Reply.evaluation(record, row)
    }
  }

  func getEvaluation(request: Cqmon_V1_GetEvaluationRequest, context: ServerContext) async throws -> Cqmon_V1_Evaluation {
    try await ServiceErrorMapping.run {
      let (record, row) = try await credit.evaluation(id: request.evaluationId, viewer: try CallContext.current().viewer)
      return Reply.evaluation(record, row)
    }
  }

  func getRating(request: Cqmon_V1_GetRatingRequest, context: ServerContext) async throws -> Cqmon_V1_Rating {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      if request.creditCode.isEmpty { throw ServiceError.required("credit_code", "the agency's credit code") }
      let (rating, record) = try await credit.rating(
        creditCode: request.creditCode, year: request.year == 0 ? nil : Int(request.year), viewer: call.viewer)
      return Reply.rating(rating, of: record)
    }
  }

  func listRatings(request: Cqmon_V1_ListRatingsRequest, context: ServerContext) async throws -> Cqmon_V1_ListRatingsResponse {
    try await ServiceErrorMapping.run {
      if request.year == 0 { throw ServiceError.required("year", "the year") }
      let level: String? = request.level == .unspecified ? nil : request.level.letter
      let (page, record) = try await credit.ratings(
        year: Int(request.year), level: level, viewer: try CallContext.current().viewer,
        page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.ratings = record.map { record in page.items.map { Reply.rating($0, of: record) } } ?? []
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  // MARK: - The holiday calendar

  func putHolidayCalendar(request: Cqmon_V1_PutHolidayCalendarRequest, context: ServerContext) async throws -> Cqmon_V1_HolidayCalendar {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.PutHolidayCalendar.descriptor)
      guard let proto = request.calendar else { throw ServiceError.required("calendar", "the calendar") }
      var reader = RequestReader()
      let daysOff = proto.daysOff.enumerated().compactMap { reader.date($1, "calendar.days_off[\($0)]") }
      let worked = proto.workingWeekendDays.enumerated().compactMap { reader.date($1, "calendar.working_weekend_days[\($0)]") }
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let (record, _) = try await credit.putCalendar(
        HolidayCalendar(year: Int(proto.year), daysOff: Set(daysOff), workingWeekendDays: Set(worked)), source: proto.source, context: write)
      return Reply.calendar(record)
    }
  }

  func getHolidayCalendar(request: Cqmon_V1_GetHolidayCalendarRequest, context: ServerContext) async throws -> Cqmon_V1_HolidayCalendar {
    try await ServiceErrorMapping.run {
      Reply.calendar(try await credit.calendar(year: Int(request.year)).0)
    }
  }

  // MARK: - Publicity, objections, publication

  func startPublicity(request: Cqmon_V1_StartPublicityRequest, context: ServerContext) async throws -> Cqmon_V1_Evaluation {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.StartPublicity.descriptor)
      var reader = RequestReader()
      let startsOn = reader.date(request.startsOn, "starts_on")
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let (record, row) = try await credit.startPublicity(evaluationID: request.evaluationId, startsOn: startsOn, context: write)
      return Reply.evaluation(record, row)
    }
  }

  func fileObjection(request: Cqmon_V1_FileObjectionRequest, context: ServerContext) async throws -> Cqmon_V1_Objection {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.FileObjection.descriptor)
      let reader = RequestReader()
      let (record, row) = try await credit.fileObjection(
        evaluationID: request.evaluationId, creditCode: request.creditCode, grounds: request.grounds,
        documents: request.documents.compactMap(reader.document), objector: request.objector, viewer: call.viewer, context: write)
      return Reply.objection(record, row)
    }
  }

  func resolveObjection(request: Cqmon_V1_ResolveObjectionRequest, context: ServerContext) async throws -> Cqmon_V1_Objection {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.ResolveObjection.descriptor)
      let upheld: Bool? = switch request.outcome {
      case .upheld: true
      case .dismissed: false
      default: nil
      }
      let (record, row) = try await credit.resolveObjection(
        id: request.objectionId, upheld: upheld, reviewedLevel: request.reviewedLevel.letter, decision: request.decision, context: write)
      return Reply.objection(record, row)
    }
  }

  func listObjections(request: Cqmon_V1_ListObjectionsRequest, context: ServerContext) async throws -> Cqmon_V1_ListObjectionsResponse {
    try await ServiceErrorMapping.run {
      let status: String? = switch request.status {
      case .open: "open"
      case .upheld: "upheld"
      case .dismissed: "dismissed"
      default: nil
      }
      let page = try await credit.objections(
        evaluationID: request.evaluationId, status: status, viewer: try CallContext.current().viewer,
        page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.objections = page.items.map { Reply.objection($0.0, $0.1) }
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  func publishRatings(request: Cqmon_V1_PublishRatingsRequest, context: ServerContext) async throws -> Cqmon_V1_Bulletin {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.PublishRatings.descriptor)
      let (record, _) = try await credit.publish(evaluationID: request.evaluationId, context: write)
      guard let signed = record.bulletin else { throw ServiceError(.internalError, "the published evaluation has no bulletin", reason: "BULLETIN_MISSING") }
      return Reply.bulletin(record, signed, ratings: Credit.published(record))
    }
  }

  // MARK: - Direct E (Art. 16, 20)

  func triggerLevelE(request: Cqmon_V1_TriggerLevelERequest, context: ServerContext) async throws -> Cqmon_V1_Rating {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.TriggerLevelE.descriptor)
      let code = try creditCode(request.creditCode)
      var reader = RequestReader()
      let decidedOn = reader.date(request.decidedOn, "decided_on")
      if !reader.violations.isEmpty { throw ServiceError.invalid(reader.violations) }
      let rating = try await credit.triggerE(
        creditCode: code, art16Case: Int(request.art16Case.rawValue), decidedOn: decidedOn, description: request.description,
        evidence: request.evidence.compactMap(reader.document), persons: request.personsInvolved.compactMap(reader.person), context: write)
      return Reply.published(rating, publishedAt: nil)
    }
  }

}
