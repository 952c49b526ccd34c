import CProtoCodec

/// The proto3 JSON mapping (https://protobuf.dev/programming-guides/json/) of any message of the
/// API, written by walking its serialized bytes with protoc-c's descriptors — no code per
/// message, like `ProtoTree` the other way. Field names are lowerCamelCase; 64-bit integers are
/// strings; bytes are base64; enums are their value names; `google.protobuf.Timestamp` is RFC
/// 3339 in UTC and `google.protobuf.Duration` seconds with an `s`. Fields at their default are
/// left out, as proto3 serializes them. What it writes, `ProtoTree` (and any proto3 JSON
/// parser, e.g. Python's `json_format`) reads back.
extension ProtoMessage {
  public func jsonString() throws(ProtoEncodingError) -> String {
    let bytes = try serializedBytes()
    var writer = JSONWriter()
    bytes.withUnsafeBufferPointer { writer.message($0[...], Self.cDescriptor.pointer, indent: "") }
    return writer.out + "\n"
  }
}

struct JSONWriter {
  var out = ""

  typealias Descriptor = UnsafePointer<ProtobufCMessageDescriptor>
  typealias Field = UnsafePointer<ProtobufCFieldDescriptor>

  /// A value as it came off the wire.
  enum Raw {
    case varint(UInt64)
    case fixed32(UInt32)
    case fixed64(UInt64)
    case delimited(Slice<UnsafeBufferPointer<UInt8>>)
  }

  mutating func message(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ descriptor: Descriptor, indent: String) {
    let name = String(cString: descriptor.pointee.name)
    let fields = Self.fields(bytes, descriptor)
    if let special = Self.special(name, fields) {
      out += special
      return
    }
    let values = fields.sorted { $0.key < $1.key }
    guard !values.isEmpty else {
      out += "{}"
      return
    }
    let inner = indent + "  "
    out += "{\n"
    for (position, (index, raws)) in values.enumerated() {
      let field = descriptor.pointee.fields + index
      out += inner + "\"" + Self.jsonName(String(cString: field.pointee.name)) + "\": "
      if let entry = Self.mapEntry(field) {
        mapObject(raws, entry, indent: inner)
      } else if field.pointee.label == PROTOBUF_C_LABEL_REPEATED {
        out += "["
        for (number, raw) in raws.enumerated() {
          out += number == 0 ? "\n" + inner + "  " : ",\n" + inner + "  "
          value(raw, field, indent: inner + "  ")
        }
        out += "\n" + inner + "]"
      } else if let last = raws.last {
        value(last, field, indent: inner)
      }
      out += position == values.count - 1 ? "\n" : ",\n"
    }
    out += indent + "}"
  }

  /// The entry descriptor of a map field (`map<K, V>` is a repeated `…Entry { K key = 1; V value = 2; }`).
  static func mapEntry(_ field: Field) -> Descriptor? {
    guard field.pointee.label == PROTOBUF_C_LABEL_REPEATED, field.pointee.type == PROTOBUF_C_TYPE_MESSAGE else { return nil }
    let entry = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
    guard String(cString: entry.pointee.name).hasSuffix("Entry"), entry.pointee.n_fields == 2,
      String(cString: entry.pointee.fields[0].name) == "key", entry.pointee.fields[0].id == 1,
      String(cString: entry.pointee.fields[1].name) == "value", entry.pointee.fields[1].id == 2
    else { return nil }
    return entry
  }

  /// A map as a JSON object, keys as strings, in the order the entries came.
  mutating func mapObject(_ raws: [Raw], _ entry: Descriptor, indent: String) {
    guard !raws.isEmpty else {
      out += "{}"
      return
    }
    out += "{"
    for (number, raw) in raws.enumerated() {
      guard case .delimited(let payload) = raw else { continue }
      let fields = Self.fields(payload, entry)
      var key = JSONWriter()
      if let keyRaw = fields[0]?.last {
        key.value(keyRaw, entry.pointee.fields, indent: "")
      } else {
        key.out = entry.pointee.fields[0].type == PROTOBUF_C_TYPE_STRING ? "\"\"" : (entry.pointee.fields[0].type == PROTOBUF_C_TYPE_BOOL ? "false" : "0")
      }
      let keyText = key.out.hasPrefix("\"") ? key.out : "\"" + key.out + "\""
      out += (number == 0 ? "\n" : ",\n") + indent + "  " + keyText + ": "
      let valueField = entry.pointee.fields + 1
      if let valueRaw = fields[1]?.last {
        value(valueRaw, valueField, indent: indent + "  ")
      } else {
        out += Self.defaultValue(valueField)
      }
    }
    out += "\n" + indent + "}"
  }

  static func defaultValue(_ field: Field) -> String {
    switch field.pointee.type {
    case PROTOBUF_C_TYPE_MESSAGE: "{}"
    case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES: "\"\""
    case PROTOBUF_C_TYPE_BOOL: "false"
    case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_SFIXED64: "\"0\""
    case PROTOBUF_C_TYPE_ENUM:
      field.pointee.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self).pointee.n_values > 0
        ? "\"" + String(cString: field.pointee.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self).pointee.values[0].name) + "\"" : "0"
    default: "0"
    }
  }

  /// The message's fields by their index in the descriptor, each with its values in order
  /// (packed repeated scalars unpacked). Unknown fields are left out.
  static func fields(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ descriptor: Descriptor) -> [Int: [Raw]] {
    var values: [Int: [Raw]] = [:]
    var cursor = bytes.startIndex
    while cursor < bytes.endIndex {
      guard let tag = varint(bytes, &cursor) else { break }
      let raw: Raw
      switch tag & 7 {
      case 0:
        guard let value = varint(bytes, &cursor) else { return values }
        raw = .varint(value)
      case 1:
        guard bytes.endIndex - cursor >= 8 else { return values }
        raw = .fixed64((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[cursor + $1]) << (8 * UInt64($1)) })
        cursor += 8
      case 5:
        guard bytes.endIndex - cursor >= 4 else { return values }
        raw = .fixed32((0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[cursor + $1]) << (8 * UInt32($1)) })
        cursor += 4
      case 2:
        guard let length = varint(bytes, &cursor), length <= UInt64(bytes.endIndex - cursor) else { return values }
        raw = .delimited(bytes[cursor..<cursor + Int(length)])
        cursor += Int(length)
      default:
        return values
      }
      guard let field = protobuf_c_message_descriptor_get_field(descriptor, UInt32(tag >> 3)) else { continue }
      let index = field - descriptor.pointee.fields
      if case .delimited(let payload) = raw, field.pointee.type != PROTOBUF_C_TYPE_STRING,
        field.pointee.type != PROTOBUF_C_TYPE_BYTES, field.pointee.type != PROTOBUF_C_TYPE_MESSAGE
      {
        values[index, default: []] += unpacked(payload, field.pointee.type)
      } else {
        values[index, default: []].append(raw)
      }
    }
    return values
  }

  static func unpacked(_ payload: Slice<UnsafeBufferPointer<UInt8>>, _ type: ProtobufCType) -> [Raw] {
    var raws: [Raw] = []
    var cursor = payload.startIndex
    while cursor < payload.endIndex {
      switch type {
      case PROTOBUF_C_TYPE_FIXED32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_FLOAT:
        guard payload.endIndex - cursor >= 4 else { return raws }
        raws.append(.fixed32((0..<4).reduce(UInt32(0)) { $0 | UInt32(payload[cursor + $1]) << (8 * UInt32($1)) }))
        cursor += 4
      case PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_DOUBLE:
        guard payload.endIndex - cursor >= 8 else { return raws }
        raws.append(.fixed64((0..<8).reduce(UInt64(0)) { $0 | UInt64(payload[cursor + $1]) << (8 * UInt64($1)) }))
        cursor += 8
      default:
        guard let value = varint(payload, &cursor) else { return raws }
        raws.append(.varint(value))
      }
    }
    return raws
  }

  mutating func value(_ raw: Raw, _ field: Field, indent: String) {
    switch (field.pointee.type, raw) {
    case (PROTOBUF_C_TYPE_MESSAGE, .delimited(let payload)):
      message(payload, field.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self), indent: indent)
    case (PROTOBUF_C_TYPE_STRING, .delimited(let payload)):
      out += Self.quoted(String(decoding: payload, as: UTF8.self))
    case (PROTOBUF_C_TYPE_BYTES, .delimited(let payload)):
      out += "\"" + Base64.encode(Array(payload)) + "\""
    case (PROTOBUF_C_TYPE_BOOL, .varint(let v)):
      out += v != 0 ? "true" : "false"
    case (PROTOBUF_C_TYPE_INT32, .varint(let v)):
      out += String(Int32(truncatingIfNeeded: v))
    case (PROTOBUF_C_TYPE_UINT32, .varint(let v)):
      out += String(UInt32(truncatingIfNeeded: v))
    case (PROTOBUF_C_TYPE_SINT32, .varint(let v)):
      out += String(Int32(truncatingIfNeeded: Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)))
    case (PROTOBUF_C_TYPE_INT64, .varint(let v)):
      out += "\"" + String(Int64(bitPattern: v)) + "\""
    case (PROTOBUF_C_TYPE_UINT64, .varint(let v)):
      out += "\"" + String(v) + "\""
    case (PROTOBUF_C_TYPE_SINT64, .varint(let v)):
      out += "\"" + String(Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)) + "\""
    case (PROTOBUF_C_TYPE_FIXED32, .fixed32(let v)):
      out += String(v)
    case (PROTOBUF_C_TYPE_SFIXED32, .fixed32(let v)):
      out += String(Int32(bitPattern: v))
    case (PROTOBUF_C_TYPE_FLOAT, .fixed32(let v)):
      out += Self.number(Double(Float(bitPattern: v)))
    case (PROTOBUF_C_TYPE_FIXED64, .fixed64(let v)):
      out += "\"" + String(v) + "\""
    case (PROTOBUF_C_TYPE_SFIXED64, .fixed64(let v)):
      out += "\"" + String(Int64(bitPattern: v)) + "\""
    case (PROTOBUF_C_TYPE_DOUBLE, .fixed64(let v)):
      out += Self.number(Double(bitPattern: v))
    case (PROTOBUF_C_TYPE_ENUM, .varint(let v)):
      let number = Int32(truncatingIfNeeded: v)
      let descriptor = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self)
      if let known = protobuf_c_enum_descriptor_get_value(descriptor, number) {
        out += "\"" + String(cString: known.pointee.name) + "\""
      } else {
        out += String(number)
      }
    default:
      out += "null"
    }
  }

  /// Well-known types with a JSON form of their own.
  static func special(_ name: String, _ values: [Int: [Raw]]) -> String? {
    func integer(_ index: Int) -> Int64 {
      if case .varint(let v)? = values[index]?.last { return Int64(bitPattern: v) }
      return 0
    }
    switch name {
    case "google.protobuf.Timestamp":
      return "\"" + rfc3339(seconds: integer(0), nanos: Int32(truncatingIfNeeded: integer(1))) + "\""
    case "google.protobuf.Duration":
      let seconds = integer(0), nanos = Int32(truncatingIfNeeded: integer(1))
      let sign = seconds < 0 || nanos < 0 ? "-" : ""
      return "\"" + sign + String(seconds.magnitude) + fraction(nanos.magnitude) + "s\""
    default:
      return nil
    }
  }

  /// `2026-11-29T02:49:02.123Z`: fractional digits 0, 3, 6 or 9, as the mapping asks.
  static func rfc3339(seconds: Int64, nanos: Int32) -> String {
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let secondOfDay = seconds - days * 86_400
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let date = "\(year)-\(two(month))-\(two(day))"
    let time = "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
    return date + "T" + time + fraction(nanos.magnitude) + "Z"
  }

  static func fraction(_ nanos: UInt32) -> String {
    guard nanos > 0 else { return "" }
    var digits = String(nanos)
    digits = String(repeating: "0", count: 9 - digits.count) + digits
    if nanos % 1_000_000 == 0 { return "." + digits.prefix(3) }
    if nanos % 1000 == 0 { return "." + digits.prefix(6) }
    return "." + digits
  }

  static func number(_ value: Double) -> String {
    if value.isNaN { return "\"NaN\"" }
    if value.isInfinite { return value > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
  }

  /// `credit_code` → `creditCode`.
  static func jsonName(_ name: String) -> String {
    var out = ""
    var upper = false
    for character in name {
      if character == "_" {
        upper = true
      } else {
        out += upper ? character.uppercased() : String(character)
        upper = false
      }
    }
    return out
  }

  static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  static func varint(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ cursor: inout Int) -> UInt64? {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while cursor < bytes.endIndex, shift < 64 {
      let byte = bytes[cursor]
      cursor += 1
      value |= UInt64(byte & 0x7F) << shift
      if byte & 0x80 == 0 { return value }
      shift += 7
    }
    return nil
  }
}
