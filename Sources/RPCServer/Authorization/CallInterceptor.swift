public import GRPCCore
import Logging
import ProtoCodec

extension Principal {
  /// The caller of the call being handled, set by `CallInterceptor` before any handler runs.
  @TaskLocal public static var current: Principal?
}

/// Runs around every call, before any handler: works out the caller's principal (refusing
/// callers without one with UNAUTHENTICATED), checks the policy table (PERMISSION_DENIED), makes
/// the principal available to handlers as `Principal.current`, and when the call ends writes
/// one log line (method, principal, status, duration) and records the metrics.
///
/// The per-call path does no parsing: the principal comes from `CertificateIdentity`'s cache and
/// the policy is a dictionary lookup.
public struct CallInterceptor: ServerInterceptor {
  let identity: any IdentityResolver
  let policy: AccessPolicy
  let logger: Logger
  let metrics: CallMetrics?

  public init(identity: any IdentityResolver, policy: AccessPolicy, logger: Logger, metrics: CallMetrics?) {
    self.identity = identity
    self.policy = policy
    self.logger = logger
    self.metrics = metrics
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let method = context.descriptor.fullyQualifiedMethod
    let type = CallMetrics.type(context.descriptor.type)
    let start = ContinuousClock.now
    metrics?.started()
    let principal: Principal
    do {
      principal = try identity.principal(of: context)
    } catch {
      let refusal = RPCError(
        code: .unauthenticated, message: "refused: \(error)",
        metadata: RichStatus.metadata(code: .unauthenticated, message: "\(error)", reason: error.reason))
      refuse(method: method, type: type, principal: nil, reason: error.reason, start: start)
      throw refusal
    }
    guard policy.allows(principal.kind, method) else {
      let message = "a \(principal.kind.rawValue) may not call \(method)"
      refuse(method: method, type: type, principal: principal, reason: "METHOD_NOT_ALLOWED", start: start)
      throw RPCError(
        code: .permissionDenied, message: message,
        metadata: RichStatus.metadata(code: .permissionDenied, message: message, reason: "METHOD_NOT_ALLOWED"))
    }

    var response: StreamingServerResponse<Output>
    do {
      response = try await Principal.$current.withValue(principal) { try await next(request, context) }
    } catch {
      if let refusal = error as? RPCError, refusal.code == .permissionDenied {
        // A service's own refusal (another agency's records, another district's): logged like
        // the policy's, with its reason and no personal data.
        let reason = RichStatus.status(in: refusal.metadata).flatMap(RichStatus.reason) ?? "PERMISSION_DENIED"
        logger.warning("call refused", metadata: ["method": "\(method)", "principal": "\(principal.uri)", "reason": "\(reason)"])
      }
      finish(method: method, type: type, principal: principal, code: Self.code(of: error), start: start)
      throw error
    }
    switch response.accepted {
    case .success(var contents):
      let producer = contents.producer
      contents.producer = { writer in
        do {
          let trailers = try await Principal.$current.withValue(principal) { try await producer(writer) }
          finish(method: method, type: type, principal: principal, code: .ok, start: start)
          return trailers
        } catch {
          finish(method: method, type: type, principal: principal, code: Self.code(of: error), start: start)
          throw error
        }
      }
      response.accepted = .success(contents)
    case .failure(let error):
      finish(method: method, type: type, principal: principal, code: Status.Code(error.code), start: start)
    }
    return response
  }

  private func refuse(method: String, type: String, principal: Principal?, reason: String, start: ContinuousClock.Instant) {
    // Never personal data: the principal URI holds a credit code or a user name, not an ID number.
    logger.warning("call refused", metadata: [
      "method": "\(method)", "principal": "\(principal?.uri ?? "-")", "reason": "\(reason)",
    ])
    finish(method: method, type: type, principal: principal, code: principal == nil ? .unauthenticated : .permissionDenied, start: start)
  }

  private func finish(method: String, type: String, principal: Principal?, code: Status.Code, start: ContinuousClock.Instant) {
    let duration = ContinuousClock.now - start
    metrics?.finished(method: method, type: type, code: code, duration: duration)
    if logger.logLevel <= .info {
      logger.info("call", metadata: [
        "method": "\(method)", "principal": "\(principal?.uri ?? "-")", "status": "\(code)",
        "duration_ms": "\(Double(duration.components.attoseconds / 1_000_000_000_000) / 1000 + Double(duration.components.seconds) * 1000)",
      ])
    }
  }

  static func code(of error: any Error) -> Status.Code {
    if let error = error as? RPCError { return Status.Code(error.code) }
    if let error = error as? any RPCErrorConvertible { return Status.Code(error.rpcErrorCode) }
    return .unknown
  }
}
