public import GRPCCore

/// Why bytes could not be decoded into a message. The server answers `INVALID_ARGUMENT` with
/// `message`, which names the field (e.g. `sampling_events[3].samplers[0]`) wherever it can.
public struct ProtoDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A stable reason; an extensible struct in the style of GRPCCore's `RPCError.Code`.
  public struct Reason: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String {
      case truncated = "TRUNCATED"
      case malformedVarint = "MALFORMED_VARINT"
      case invalidTag = "INVALID_TAG"
      case wireTypeMismatch = "WIRE_TYPE_MISMATCH"
      case invalidUTF8 = "INVALID_UTF8"
      case nulInString = "NUL_IN_STRING"
      case tooDeep = "TOO_DEEP"
      case tooLarge = "TOO_LARGE"
      case rejectedByProtobufC = "REJECTED_BY_PROTOBUF_C"
    }
    private let wrapped: Wrapped

    /// The input ends inside a field.
    public static let truncated = Self(wrapped: .truncated)
    /// A varint longer than ten bytes, or overflowing 64 bits.
    public static let malformedVarint = Self(wrapped: .malformedVarint)
    /// Field number 0, or a wire type that does not exist (6, 7) or is not supported (groups).
    public static let invalidTag = Self(wrapped: .invalidTag)
    /// The wire type does not fit the field's declared type.
    public static let wireTypeMismatch = Self(wrapped: .wireTypeMismatch)
    /// A string field that is not well-formed UTF-8.
    public static let invalidUTF8 = Self(wrapped: .invalidUTF8)
    /// A string field holding a NUL character, which protobuf-c would cut the string at.
    public static let nulInString = Self(wrapped: .nulInString)
    /// Messages nested deeper than the limit.
    public static let tooDeep = Self(wrapped: .tooDeep)
    /// The message is larger than the limit.
    public static let tooLarge = Self(wrapped: .tooLarge)
    /// protobuf-c refused input the validator accepted (a bug to report).
    public static let rejectedByProtobufC = Self(wrapped: .rejectedByProtobufC)

    public var description: String { wrapped.rawValue }
  }

  public var reason: Reason
  /// The path of the field, e.g. `staff[3].id_number`; empty for the message as a whole.
  public var field: String
  /// The message type being decoded.
  public var messageType: String
  public var detail: String

  public init(reason: Reason, field: String, messageType: String, detail: String) {
    self.reason = reason
    self.field = field
    self.messageType = messageType
    self.detail = detail
  }

  public var description: String {
    let place = field.isEmpty ? messageType : "\(messageType) field `\(field)`"
    return "cannot decode \(place): \(detail) (\(reason))"
  }
}

/// A value that cannot be encoded faithfully. Only strings holding NUL today: protobuf-c keeps
/// strings as `char *` and would silently cut them.
public struct ProtoEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Reason: String, Sendable {
    case nulInString = "NUL_IN_STRING"
  }

  public var field: String
  public var reason: Reason

  public init(field: String, reason: Reason) {
    self.field = field
    self.reason = reason
  }

  /// The error as seen from the message holding this one, in field `parent`.
  func inside(_ parent: String) -> Self {
    Self(field: parent + "." + field, reason: reason)
  }

  /// The error of a repeated field's element `index`.
  func at(_ index: Int) -> Self {
    Self(field: "\(field)[\(index)]", reason: reason)
  }

  public var description: String {
    "cannot encode field `\(field)`: the string holds a NUL character (\(reason.rawValue))"
  }
}

extension ProtoDecodingError: RPCErrorConvertible {
  /// A message over the size limit is RESOURCE_EXHAUSTED, as gRPC answers one (grpc-go:
  /// "received message larger than max"); anything else wrong with the bytes is the request's
  /// fault, INVALID_ARGUMENT.
  public var rpcErrorCode: RPCError.Code { reason == .tooLarge ? .resourceExhausted : .invalidArgument }
  public var rpcErrorMessage: String { description }
}

extension ProtoEncodingError: RPCErrorConvertible {
  public var rpcErrorCode: RPCError.Code { .internalError }
  public var rpcErrorMessage: String { description }
}
