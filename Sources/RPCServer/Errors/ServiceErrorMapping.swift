public import GRPCCore
import ProtoCodec
import Services

/// The one table from domain outcomes to gRPC status codes, with the details every client can
/// read: `BadRequest` field violations and an `ErrorInfo` reason (domain `cqmon.v1`).
public enum ServiceErrorMapping {
  static let codes: [ServiceError.Code: RPCError.Code] = [
    .invalidArgument: .invalidArgument,
    .notFound: .notFound,
    .alreadyExists: .alreadyExists,
    .failedPrecondition: .failedPrecondition,
    .permissionDenied: .permissionDenied,
    .resourceExhausted: .resourceExhausted,
    .aborted: .aborted,
    .outOfRange: .outOfRange,
    .unavailable: .unavailable,
    .internalError: .internalError,
  ]

  public static func rpcError(_ error: ServiceError) -> RPCError {
    let code = codes[error.code] ?? .internalError
    return RPCError(
      code: code, message: error.message,
      metadata: RichStatus.metadata(
        code: code, message: error.message, reason: error.reason,
        violations: error.violations.map { .init(field: $0.field, description: $0.description, reason: $0.reason) },
        info: error.info))
  }

  /// The engine could not do the work: UNAVAILABLE (retry later) or ABORTED (retry now);
  /// either way nothing was written.
  static func rpcError(storeError error: StoreError) -> RPCError {
    if error.code == .conflict {
      return rpcError(ServiceError(.aborted, "a concurrent write got there first; nothing was written, retry", reason: "CONFLICT"))
    }
    return rpcError(ServiceError(.unavailable, "the database is unavailable; nothing was written, retry later", reason: "DATABASE_UNAVAILABLE"))
  }

  /// Runs a handler body, turning domain errors into statuses. Errors that are neither are a
  /// fault of the server's: INTERNAL, with no detail that could leak data.
  static func run<T>(_ body: () async throws -> T) async throws -> T {
    do {
      return try await body()
    } catch let error as ServiceError {
      throw rpcError(error)
    } catch let error as StoreError {
      throw rpcError(storeError: error)
    } catch let error as RPCError {
      throw error
    } catch let error where error is any RPCErrorConvertible {
      throw error
    } catch {
      throw RPCError(code: .internalError, message: "the server failed to complete the request", cause: error)
    }
  }
}

extension ServiceError {
  /// A violation of a request field, for the mapping code.
  static func field(_ field: String, _ description: String, reason: String) -> ServiceError {
    .invalid([FieldViolation(field, description, reason: reason)])
  }
}
