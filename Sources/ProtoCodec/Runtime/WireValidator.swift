import CProtoCodec

/// Checks untrusted bytes against a message descriptor before protobuf-c unpacks them.
///
/// protobuf-c's `unpack` answers only "NULL" on bad input and keeps strings as `char *`, so on
/// its own it would neither say which field was wrong nor notice a NUL inside a string (it
/// would cut the string there) nor invalid UTF-8. This pass walks the wire format once, with
/// the same protoc-c descriptors, and refuses — naming the field path — truncated input,
/// malformed varints, impossible tags, wire types that do not fit the declared type, strings
/// that are not UTF-8 or hold NUL, and nesting deeper than the limit. What passes is safe for
/// protobuf-c and yields exactly the message the bytes describe.
struct WireValidator {
  let maxDepth: Int

  /// A failure with the path collected while unwinding (innermost first).
  struct Failure: Error {
    var reason: ProtoDecodingError.Reason
    var detail: String
    var path: [String] = []
  }

  typealias Descriptor = UnsafePointer<ProtobufCMessageDescriptor>
  typealias Cursor = UnsafePointer<UInt8>

  func validate(_ bytes: UnsafeRawBufferPointer, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws(Failure) {
    guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else { return }
    try message(descriptor, base, base + bytes.count, depth: 1)
  }

  private func message(_ descriptor: Descriptor, _ start: Cursor, _ end: Cursor, depth: Int) throws(Failure) {
    if depth > maxDepth {
      throw Failure(reason: .tooDeep, detail: "messages nested deeper than \(maxDepth)")
    }
    var cursor = start
    while cursor < end {
      let fieldStart = cursor
      let tag = try varint(&cursor, end)
      let number = tag >> 3
      guard number > 0, number <= 536_870_911 else {
        throw Failure(reason: .invalidTag, detail: "field number \(number) is out of range")
      }
      let field = Self.field(descriptor, UInt32(number))
      do {
        try value(field, wireType: Int(tag & 7), &cursor, end, depth: depth)
      } catch var failure {
        failure.path.append(name(field, number: number, descriptor, from: start, to: fieldStart))
        throw failure
      }
    }
  }

  private func value(
    _ field: UnsafePointer<ProtobufCFieldDescriptor>?, wireType: Int, _ cursor: inout Cursor, _ end: Cursor,
    depth: Int
  ) throws(Failure) {
    let type = field?.pointee.type
    switch wireType {
    case 0:
      _ = try varint(&cursor, end)
      if let type, !Self.isVarint(type) { throw mismatch(wireType, type) }
    case 1, 5:
      let size = wireType == 1 ? 8 : 4
      guard end - cursor >= size else { throw Failure(reason: .truncated, detail: "input ends inside a \(size)-byte value") }
      cursor += size
      if let type, Self.fixedSize(type) != size { throw mismatch(wireType, type) }
    case 2:
      let length = try varint(&cursor, end)
      guard length <= UInt64(end - cursor) else {
        throw Failure(reason: .truncated, detail: "a length of \(length) bytes runs past the end of the input")
      }
      let payload = cursor
      cursor += Int(length)
      guard let field, let type else { return }
      try delimited(field, type, payload, cursor, depth: depth)
    case 3, 4:
      throw Failure(reason: .invalidTag, detail: "groups (wire types 3 and 4) are not supported")
    default:
      throw Failure(reason: .invalidTag, detail: "wire type \(wireType) does not exist")
    }
  }

  private func delimited(
    _ field: UnsafePointer<ProtobufCFieldDescriptor>, _ type: ProtobufCType, _ start: Cursor, _ end: Cursor,
    depth: Int
  ) throws(Failure) {
    switch type {
    case PROTOBUF_C_TYPE_STRING:
      try Self.checkUTF8(start, end - start)
    case PROTOBUF_C_TYPE_BYTES:
      return
    case PROTOBUF_C_TYPE_MESSAGE:
      let nested = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
      try message(nested, start, end, depth: depth + 1)
    default:
      // A packed run of scalars: only for repeated fields.
      guard field.pointee.label == PROTOBUF_C_LABEL_REPEATED else { throw mismatch(2, type) }
      if Self.isVarint(type) {
        var cursor = start
        while cursor < end { _ = try varint(&cursor, end) }
      } else if (end - start) % Self.fixedSize(type) != 0 {
        throw Failure(reason: .truncated, detail: "a packed run of \(end - start) bytes is not a whole number of values")
      }
    }
  }

  @inline(__always)
  private func varint(_ cursor: inout Cursor, _ end: Cursor) throws(Failure) -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while cursor < end {
      let byte = cursor.pointee
      cursor += 1
      if shift == 63, byte > 1 { throw Failure(reason: .malformedVarint, detail: "a varint overflows 64 bits") }
      result |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return result }
      shift += 7
      if shift > 63 { throw Failure(reason: .malformedVarint, detail: "a varint is longer than 10 bytes") }
    }
    throw Failure(reason: .truncated, detail: "input ends inside a varint")
  }

  private func mismatch(_ wireType: Int, _ type: ProtobufCType) -> Failure {
    Failure(reason: .wireTypeMismatch, detail: "wire type \(wireType) does not fit a field of type \(Self.typeName(type))")
  }

  /// The field's name with its index when repeated; the index is found by counting earlier
  /// occurrences, which is done only on this (failure) path.
  private func name(
    _ field: UnsafePointer<ProtobufCFieldDescriptor>?, number: UInt64, _ descriptor: Descriptor,
    from start: Cursor, to fieldStart: Cursor
  ) -> String {
    guard let field else { return "#\(number)" }
    let name = String(cString: field.pointee.name)
    guard field.pointee.label == PROTOBUF_C_LABEL_REPEATED,
      field.pointee.type == PROTOBUF_C_TYPE_MESSAGE || field.pointee.type == PROTOBUF_C_TYPE_STRING
        || field.pointee.type == PROTOBUF_C_TYPE_BYTES
    else { return name }
    var index = 0
    var cursor = start
    while cursor < fieldStart {
      guard let tag = try? varint(&cursor, fieldStart) else { break }
      if tag >> 3 == number { index += 1 }
      guard (try? value(nil, wireType: Int(tag & 7), &cursor, fieldStart, depth: 0)) != nil else { break }
    }
    return "\(name)[\(index)]"
  }

  /// The field with this number. protoc-c sorts fields by number, so in the common case of
  /// numbers 1…n the field is found by indexing; otherwise protobuf-c's binary search. A
  /// message without fields has no field array at all: every field is unknown to it.
  @inline(__always)
  private static func field(_ descriptor: Descriptor, _ number: UInt32) -> UnsafePointer<ProtobufCFieldDescriptor>? {
    guard let fields = descriptor.pointee.fields, descriptor.pointee.n_fields > 0 else { return nil }
    if number <= descriptor.pointee.n_fields, fields[Int(number) - 1].id == number {
      return fields + (Int(number) - 1)
    }
    return protobuf_c_message_descriptor_get_field(descriptor, number)
  }

  // MARK: - Types

  private static func isVarint(_ type: ProtobufCType) -> Bool {
    switch type {
    case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_INT64,
      PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_BOOL, PROTOBUF_C_TYPE_ENUM:
      return true
    default:
      return false
    }
  }

  /// 4 or 8 for fixed-size types, 0 for every other.
  private static func fixedSize(_ type: ProtobufCType) -> Int {
    switch type {
    case PROTOBUF_C_TYPE_FIXED32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_FLOAT: return 4
    case PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_DOUBLE: return 8
    default: return 0
    }
  }

  private static func typeName(_ type: ProtobufCType) -> String {
    switch type {
    case PROTOBUF_C_TYPE_INT32: "int32"
    case PROTOBUF_C_TYPE_SINT32: "sint32"
    case PROTOBUF_C_TYPE_SFIXED32: "sfixed32"
    case PROTOBUF_C_TYPE_INT64: "int64"
    case PROTOBUF_C_TYPE_SINT64: "sint64"
    case PROTOBUF_C_TYPE_SFIXED64: "sfixed64"
    case PROTOBUF_C_TYPE_UINT32: "uint32"
    case PROTOBUF_C_TYPE_FIXED32: "fixed32"
    case PROTOBUF_C_TYPE_UINT64: "uint64"
    case PROTOBUF_C_TYPE_FIXED64: "fixed64"
    case PROTOBUF_C_TYPE_FLOAT: "float"
    case PROTOBUF_C_TYPE_DOUBLE: "double"
    case PROTOBUF_C_TYPE_BOOL: "bool"
    case PROTOBUF_C_TYPE_ENUM: "enum"
    case PROTOBUF_C_TYPE_STRING: "string"
    case PROTOBUF_C_TYPE_BYTES: "bytes"
    case PROTOBUF_C_TYPE_MESSAGE: "message"
    default: "unknown"
    }
  }

  // MARK: - UTF-8

  /// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF) and
  /// no NUL. ASCII is checked eight bytes at a time.
  static func checkUTF8(_ bytes: Cursor, _ count: Int) throws(Failure) {
    var index = 0
    while index < count {
      while index + 8 <= count {
        let word = UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)
        if word & 0x8080_8080_8080_8080 != 0 { break }
        if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 { throw nul() }
        index += 8
      }
      guard index < count else { return }
      let lead = bytes[index]
      if lead < 0x80 {
        if lead == 0 { throw nul() }
        index += 1
        continue
      }
      let length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch lead {
      case 0xC2...0xDF: length = 2
      case 0xE0: length = 3; low = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED: length = 3; high = 0x9F
      case 0xF0: length = 4; low = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4: length = 4; high = 0x8F
      default: throw invalid(index)
      }
      guard index + length <= count else { throw invalid(index) }
      let second = bytes[index + 1]
      guard second >= low, second <= high else { throw invalid(index) }
      for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { throw invalid(index) }
      index += length
    }
  }

  private static func nul() -> Failure {
    Failure(reason: .nulInString, detail: "the string holds a NUL character")
  }

  private static func invalid(_ offset: Int) -> Failure {
    Failure(reason: .invalidUTF8, detail: "the string is not valid UTF-8 (at byte \(offset))")
  }
}
