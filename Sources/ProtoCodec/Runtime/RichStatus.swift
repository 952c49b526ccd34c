public import GRPCCore

/// Rich error details (`google.rpc.Status` in the `grpc-status-details-bin` trailer), the way
/// Google's APIs send them, so that a client in any language can show which field was wrong and
/// why: `BadRequest` field violations and an `ErrorInfo` with a stable reason.
public enum RichStatus {
  /// The trailer that carries the serialized `google.rpc.Status`.
  public static let detailsKey = "grpc-status-details-bin"
  /// `ErrorInfo.domain` of every error this API raises.
  public static let domain = "cqmon.v1"

  /// One wrong field.
  public struct FieldViolation: Sendable, Hashable {
    /// The field's path in the request, e.g. `materials.staff[3].id_number`.
    public var field: String
    /// What is wrong, for people, citing the rule or article.
    public var description: String
    /// A stable reason, e.g. `CREDIT_CODE_CHECK_CHARACTER`.
    public var reason: String

    public init(field: String, description: String, reason: String) {
      self.field = field
      self.description = description
      self.reason = reason
    }
  }

  /// The trailer metadata for an error: the status with a `BadRequest` (when there are field
  /// violations) and an `ErrorInfo` (when there is a reason).
  public static func metadata(
    code: RPCError.Code, message: String, reason: String?, violations: [FieldViolation] = [],
    info: [String: String] = [:]
  ) -> Metadata {
    var status = Google_Rpc_Status()
    status.code = Int32(code.rawValue)
    status.message = message
    if !violations.isEmpty {
      let badRequest = Google_Rpc_BadRequest.with {
        $0.fieldViolations = violations.map { violation in
          .with {
            $0.field = violation.field
            $0.description = violation.description
            $0.reason = violation.reason
          }
        }
      }
      status.details.append(pack(badRequest))
    }
    if let reason {
      status.details.append(pack(Google_Rpc_ErrorInfo.with {
        $0.reason = reason
        $0.domain = domain
        $0.metadata = info
      }))
    }
    var metadata = Metadata()
    // Encoding cannot fail: every string here is the server's own, without NUL.
    metadata.addBinary((try? status.serializedBytes()) ?? [], forKey: detailsKey)
    return metadata
  }

  /// The status details in `metadata`, if any.
  public static func status(in metadata: Metadata) -> Google_Rpc_Status? {
    for value in metadata[binaryValues: detailsKey] {
      if let status = try? Google_Rpc_Status(serializedBytes: value) { return status }
    }
    return nil
  }

  /// The field violations of a `BadRequest` in `status`, if any.
  public static func violations(in status: Google_Rpc_Status) -> [FieldViolation] {
    status.details.filter { $0.typeUrl == typeURL(Google_Rpc_BadRequest.self) }.flatMap { any in
      ((try? Google_Rpc_BadRequest(serializedBytes: any.value))?.fieldViolations ?? []).map {
        FieldViolation(field: $0.field, description: $0.description, reason: $0.reason)
      }
    }
  }

  /// The reason of an `ErrorInfo` in `status`, if any.
  public static func reason(in status: Google_Rpc_Status) -> String? {
    status.details.lazy.filter { $0.typeUrl == typeURL(Google_Rpc_ErrorInfo.self) }
      .compactMap { try? Google_Rpc_ErrorInfo(serializedBytes: $0.value).reason }.first
  }

  static func typeURL<M: ProtoMessage>(_ type: M.Type) -> String {
    "type.googleapis.com/" + M.protoMessageName
  }

  static func pack<M: ProtoMessage>(_ message: M) -> Google_Protobuf_Any {
    .with {
      $0.typeUrl = typeURL(M.self)
      $0.value = (try? message.serializedBytes()) ?? []
    }
  }
}

extension ProtoDecodingError {
  /// The reason in `ErrorInfo`, e.g. `DECODING_NUL_IN_STRING`.
  public var errorInfoReason: String { "DECODING_" + reason.description }

  public var rpcErrorMetadata: Metadata {
    RichStatus.metadata(
      code: rpcErrorCode, message: description, reason: errorInfoReason,
      violations: field.isEmpty ? [] : [.init(field: field, description: detail, reason: errorInfoReason)])
  }
}
