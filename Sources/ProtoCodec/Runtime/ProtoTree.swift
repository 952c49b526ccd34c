import CProtoCodec

/// A message written as a tree of names and values — what a YAML or JSON document parses to —
/// turned into protobuf bytes by walking protoc-c's descriptors, so any message of the API can
/// be read from a file without code per message (`monctl registry apply -f application.yaml`).
///
/// Field names are the .proto names (`credit_code`). Enum values are their names, with or
/// without the enum's prefix (`LICENCE_KIND_BUSINESS_LICENCE` or `BUSINESS_LICENCE`), or
/// numbers. `cqmon.v1.Date` may be written `2026-11-20`, `google.protobuf.Timestamp` as RFC 3339
/// in UTC (`2026-11-20T08:30:00Z`), bytes as base64.
public indirect enum ProtoTree: Sendable, Equatable {
  case scalar(String)
  case list([ProtoTree])
  case map([(String, ProtoTree)])

  public static func == (lhs: ProtoTree, rhs: ProtoTree) -> Bool {
    switch (lhs, rhs) {
    case (.scalar(let a), .scalar(let b)): a == b
    case (.list(let a), .list(let b)): a == b
    case (.map(let a), .map(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
    default: false
    }
  }
}

/// Why a tree does not make a message, with the path of the offending field.
public struct ProtoTreeError: Error, Equatable, CustomStringConvertible {
  public var path: String
  public var problem: String

  public init(path: String, problem: String) {
    self.path = path
    self.problem = problem
  }

  public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
}

extension ProtoMessage {
  /// The message a tree describes; unknown names and ill-typed values are errors naming the path.
  public init(tree: ProtoTree) throws(ProtoTreeError) {
    var writer = TreeWriter()
    try writer.message(tree, Self.cDescriptor.pointer, path: "")
    do {
      try self.init(serializedBytes: writer.bytes)
    } catch {
      throw ProtoTreeError(path: error.field, problem: error.detail)
    }
  }
}

private struct TreeWriter {
  var bytes: [UInt8] = []

  mutating func message(_ tree: ProtoTree, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, path: String) throws(ProtoTreeError) {
    let name = String(cString: descriptor.pointee.name)
    if case .scalar(let text) = tree {
      try special(text, name, path: path)
      return
    }
    guard case .map(let entries) = tree else {
      throw ProtoTreeError(path: path, problem: "expected the fields of \(name)")
    }
    for (key, value) in entries {
      let at = path.isEmpty ? key : path + "." + key
      // The .proto name, or the proto3 JSON name (`creditCode`) that `jsonString()` writes.
      guard let field = protobuf_c_message_descriptor_get_field_by_name(descriptor, key) ?? Self.field(jsonName: key, descriptor) else {
        throw ProtoTreeError(path: at, problem: "\(name) has no field '\(key)'")
      }
      if JSONWriter.mapEntry(field) != nil, case .map(let pairs) = value {
        // A map written as an object: each key and value an entry.
        for (key, item) in pairs { try self.field(field, .map([("key", .scalar(key)), ("value", item)]), path: "\(at)[\(key)]") }
      } else if field.pointee.label == PROTOBUF_C_LABEL_REPEATED, case .list(let items) = value {
        for (index, item) in items.enumerated() { try self.field(field, item, path: "\(at)[\(index)]") }
      } else {
        try self.field(field, value, path: at)
      }
    }
  }

  static func field(jsonName: String, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> UnsafePointer<ProtobufCFieldDescriptor>? {
    for index in 0..<Int(descriptor.pointee.n_fields) {
      let field = descriptor.pointee.fields + index
      if JSONWriter.jsonName(String(cString: field.pointee.name)) == jsonName { return field }
    }
    return nil
  }

  /// Dates and timestamps written as one string.
  mutating func special(_ text: String, _ name: String, path: String) throws(ProtoTreeError) {
    switch name {
    case "cqmon.v1.Date":
      let parts = text.split(separator: "-").compactMap { Int($0) }
      guard parts.count == 3 else { throw ProtoTreeError(path: path, problem: "'\(text)' is not a date YYYY-MM-DD") }
      for (number, value) in zip(1..., parts) { tag(number, 0); varint(UInt64(value)) }
    case "google.protobuf.Timestamp":
      guard let (seconds, nanos) = Self.rfc3339(text) else {
        throw ProtoTreeError(path: path, problem: "'\(text)' is not an instant like 2026-11-20T08:30:00Z (or …:00.123Z)")
      }
      if seconds != 0 {
        tag(1, 0)
        varint(UInt64(bitPattern: seconds))
      }
      if nanos != 0 {
        tag(2, 0)
        varint(UInt64(nanos))
      }
    default:
      throw ProtoTreeError(path: path, problem: "expected the fields of \(name), not a single value")
    }
  }

  mutating func field(_ field: UnsafePointer<ProtobufCFieldDescriptor>, _ tree: ProtoTree, path: String) throws(ProtoTreeError) {
    let number = Int(field.pointee.id)
    let type = field.pointee.type
    if type == PROTOBUF_C_TYPE_MESSAGE {
      var nested = TreeWriter()
      try nested.message(tree, field.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self), path: path)
      tag(number, 2)
      varint(UInt64(nested.bytes.count))
      bytes += nested.bytes
      return
    }
    guard case .scalar(let text) = tree else { throw ProtoTreeError(path: path, problem: "expected a single value") }
    func integer<T: FixedWidthInteger>(_ type: T.Type) throws(ProtoTreeError) -> T {
      guard let value = T(text) else { throw ProtoTreeError(path: path, problem: "'\(text)' is not a whole number in range") }
      return value
    }
    switch type {
    case PROTOBUF_C_TYPE_STRING:
      tag(number, 2)
      varint(UInt64(text.utf8.count))
      bytes += Array(text.utf8)
    case PROTOBUF_C_TYPE_BYTES:
      guard let decoded = Base64.decode(text) else { throw ProtoTreeError(path: path, problem: "bytes are written in base64") }
      tag(number, 2)
      varint(UInt64(decoded.count))
      bytes += decoded
    case PROTOBUF_C_TYPE_BOOL:
      guard text == "true" || text == "false" else { throw ProtoTreeError(path: path, problem: "'\(text)' is not true or false") }
      tag(number, 0)
      varint(text == "true" ? 1 : 0)
    case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_INT64:
      tag(number, 0)
      varint(UInt64(bitPattern: try integer(Int64.self)))
    case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_UINT64:
      tag(number, 0)
      varint(try integer(UInt64.self))
    case PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SINT64:
      let value = try integer(Int64.self)
      tag(number, 0)
      varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    case PROTOBUF_C_TYPE_FIXED32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_FLOAT:
      let raw: UInt32 = type == PROTOBUF_C_TYPE_FLOAT
        ? (Float(text)?.bitPattern ?? 0) : (type == PROTOBUF_C_TYPE_FIXED32 ? try integer(UInt32.self) : UInt32(bitPattern: try integer(Int32.self)))
      tag(number, 5)
      bytes += withUnsafeBytes(of: raw.littleEndian, Array.init)
    case PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_DOUBLE:
      if type == PROTOBUF_C_TYPE_DOUBLE, Double(text) == nil { throw ProtoTreeError(path: path, problem: "'\(text)' is not a number") }
      let raw: UInt64 = type == PROTOBUF_C_TYPE_DOUBLE
        ? Double(text)!.bitPattern : (type == PROTOBUF_C_TYPE_FIXED64 ? try integer(UInt64.self) : UInt64(bitPattern: try integer(Int64.self)))
      tag(number, 1)
      bytes += withUnsafeBytes(of: raw.littleEndian, Array.init)
    case PROTOBUF_C_TYPE_ENUM:
      let descriptor = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self)
      tag(number, 0)
      varint(UInt64(bitPattern: Int64(try enumValue(text, descriptor, path: path))))
    default:
      throw ProtoTreeError(path: path, problem: "this field's type cannot be written here")
    }
  }

  func enumValue(_ text: String, _ descriptor: UnsafePointer<ProtobufCEnumDescriptor>, path: String) throws(ProtoTreeError) -> Int32 {
    if let number = Int32(text) { return number }
    if let value = protobuf_c_enum_descriptor_get_value_by_name(descriptor, text) { return value.pointee.value }
    // The prefix protoc conventions give every value: LICENCE_KIND_ for LicenceKind.
    let enumName = String(cString: descriptor.pointee.short_name)
    var prefix = ""
    for (index, character) in enumName.enumerated() {
      if character.isUppercase, index > 0 { prefix += "_" }
      prefix += character.uppercased()
    }
    if let value = protobuf_c_enum_descriptor_get_value_by_name(descriptor, prefix + "_" + text) { return value.pointee.value }
    let known = (0..<Int(descriptor.pointee.n_values)).map { String(cString: descriptor.pointee.values[$0].name) }
    throw ProtoTreeError(path: path, problem: "'\(text)' is not one of \(known.joined(separator: ", "))")
  }

  mutating func tag(_ number: Int, _ wireType: UInt64) {
    varint(UInt64(number) << 3 | wireType)
  }

  mutating func varint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  /// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SSZ`.
  /// Seconds and nanoseconds of `2026-11-20T08:30:00Z`, with up to nine fractional digits.
  static func rfc3339(_ text: String) -> (Int64, Int32)? {
    var whole = Substring(text)
    var nanos: Int32 = 0
    if let dot = text.firstIndex(of: ".") {
      let fraction = text[text.index(after: dot)...].dropLast()
      guard text.hasSuffix("Z"), (1...9).contains(fraction.count), fraction.allSatisfy(\.isASCII), let value = Int32(fraction) else { return nil }
      nanos = value * Int32(pow10(9 - fraction.count))
      whole = text[..<dot] + "Z"
    }
    guard let seconds = wholeSeconds(String(whole)) else { return nil }
    return (seconds, nanos)
  }

  private static func pow10(_ exponent: Int) -> Int { (0..<exponent).reduce(1) { value, _ in value * 10 } }

  private static func wholeSeconds(_ text: String) -> Int64? {
    let digits = text.split(whereSeparator: { "-T:Z".contains($0) }).compactMap { Int64($0) }
    guard text.hasSuffix("Z"), digits.count == 6 else { return nil }
    let (y, m, d) = (digits[0], digits[1], digits[2])
    let yy = m <= 2 ? y - 1 : y
    let era = (yy >= 0 ? yy : yy - 399) / 400
    let yoe = yy - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    return days * 86_400 + digits[3] * 3600 + digits[4] * 60 + digits[5]
  }
}

/// Base64 without Foundation.
enum Base64 {
  static func encode(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
      let count = min(3, bytes.count - index)
      var chunk: UInt32 = 0
      for offset in 0..<3 { chunk = chunk << 8 | UInt32(offset < count ? bytes[index + offset] : 0) }
      for position in 0..<4 {
        out.append(position <= count ? alphabet[Int((chunk >> UInt32(18 - 6 * position)) & 0x3F)] : UInt8(ascii: "="))
      }
      index += 3
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func decode(_ text: String) -> [UInt8]? {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var values = [UInt8: UInt8]()
    for (index, character) in alphabet.enumerated() { values[character] = UInt8(index) }
    var out: [UInt8] = []
    var buffer: UInt32 = 0
    var bits = 0
    for character in text.utf8 where character != UInt8(ascii: "=") && character != UInt8(ascii: "\n") {
      guard let value = values[character] else { return nil }
      buffer = buffer << 6 | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
      }
    }
    return out
  }
}
