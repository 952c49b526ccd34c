/// Why a registry operation was refused. The RPC layer maps `code` to a gRPC status (one
/// table, `DomainErrorMapping`), `violations` to `BadRequest` and `reason` to `ErrorInfo`.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
  /// An extensible set of outcomes, in the style of GRPCCore's `RPCError.Code`.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String {
      case invalidArgument, notFound, alreadyExists, failedPrecondition, permissionDenied, resourceExhausted, aborted, unavailable
      case outOfRange
      case internalError
    }
    private let wrapped: Wrapped

    /// The request is wrong in itself (see the violations).
    public static let invalidArgument = Code(wrapped: .invalidArgument)
    /// What the request names does not exist (or is not the caller's to see).
    public static let notFound = Code(wrapped: .notFound)
    /// It exists already (a second pending application, an agency enrolled twice).
    public static let alreadyExists = Code(wrapped: .alreadyExists)
    /// The request is fine, but the state of things forbids it (a ban, a removed agency).
    public static let failedPrecondition = Code(wrapped: .failedPrecondition)
    /// The caller may not act on this record (another agency's, another district's).
    public static let permissionDenied = Code(wrapped: .permissionDenied)
    /// The request is over a limit of the server's (a document too large).
    public static let resourceExhausted = Code(wrapped: .resourceExhausted)
    /// A position past the end of what exists (a tree size the log has not reached).
    public static let outOfRange = Code(wrapped: .outOfRange)
    /// A concurrent change got there first.
    public static let aborted = Code(wrapped: .aborted)
    /// The database cannot be reached; nothing was written. Retry later.
    public static let unavailable = Code(wrapped: .unavailable)
    /// A fault of the server's own.
    public static let internalError = Code(wrapped: .internalError)

    public var description: String { wrapped.rawValue }
  }

  public var code: Code
  public var message: String
  /// A stable reason, e.g. `AGENCY_BANNED`.
  public var reason: String
  public var violations: [FieldViolation]
  /// Extra facts for `ErrorInfo.metadata`, e.g. `banned_until`.
  public var info: [String: String]

  public init(_ code: Code, _ message: String, reason: String, violations: [FieldViolation] = [], info: [String: String] = [:]) {
    self.code = code
    self.message = message
    self.reason = reason
    self.violations = violations
    self.info = info
  }

  /// A refusal listing wrong fields.
  public static func invalid(_ violations: [FieldViolation]) -> ServiceError {
    let first = violations.first
    let summary = violations.count == 1 ? "1 field is wrong" : "\(violations.count) fields are wrong"
    return ServiceError(
      .invalidArgument, "\(summary): \(first.map { "\($0.field): \($0.description)" } ?? "")",
      reason: first?.reason ?? "INVALID", violations: violations)
  }

  public var description: String { "\(code): \(message) [\(reason)]" }
}

/// Who is writing and what they sent: recorded in the audit log with the write.
public struct WriteContext: Sendable {
  /// The caller's identity (its certificate's URI SAN).
  public var actor: String
  /// The gRPC method, `package.Service/Method`.
  public var method: String
  /// The client's idempotency key.
  public var requestID: String
  /// SHA-256 (hex) of the request as received.
  public var requestSHA256: String

  public init(actor: String, method: String, requestID: String, requestSHA256: String) {
    self.actor = actor
    self.method = method
    self.requestID = requestID
    self.requestSHA256 = requestSHA256
  }
}
