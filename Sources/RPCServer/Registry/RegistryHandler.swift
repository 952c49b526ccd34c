import Foundation
import GRPCCore
import ProtoCodec
import Services

/// `cqmon.v1.RegistryService` over the domain's `Registry`: each method reads the request,
/// calls the domain, maps its errors (`ServiceErrorMapping`) and builds the reply.
struct RegistryHandler: Cqmon_V1_RegistryService.SimpleServiceProtocol {
  typealias Methods = Cqmon_V1_RegistryService.Method
  let registry: Registry
  /// The server's configured limits for decoding requests.
  let decodingLimits: ProtoDecodingLimits

  /// ID numbers are shown in full to officers and to the agency itself, masked otherwise.
  private func reveal(_ call: CallContext, agency: String) -> Bool {
    call.principal.isOfficer || call.principal.creditCode?.rawValue == agency
  }

  func enrollAgency(request: Cqmon_V1_EnrollAgencyRequest, context: ServerContext) async throws -> Cqmon_V1_EnrollAgencyResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.EnrollAgency.descriptor)
      let enrolment = try await registry.enroll(creditCode: request.creditCode, name: request.name, csrPEM: request.csrPem, context: write)
      return .with {
        $0.certificate = Reply.certificate(enrolment.certificate)
        $0.certificatePem = enrolment.certificatePEM
        $0.caCertificatePem = enrolment.caCertificatePEM
        $0.receipt = Reply.receipt(enrolment.receipt)
      }
    }
  }

  func renewCertificate(request: Cqmon_V1_RenewCertificateRequest, context: ServerContext) async throws -> Cqmon_V1_RenewCertificateResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let write = try call.write(request, requestID: request.requestId, method: Methods.RenewCertificate.descriptor)
      let enrolment = try await registry.renew(creditCode: try call.ownAgency(""), csrPEM: request.csrPem, context: write)
      return .with {
        $0.certificate = Reply.certificate(enrolment.certificate)
        $0.certificatePem = enrolment.certificatePEM
        $0.caCertificatePem = enrolment.caCertificatePEM
        $0.receipt = Reply.receipt(enrolment.receipt)
      }
    }
  }

  func revokeCertificate(request: Cqmon_V1_RevokeCertificateRequest, context: ServerContext) async throws -> Cqmon_V1_IssuedCertificate {
    try await ServiceErrorMapping.run {
      let write = try CallContext.current().write(request, requestID: request.requestId, method: Methods.RevokeCertificate.descriptor)
      return Reply.certificate(try await registry.revoke(serial: request.serial, reason: request.reason, context: write))
    }
  }

  func listCertificates(request: Cqmon_V1_ListCertificatesRequest, context: ServerContext) async throws -> Cqmon_V1_ListCertificatesResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let code = call.principal.kind == .agency ? try call.ownAgency(request.creditCode) : try creditCode(request.creditCode)
      let page = try await registry.certificates(of: code, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.certificates = page.items.map(Reply.certificate)
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  func submitApplication(request: Cqmon_V1_SubmitApplicationRequest, context: ServerContext) async throws -> Cqmon_V1_Application {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let code = try call.ownAgency(request.creditCode)
      let write = try call.write(request, requestID: request.requestId, method: Methods.SubmitApplication.descriptor)
      var reader = RequestReader()
      guard request.materials != nil else { throw ServiceError.field("materials", "the Art. 4(1) materials are required", reason: "REQUIRED") }
      let materials = reader.materials(request.materials, "materials")
      try reader.check()
      return Reply.application(try await registry.submit(creditCode: code, materials: materials, context: write), reveal: true)
    }
  }

  func getApplication(request: Cqmon_V1_GetApplicationRequest, context: ServerContext) async throws -> Cqmon_V1_Application {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let record = try await registry.application(id: request.applicationId, viewer: call.viewer)
      return Reply.application(record, reveal: reveal(call, agency: record.creditCode))
    }
  }

  func listApplications(request: Cqmon_V1_ListApplicationsRequest, context: ServerContext) async throws -> Cqmon_V1_ListApplicationsResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let status: ApplicationRecord.Status? = switch request.status {
      case .pending: .pending
      case .approved: .approved
      case .rejected: .rejected
      case .returned: .returned
      default: nil
      }
      let page = try await registry.applications(
        creditCode: request.creditCode, status: status, viewer: call.viewer, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.applications = page.items.map { Reply.application($0, reveal: reveal(call, agency: $0.creditCode)) }
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  func reviewApplication(request: Cqmon_V1_ReviewApplicationRequest, context: ServerContext) async throws -> Cqmon_V1_Application {
    try await ServiceErrorMapping.run {
      let write = try CallContext.current().write(request, requestID: request.requestId, method: Methods.ReviewApplication.descriptor)
      let decision: ApplicationRecord.Decision? = switch request.decision {
      case .approve: .approve
      case .reject: .reject
      case .returnForMore: .returnForMore
      default: nil
      }
      let record = try await registry.review(applicationID: request.applicationId, decision: decision, reasons: request.reasons, context: write)
      return Reply.application(record, reveal: true)
    }
  }

  func getAgency(request: Cqmon_V1_GetAgencyRequest, context: ServerContext) async throws -> Cqmon_V1_Agency {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let code = try creditCode(request.creditCode)
      let asOf = request.asOf.map { Date(timeIntervalSince1970: Double($0.seconds) + Double($0.nanos) / 1e9) }
      let record = try await registry.agency(creditCode: code, asOf: asOf, viewer: call.viewer)
      return Reply.agency(record, reveal: reveal(call, agency: record.creditCode))
    }
  }

  func listAgencies(request: Cqmon_V1_ListAgenciesRequest, context: ServerContext) async throws -> Cqmon_V1_ListAgenciesResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let status: AgencyRecord.Status? = switch request.status {
      case .enrolled: .enrolled
      case .listed: .listed
      case .removed: .removed
      default: nil
      }
      let page = try await registry.agencies(
        status: status, districtCode: request.districtCode, nameContains: request.nameContains,
        page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.agencies = page.items.map { Reply.agency($0, reveal: reveal(call, agency: $0.creditCode)) }
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  func fileChange(request: Cqmon_V1_FileChangeRequest, context: ServerContext) async throws -> Cqmon_V1_Change {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let code = try call.ownAgency(request.creditCode)
      let write = try call.write(request, requestID: request.requestId, method: Methods.FileChange.descriptor)
      var reader = RequestReader()
      if request.kind == .unspecified { throw ServiceError.field("kind", "say what changed", reason: "REQUIRED") }
      let effective = reader.date(request.effectiveOn, "effective_on")
      let value = try reader.changeValue(request.value, kind: request.kind)
      try reader.check()
      let record = try await registry.fileChange(
        creditCode: code, effectiveOn: effective, value: value, documents: request.documents.compactMap(reader.document),
        note: request.note, context: write)
      return Reply.change(record, reveal: true)
    }
  }

  func listChanges(request: Cqmon_V1_ListChangesRequest, context: ServerContext) async throws -> Cqmon_V1_ListChangesResponse {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      let code = try creditCode(request.creditCode)
      let page = try await registry.changes(
        creditCode: code, kind: ChangeKind(rawValue: Int(request.kind.rawValue)).flatMap { $0 == .unspecified ? nil : $0 },
        lateOnly: request.lateOnly, viewer: call.viewer, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.changes = page.items.map { Reply.change($0, reveal: reveal(call, agency: $0.creditCode)) }
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  func removeAgency(request: Cqmon_V1_RemoveAgencyRequest, context: ServerContext) async throws -> Cqmon_V1_Removal {
    try await ServiceErrorMapping.run {
      let write = try CallContext.current().write(request, requestID: request.requestId, method: Methods.RemoveAgency.descriptor)
      var reader = RequestReader()
      let code = try creditCode(request.creditCode)
      let decided = reader.date(request.decidedOn, "decided_on")
      try reader.check()
      let removal = try await registry.remove(
        creditCode: code, art16Case: Int(request.art16Case.rawValue), decidedOn: decided, description: request.description,
        evidence: request.evidence.compactMap(reader.document), persons: request.personsInvolved.compactMap(reader.person),
        context: write)
      return .with {
        $0.removalId = removal.id
        $0.agency = Reply.agency(removal.agency, reveal: true)
        $0.art16Case = .init(rawValue: Int32(removal.art16Case))
        $0.decidedOn = Reply.date(removal.decidedOn)
        $0.description = removal.description
        $0.evidence = removal.evidence.compactMap(Reply.document)
        $0.bans = removal.bans.map { Reply.ban($0, reveal: true) }
        $0.removalCount = Int32(removal.removalCount)
        $0.receipt = Reply.receipt(removal.receipt)
      }
    }
  }

  func checkEligibility(request: Cqmon_V1_CheckEligibilityRequest, context: ServerContext) async throws -> Cqmon_V1_Eligibility {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      var reader = RequestReader()
      let day = reader.date(request.on, "on")
      try reader.check()
      let bans: [BanRecord]
      switch request.subject {
      case .creditCode(let text)?:
        let code = try creditCode(text)
        if call.principal.kind == .agency { _ = try call.ownAgency(text) }
        bans = try await registry.eligibility(agency: code, person: nil, on: day, viewer: call.viewer)
      case .idNumber(let text)?:
        let id: ResidentID
        do {
          id = try ResidentID(validating: text)
        } catch let error as ResidentIDError {
          throw ServiceError.field("id_number", "\(error)", reason: error.reason)
        }
        bans = try await registry.eligibility(agency: nil, person: id, on: day, viewer: call.viewer)
      case nil:
        throw ServiceError.field("subject", "name an agency (credit_code) or a person (id_number)", reason: "REQUIRED")
      }
      return .with {
        $0.eligible = bans.isEmpty
        $0.bans = bans.map { Reply.ban($0, reveal: call.principal.isOfficer) }
        $0.bannedUntil = Reply.date(bans.map(\.endsOn).max())
      }
    }
  }
}
