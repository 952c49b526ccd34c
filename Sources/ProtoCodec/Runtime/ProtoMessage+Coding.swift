import CProtoCodec
public import GRPCCore

/// Limits applied to untrusted input before any of it is decoded.
public struct ProtoDecodingLimits: Sendable, Hashable {
  /// Larger messages are refused (`TOO_LARGE`). Documents travel in chunks, never whole.
  public var maxMessageBytes: Int
  /// Deeper nesting is refused (`TOO_DEEP`); protobuf-c unpacks recursively.
  public var maxDepth: Int

  public init(maxMessageBytes: Int, maxDepth: Int) {
    self.maxMessageBytes = maxMessageBytes
    self.maxDepth = maxDepth
  }

  /// 4 MiB, 100 levels (the depth limit of Google's protobuf implementations).
  public static let defaults = Self(maxMessageBytes: 4 << 20, maxDepth: 100)
}

extension ProtoMessage {
  /// Decodes untrusted bytes: validated first (`WireValidator`), then unpacked by protobuf-c
  /// into an arena and copied into Swift values. Either the whole message or an error, never
  /// a half-filled value.
  public init(decoding bytes: UnsafeRawBufferPointer, limits: ProtoDecodingLimits = .defaults) throws(ProtoDecodingError) {
    guard bytes.count <= limits.maxMessageBytes else {
      throw ProtoDecodingError(
        reason: .tooLarge, field: "", messageType: Self.protoMessageName,
        detail: "\(bytes.count) bytes exceed the limit of \(limits.maxMessageBytes)")
    }
    let descriptor = Self.cDescriptor.pointer
    do {
      try WireValidator(maxDepth: limits.maxDepth).validate(bytes, descriptor)
    } catch {
      throw ProtoDecodingError(
        reason: error.reason, field: error.path.reversed().joined(separator: "."),
        messageType: Self.protoMessageName, detail: error.detail)
    }
    let arena = ProtoArena(capacity: 512 + bytes.count * 3)
    defer { arena.release() }
    let unpacked = withNonNullBase(bytes) {
      protobuf_c_message_unpack(descriptor, pc_arena_allocator(arena.raw), bytes.count, $0)
    }
    guard let unpacked else {
      throw ProtoDecodingError(
        reason: .rejectedByProtobufC, field: "", messageType: Self.protoMessageName,
        detail: "protobuf-c refused the message")
    }
    self.init(c: UnsafeRawPointer(unpacked).assumingMemoryBound(to: CMessage.self))
  }

  public init(serializedBytes bytes: [UInt8], limits: ProtoDecodingLimits = .defaults) throws(ProtoDecodingError) {
    var result: Result<Self, ProtoDecodingError>!
    bytes.withUnsafeBytes { raw in result = Result { () throws(ProtoDecodingError) in try Self(decoding: raw, limits: limits) } }
    self = try result.get()
  }

  /// Encodes through protobuf-c: the value is written into a C struct tree in an arena, then
  /// packed straight into the output buffer.
  public func serializedBytes<Bytes: GRPCContiguousBytes>(as type: Bytes.Type = Bytes.self) throws(ProtoEncodingError) -> Bytes {
    let arena = ProtoArena(capacity: 4096)
    defer { arena.release() }
    let descriptor = Self.cDescriptor.pointer
    guard let raw = pc_arena_alloc(arena.raw, descriptor.pointee.sizeof_message) else {
      fatalError("ProtoCodec: out of memory")
    }
    protobuf_c_message_init(descriptor, raw)
    let message = raw.assumingMemoryBound(to: CMessage.self)
    try fill(message, in: arena)
    let cMessage = raw.assumingMemoryBound(to: ProtobufCMessage.self)
    let size = protobuf_c_message_get_packed_size(cMessage)
    var output = Bytes(repeating: 0, count: size)
    if size > 0 {
      output.withUnsafeMutableBytes { buffer in
        _ = protobuf_c_message_pack(cMessage, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
      }
    }
    return output
  }

  public func serializedBytes() throws(ProtoEncodingError) -> [UInt8] {
    try serializedBytes(as: [UInt8].self)
  }
}

/// protobuf-c wants a pointer even for zero bytes; an empty Swift buffer may have none.
private func withNonNullBase<R>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafePointer<UInt8>) -> R) -> R {
  if let base = bytes.baseAddress { return body(base.assumingMemoryBound(to: UInt8.self)) }
  var zero: UInt8 = 0
  return withUnsafePointer(to: &zero) { body($0) }
}

/// GRPCCore serializer for any generated message.
public struct ProtoSerializer<Message: ProtoMessage>: MessageSerializer {
  public init() {}

  public func serialize<Bytes: GRPCContiguousBytes>(_ message: Message) throws -> Bytes {
    try message.serializedBytes(as: Bytes.self)
  }
}

/// GRPCCore deserializer for any generated message; a `ProtoDecodingError` becomes
/// `INVALID_ARGUMENT` (see `RPCErrorConvertible`).
/// A service whose requests are decoded under the server's configured limits: the generated
/// service protocols refine it, and a handler sets `decodingLimits` to override the defaults.
public protocol ProtoDecodingService {
  var decodingLimits: ProtoDecodingLimits { get }
}

extension ProtoDecodingService {
  public var decodingLimits: ProtoDecodingLimits { .defaults }
}

public struct ProtoDeserializer<Message: ProtoMessage>: MessageDeserializer {
  public var limits: ProtoDecodingLimits

  public init(limits: ProtoDecodingLimits = .defaults) {
    self.limits = limits
  }

  public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
    try serializedMessageBytes.withUnsafeBytes { raw throws(ProtoDecodingError) in
      try Message(decoding: raw, limits: limits)
    }
  }
}
