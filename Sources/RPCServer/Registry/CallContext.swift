import GRPCCore
import ProtoCodec
import Services

/// What every handler needs to know about the call it serves.
struct CallContext {
  let principal: Principal

  /// The caller as set by `CallInterceptor`; its absence is a server bug, never a client's.
  static func current() throws -> CallContext {
    guard let principal = Principal.current else {
      throw RPCError(code: .internalError, message: "no principal for this call")
    }
    return CallContext(principal: principal)
  }

  var viewer: Viewer {
    switch principal.kind {
    case .cityOfficer: .cityOfficer
    case .districtOfficer: .districtOfficer(district: principal.district?.code ?? "")
    case .partner: .partner
    case .agency: .agency(principal.creditCode!)
    }
  }

  /// The agency the caller is; PERMISSION_DENIED when `creditCode` names another.
  func ownAgency(_ creditCode: String, field: String = "credit_code") throws -> CreditCode {
    guard let own = principal.creditCode else {
      throw ServiceError(.permissionDenied, "only an agency may do this, for itself", reason: "NOT_AN_AGENCY")
    }
    guard creditCode.isEmpty || creditCode == own.rawValue else {
      throw ServiceError(
        .permissionDenied, "agency \(own) may act only for itself, not for \(creditCode)", reason: "NOT_YOUR_AGENCY",
        violations: [FieldViolation(field, "must be your own credit code \(own)", reason: "NOT_YOUR_AGENCY")])
    }
    return own
  }

  /// The write's audit facts: who, which method, the request id and the request's digest.
  func write<Request: ProtoMessage>(_ request: Request, requestID: String, method: MethodDescriptor) throws -> WriteContext {
    guard (1...64).contains(requestID.utf8.count),
      requestID.utf8.allSatisfy({ $0 < 128 && (Character(UnicodeScalar($0)).isLetter || Character(UnicodeScalar($0)).isNumber || $0 == 46 || $0 == 95 || $0 == 45) })
    else {
      throw ServiceError.field("request_id", "a request id is 1 to 64 characters of A-Z a-z 0-9 . _ -, chosen by the client so retries are safe", reason: "REQUEST_ID")
    }
    let bytes: [UInt8] = try request.serializedBytes()
    return WriteContext(
      actor: principal.uri, method: method.fullyQualifiedMethod, requestID: requestID, requestSHA256: Digest.sha256Hex(bytes))
  }
}

/// Parses a credit code from a request field, as a field violation when it is not one.
func creditCode(_ text: String, field: String = "credit_code") throws -> CreditCode {
  guard !text.isEmpty else { throw ServiceError.field(field, "the credit code is required", reason: "REQUIRED") }
  do {
    return try CreditCode(validating: text)
  } catch {
    throw ServiceError.field(field, "\(error)", reason: error.reason)
  }
}
