import ProtoCodec
import ProtoFixtures
import Testing

/// The API's own field-less requests (one crashed the server once: an empty descriptor has no
/// field array).
enum EmptyRequestSample {
  static func decode(_ bytes: [UInt8]) throws -> Bool {
    try Cqmon_V1_GetCheckpointRequest(serializedBytes: bytes) == Cqmon_V1_GetCheckpointRequest()
      && Cqmon_V1_GetSigningKeysRequest(serializedBytes: bytes) == Cqmon_V1_GetSigningKeysRequest()
  }
}

/// Untrusted bytes never crash the decoder and never yield a half-filled value: each bad input
/// is a `ProtoDecodingError` with a stable reason and, where it can, the field's path.
@Suite("Hostile input")
struct HostileInputTests {
  private func failure<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8], limits: ProtoDecodingLimits = .defaults) -> ProtoDecodingError? {
    do {
      _ = try M(serializedBytes: bytes, limits: limits)
      return nil
    } catch {
      return error
    }
  }

  @Test("every truncation of a valid message decodes or fails cleanly, never crashes")
  func truncations() throws {
    let bytes = try ShapeSamples.tree.serializedBytes()
    var failures = 0
    for end in 0..<bytes.count {
      if failure(Cqmon_Testing_Tree.self, Array(bytes[..<end])) != nil { failures += 1 }
    }
    #expect(failures > bytes.count / 2, "most prefixes end inside a field")
  }

  @Test("a message with no fields takes unknown fields of every wire type, and drops them")
  func emptyMessage() throws {
    // varint 1, fixed64 2, length-delimited 3, fixed32 4: all unknown to an empty message.
    let bytes: [UInt8] = [0x08, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1A, 0x02, 0x61, 0x62, 0x25, 1, 2, 3, 4]
    #expect(try Cqmon_Testing_Empty(serializedBytes: bytes) == Cqmon_Testing_Empty())
    #expect(try EmptyRequestSample.decode(bytes))
    #expect(failure(Cqmon_Testing_Empty.self, [0x0A, 0x05, 0x61])?.reason == .truncated)
  }

  @Test("a string cut short names the field")
  func truncatedString() {
    // name (field 1) declares 5 bytes, 2 follow.
    let error = failure(Cqmon_Testing_Tree.self, [0x0A, 0x05, 0x61, 0x62])
    #expect(error?.reason == .truncated)
    #expect(error?.field == "name")
    #expect(error?.messageType == "cqmon.testing.Tree")
  }

  @Test("a length past the end inside a nested, repeated message names the path")
  func lengthPastEndNested() {
    // leaves[0] valid, leaves[1] = { name: length 100, 1 byte }
    let leaf0: [UInt8] = [0x1A, 0x03, 0x0A, 0x01, 0x61]
    let leaf1: [UInt8] = [0x1A, 0x03, 0x0A, 0x64, 0x61]
    let error = failure(Cqmon_Testing_Tree.self, leaf0 + leaf1)
    #expect(error?.reason == .truncated)
    #expect(error?.field == "leaves[1].name")
  }

  @Test("a wire type that does not fit the field is refused")
  func wrongWireType() {
    // name (string, field 1) sent as a varint.
    let error = failure(Cqmon_Testing_Tree.self, [0x08, 0x01])
    #expect(error?.reason == .wireTypeMismatch)
    #expect(error?.field == "name")
    // i32 (varint, field 1 of Scalars) sent as fixed32.
    #expect(failure(Cqmon_Testing_Scalars.self, [0x0D, 1, 2, 3, 4])?.reason == .wireTypeMismatch)
    // a singular int32 sent length-delimited (packed is for repeated fields only).
    #expect(failure(Cqmon_Testing_Scalars.self, [0x0A, 0x01, 0x01])?.reason == .wireTypeMismatch)
  }

  @Test("invalid UTF-8 in a string is refused with the field's path")
  func invalidUTF8() {
    let cases: [[UInt8]] = [
      [0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
      [0xE4, 0xB8], [0x61, 0x80],
    ]
    for bad in cases {
      let leaf: [UInt8] = [0x0A, UInt8(bad.count)] + bad
      let error = failure(Cqmon_Testing_Tree.self, [0x12, UInt8(leaf.count)] + leaf)
      #expect(error?.reason == .invalidUTF8, "\(bad)")
      #expect(error?.field == "first.name")
    }
    // Bytes fields take anything.
    #expect(failure(Cqmon_Testing_Scalars.self, [0x7A, 0x02, 0xFF, 0xFE]) == nil)
  }

  @Test("a NUL byte inside a string is refused: protobuf-c would cut the string there")
  func nulInString() {
    let text: [UInt8] = Array("HJ 828".utf8) + [0] + Array("-2017".utf8)
    let inRepeated: [UInt8] = [0x92, 0x02, UInt8(text.count)] + text  // r_text (34)
    let scalars: [UInt8] = [0x92, 0x02, 0x01, 0x61] + inRepeated
    let error = failure(Cqmon_Testing_Tree.self, [0x5A, UInt8(scalars.count)] + scalars)
    #expect(error?.reason == .nulInString)
    #expect(error?.field == "scalars.r_text[1]")
    // A long ASCII run takes the eight-bytes-at-a-time path.
    let long = [UInt8](repeating: 0x61, count: 40) + [0] + [UInt8](repeating: 0x62, count: 7)
    #expect(failure(Cqmon_Testing_Tree.self, [0x0A, UInt8(long.count)] + long)?.reason == .nulInString)
  }

  @Test("encoding a string that holds NUL is refused, naming the path")
  func nulOnEncode() {
    let tree = Cqmon_Testing_Tree.with {
      $0.leaves = [.init(), .with { $0.name = "a\u{0}b" }]
    }
    #expect(throws: ProtoEncodingError(field: "leaves[1].name", reason: .nulInString)) {
      _ = try tree.serializedBytes()
    }
  }

  @Test("nesting deeper than the limit is refused")
  func tooDeep() throws {
    let limits = ProtoDecodingLimits(maxMessageBytes: 1 << 20, maxDepth: 20)
    // 9 Chain/Link pairs + the top Chain = 19 levels: accepted.
    var decoded = try Cqmon_Testing_Chain(serializedBytes: WireBytes.chainBytes(links: 9), limits: limits)
    var depth = 1
    while let link = decoded.next {
      depth += 1
      guard let chain = link.next else { break }
      depth += 1
      decoded = chain
    }
    #expect(depth == 19)
    let error = failure(Cqmon_Testing_Chain.self, WireBytes.chainBytes(links: 10), limits: limits)
    #expect(error?.reason == .tooDeep)
    #expect(error?.field.hasPrefix("next.next.next") == true)
    // The default limit (100) stops a hostile 5000-level message.
    #expect(failure(Cqmon_Testing_Chain.self, WireBytes.chainBytes(links: 2500))?.reason == .tooDeep)
  }

  @Test("a message over the size limit is refused before it is read")
  func tooLarge() {
    let limits = ProtoDecodingLimits(maxMessageBytes: 16, maxDepth: 100)
    let bytes: [UInt8] = [0x0A, 0x10] + [UInt8](repeating: 0x61, count: 16)
    #expect(failure(Cqmon_Testing_Tree.self, bytes, limits: limits)?.reason == .tooLarge)
    #expect(failure(Cqmon_Testing_Tree.self, bytes) == nil)
  }

  @Test("malformed varints, impossible tags and groups are refused")
  func malformedTags() {
    let elevenBytes = [UInt8](repeating: 0xFF, count: 10) + [0x01]
    #expect(failure(Cqmon_Testing_Scalars.self, [0x08] + elevenBytes)?.reason == .malformedVarint)
    #expect(failure(Cqmon_Testing_Scalars.self, [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x02])?.reason == .malformedVarint)
    #expect(failure(Cqmon_Testing_Scalars.self, [0x08, 0x80])?.reason == .truncated)
    #expect(failure(Cqmon_Testing_Scalars.self, [0x00, 0x01])?.reason == .invalidTag, "field number 0")
    #expect(failure(Cqmon_Testing_Scalars.self, [0x0F])?.reason == .invalidTag, "wire type 7")
    #expect(failure(Cqmon_Testing_Scalars.self, [0x0B, 0x0C])?.reason == .invalidTag, "a group")
    #expect(failure(Cqmon_Testing_Scalars.self, [0x39, 1, 2, 3])?.reason == .truncated, "fixed64 cut short")
    #expect(failure(Cqmon_Testing_Scalars.self, [0xDA, 0x01, 0x03, 1, 2, 3])?.reason == .truncated, "packed fixed32 not whole")
  }

  @Test("errors read well")
  func description() {
    let error = failure(Cqmon_Testing_Tree.self, [0x0A, 0x05, 0x61])
    #expect(error?.description == "cannot decode cqmon.testing.Tree field `name`: a length of 5 bytes runs past the end of the input (TRUNCATED)")
  }

  @Test("the deserializer GRPCCore calls refuses bad bytes as INVALID_ARGUMENT")
  func deserializer() throws {
    let deserializer = ProtoDeserializer<Cqmon_Testing_Tree>()
    #expect(throws: ProtoDecodingError.self) { _ = try deserializer.deserialize([UInt8]([0x0A, 0x05])) }
    let error = ProtoDecodingError(reason: .truncated, field: "name", messageType: "x", detail: "d")
    #expect(error.rpcErrorCode == .invalidArgument)
    let bytes: [UInt8] = try ProtoSerializer<Cqmon_Testing_Tree>().serialize(ShapeSamples.tree)
    #expect(try deserializer.deserialize(bytes) == ShapeSamples.tree)
  }
}

@Suite("The fuzz target's message types")
struct FuzzTypesTests {
  @Test("every request type of every service is fuzzed once, each with a filled seed that decodes")
  func everyRequestType() throws {
    var names: [String] = []
    for type in FuzzTypes.all { names.append(Self.name(type)) }
    #expect(Set(names).count == names.count, "each once")
    for expected in ["cqmon.v1.SubmitApplicationRequest", "cqmon.v1.VerifyAuditLogRequest", "cqmon.v1.FileActivityRequest",
                     "cqmon.v1.WatchRatingsRequest", "grpc.reflection.v1.ServerReflectionRequest", "grpc.health.v1.HealthCheckRequest"] {
      #expect(names.contains(expected), "\(expected)")
    }
    for type in FuzzTypes.all {
      let stable = try Self.roundTrips(type)
      let name = Self.name(type)
      #expect(stable, "\(name)")
    }
    #expect(FuzzTypes.sample(Cqmon_V1_SubmitApplicationRequest.self).count > 500)
  }

  static func name<M: ProtoMessage>(_ type: M.Type) -> String { M.protoMessageName }

  static func roundTrips<M: ProtoMessage>(_ type: M.Type) throws -> Bool {
    let sample = FuzzTypes.sample(type)
    return try M(serializedBytes: sample).serializedBytes() == sample
  }
}
