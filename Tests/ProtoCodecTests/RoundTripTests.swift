import ProtoCodec
import ProtoFixtures
import Testing

@Suite("Round trips through protobuf-c")
struct RoundTripTests {
  private func roundTrip<M: ProtoMessage>(_ message: M) throws -> M {
    try M(serializedBytes: try message.serializedBytes())
  }

  @Test("every scalar type, singular and repeated, at its extremes")
  func scalars() throws {
    let decoded = try roundTrip(ShapeSamples.scalars)
    #expect(decoded == ShapeSamples.scalars)
    #expect(decoded.blob == [0, 1, 0, 255, 0], "bytes keep their zero bytes")
  }

  /// A known protobuf-c limit: a singular proto3 float equal to zero is not packed, and -0.0
  /// compares equal to zero, so its sign is lost (Google's implementations compare bits). In a
  /// repeated field the sign survives. No field of the API depends on the sign of zero.
  @Test("negative zero: lost when singular (protobuf-c), kept when repeated")
  func negativeZero() throws {
    let message = Cqmon_Testing_Scalars.with { $0.real64 = -0.0; $0.rReal64 = [-0.0] }
    let decoded = try roundTrip(message)
    #expect(decoded.real64.sign == .plus)
    #expect(decoded.rReal64.first?.sign == .minus)
  }

  @Test("nested messages, repeated messages, oneof, maps, a well-known type, recursion")
  func tree() throws {
    #expect(try roundTrip(ShapeSamples.tree) == ShapeSamples.tree)
  }

  @Test("each member of a oneof, including empty values, which still count as set")
  func oneofMembers() throws {
    let choices: [Cqmon_Testing_Tree.OneOf_Choice?] = [
      nil, .label(""), .label("标签"), .number(0), .number(-1), .leaf(.init()), .raw([]), .raw([0]),
    ]
    for choice in choices {
      let tree = Cqmon_Testing_Tree.with { $0.choice = choice }
      #expect(try roundTrip(tree).choice == choice)
    }
  }

  @Test("a one-field oneof gives presence: nil and 0 differ")
  func presence() throws {
    #expect(try roundTrip(Cqmon_Testing_Presence()).count == nil)
    #expect(try roundTrip(Cqmon_Testing_Presence.with { $0.count = 0 }).count == 0)
    #expect(try Cqmon_Testing_Presence.with { $0.count = 0 }.serializedBytes() == [0x08, 0x00])
  }

  @Test("open enums keep values this version does not know")
  func unknownEnumValues() throws {
    let unknown = Cqmon_Testing_Colour(rawValue: 12345)
    let message = Cqmon_Testing_Scalars.with { $0.colour = unknown; $0.rColour = [unknown, .minus] }
    let decoded = try roundTrip(message)
    #expect(decoded.colour == unknown)
    #expect(decoded.colour.name == nil)
    #expect(decoded.colour.description == "12345")
    #expect(decoded.rColour == [unknown, .minus])
    #expect(Cqmon_Testing_Colour.minus.rawValue == -3)
    #expect(Cqmon_Testing_Colour(name: "COLOUR_GREEN") == .green)
  }

  @Test("defaults and empty messages encode to no bytes and decode from none")
  func defaults() throws {
    #expect(try Cqmon_Testing_Empty().serializedBytes().isEmpty)
    #expect(try Cqmon_Testing_Scalars().serializedBytes().isEmpty)
    #expect(try Cqmon_Testing_Tree().serializedBytes().isEmpty)
    #expect(try Cqmon_Testing_Tree(serializedBytes: []) == Cqmon_Testing_Tree())
    #expect(try Cqmon_Testing_Empty(serializedBytes: []) == Cqmon_Testing_Empty())
  }

  @Test("equal maps encode to equal bytes whatever their insertion order")
  func mapsAreCanonical() throws {
    var first = Cqmon_Testing_Tree()
    var second = Cqmon_Testing_Tree()
    for key in (0..<50).map({ "k\($0)" }) { first.tags[key] = key }
    for key in (0..<50).map({ "k\($0)" }).reversed() { second.tags[key] = key }
    #expect(try first.serializedBytes() == second.serializedBytes())
  }

  @Test("known bytes decode to known values (field numbers and zigzag)")
  func knownBytes() throws {
    // s32 = -1 (field 5, zigzag 1); text = "é" (field 14); colour = 2 (field 16).
    let bytes: [UInt8] = [0x28, 0x01, 0x72, 0x02, 0xC3, 0xA9, 0x80, 0x01, 0x02]
    let decoded = try Cqmon_Testing_Scalars(serializedBytes: bytes)
    #expect(decoded.s32 == -1)
    #expect(decoded.text == "é")
    #expect(decoded.colour == .green)
    #expect(try decoded.serializedBytes() == bytes)
  }

  @Test("unknown fields are skipped")
  func unknownFields() throws {
    // Field 99 as varint, fixed64, length-delimited and fixed32, then name = "x".
    let bytes: [UInt8] =
      [0x98, 0x06, 0x05, 0x99, 0x06] + [UInt8](repeating: 1, count: 8)
      + [0x9A, 0x06, 0x02, 0xFF, 0x00, 0x9D, 0x06, 1, 2, 3, 4, 0x0A, 0x01, 0x78]
    #expect(try Cqmon_Testing_Tree(serializedBytes: bytes).name == "x")
  }

  @Test("packed and unpacked repeated scalars both decode")
  func packedAndUnpacked() throws {
    let packed: [UInt8] = [0xAA, 0x01, 0x03, 0x01, 0x02, 0x03]  // r_i32 (21) packed
    let unpacked: [UInt8] = [0xA8, 0x01, 0x01, 0xA8, 0x01, 0x02, 0xA8, 0x01, 0x03]
    #expect(try Cqmon_Testing_Scalars(serializedBytes: packed).rI32 == [1, 2, 3])
    #expect(try Cqmon_Testing_Scalars(serializedBytes: unpacked).rI32 == [1, 2, 3])
  }

  @Test("a real API message: a filed activity")
  func apiMessage() throws {
    let request = ActivityFixture.request(events: 3, analyses: 5)
    #expect(try roundTrip(request) == request)
  }
}
