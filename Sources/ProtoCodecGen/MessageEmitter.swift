/// Writes the Swift value types of one proto file and their conversion to and from the
/// protobuf-c structs.
struct MessageEmitter {
  let registry: Registry

  func emit(_ file: ProtoFile, into out: inout CodeWriter) {
    for item in file.enums { emitEnum(item, into: &out) }
    for message in file.messages { emitStruct(message, into: &out) }
    for message in file.messages { emitConformances(message, into: &out) }
  }

  // MARK: - Enums

  private func emitEnum(_ item: Enum, into out: inout CodeWriter) {
    let item = registry.enumeration(item.fullName)
    out.doc(item.comment)
    out.doc("\nAn open enum: values this version does not know are kept as they are.")
    out.block("public struct \(item.swiftName.split(separator: ".").last!): ProtoEnum") { out in
      out.line("public var rawValue: Int32")
      out.line()
      out.line("public init(rawValue: Int32) { self.rawValue = rawValue }")
      var seen: Set<Int32> = []
      for value in item.values {
        out.line()
        out.doc(value.comment.isEmpty ? "`\(value.name)`" : value.comment)
        out.line("public static let \(Names.enumCase(value.name, enumName: item.name)) = Self(rawValue: \(value.number))")
        seen.insert(value.number)
      }
      out.line()
      out.line("/// Every value this version knows, in declaration order.")
      let known = item.values.map { "." + Names.enumCase($0.name, enumName: item.name) }
      out.line("public static let knownValues: [Self] = [\(known.joined(separator: ", "))]")
      out.line()
      out.line("/// The value's name in the .proto file, or nil for a value this version does not know.")
      out.block("public var name: String?") { out in
        out.block("switch rawValue") { out in
          var named: Set<Int32> = []
          for value in item.values where named.insert(value.number).inserted {
            out.line("case \(value.number): return \"\(value.name)\"")
          }
          out.line("default: return nil")
        }
      }
    }
  }

  // MARK: - Structs

  private func emitStruct(_ message: Message, into out: inout CodeWriter) {
    out.line()
    out.doc(message.comment)
    if message.isMapEntry { out.line("/// A map entry as it travels on the wire.") }
    out.block("public struct \(message.swiftName.split(separator: ".").last!): Sendable, Equatable") { out in
      for item in message.enums { emitEnum(item, into: &out); out.line() }
      for nested in message.nested { emitStruct(nested, into: &out); out.line() }
      for (index, field) in message.fields.enumerated() where field.oneofIndex == nil {
        emitStoredField(message, field, into: &out)
        if index < message.fields.count - 1 { out.line() }
      }
      for oneof in message.oneofs {
        if let field = presenceField(message, oneof) {
          out.line()
          out.doc(field.comment)
          out.line("public var \(Names.swiftProperty(field.name)): \(swiftType(field))? = nil")
        } else {
          emitOneof(message, oneof, into: &out)
        }
      }
      out.line()
      out.line("public init() {}")
    }
  }

  private func emitStoredField(_ message: Message, _ field: Field, into out: inout CodeWriter) {
    let name = Names.swiftProperty(field.name)
    out.doc(field.comment)
    if registry.isBoxed(message, field) {
      let type = swiftType(field)
      out.block("public var \(name): \(type)?") { out in
        out.line("get { _\(field.name)?.value }")
        out.line("set { _\(field.name) = newValue.map(ProtoBox.init) }")
      }
      out.line("private var _\(field.name): ProtoBox<\(type)>? = nil")
      return
    }
    out.line("public var \(name): \(storedType(field)) = \(defaultValue(field))")
  }

  private func emitOneof(_ message: Message, _ oneof: Oneof, into out: inout CodeWriter) {
    let enumName = "OneOf_" + Names.upperCamel(oneof.name)
    let fields = oneof.fieldIndices.map { message.fields[$0] }
    let recursive = fields.contains { registry.isBoxed(message, $0) }
    out.line()
    out.doc(oneof.comment.isEmpty ? "At most one of these is set." : oneof.comment)
    out.block("public \(recursive ? "indirect " : "")enum \(enumName): Sendable, Equatable") { out in
      for field in fields {
        out.doc(field.comment)
        out.line("case \(Names.swiftProperty(field.name))(\(swiftType(field)))")
      }
    }
    out.line()
    out.line("public var \(Names.swiftProperty(oneof.name)): \(enumName)? = nil")
    for field in fields {
      let name = Names.swiftProperty(field.name)
      out.line()
      out.line("/// `\(field.name)` when it is the member set, else its default; setting it selects it.")
      out.block("public var \(name): \(swiftType(field))") { out in
        out.line("get { if case .\(name)(let value)? = \(Names.swiftProperty(oneof.name)) { value } else { \(singularDefault(field)) } }")
        out.line("set { \(Names.swiftProperty(oneof.name)) = .\(name)(newValue) }")
      }
    }
  }

  // MARK: - Conformances

  private func emitConformances(_ message: Message, into out: inout CodeWriter) {
    out.line()
    out.block("extension \(message.swiftName): ProtoMessage") { out in
      out.line("public typealias CMessage = \(message.cType)")
      out.line("public static let protoMessageName = \"\(message.fullName)\"")
      out.line("public static let cDescriptor = ProtoCDescriptor { var m = \(message.cType)(); \(message.cLower)__init(&m); return m.base.descriptor }")
      out.line()
      out.block("public init(c: UnsafePointer<\(message.cType)>)") { out in
        out.line("self.init()")
        for field in message.fields where field.oneofIndex == nil { emitDecode(field, into: &out) }
        for oneof in message.oneofs { emitDecodeOneof(message, oneof, into: &out) }
      }
      out.line()
      out.block("public func fill(_ c: UnsafeMutablePointer<\(message.cType)>, in arena: ProtoArena) throws(ProtoEncodingError)") { out in
        if message.fields.isEmpty { out.line("_ = (c, arena)") }
        for field in message.fields where field.oneofIndex == nil { emitEncode(field, into: &out) }
        for oneof in message.oneofs { emitEncodeOneof(message, oneof, into: &out) }
      }
    }
    for nested in message.nested { emitConformances(nested, into: &out) }
  }

  private func emitDecode(_ field: Field, into out: inout CodeWriter) {
    let swift = "self." + Names.swiftProperty(field.name)
    let c = "c.pointee." + Names.cField(field.name)
    let count = "c.pointee.n_" + Names.cField(field.name)
    if let map = mapEntry(field) {
      let value = map.fields[1].kind == .message ? "$0.value ?? .init()" : "$0.value"
      out.line("\(swift) = Dictionary((_pcMessages(\(c), \(count)) as [\(map.swiftName)]).map { ($0.key, \(value)) }, uniquingKeysWith: { _, last in last })")
      return
    }
    if field.isRepeated {
      switch field.kind {
      case .string: out.line("\(swift) = _pcMap(\(c), \(count)) { _pcString($0) }")
      case .bytes: out.line("\(swift) = _pcMap(\(c), \(count)) { _pcBytes($0) }")
      case .bool: out.line("\(swift) = _pcMap(\(c), \(count)) { $0 != 0 }")
      case .enumeration:
        out.line("\(swift) = _pcMap(\(c), \(count)) { .init(rawValue: Int32(truncatingIfNeeded: $0.rawValue)) }")
      case .message: out.line("\(swift) = _pcMessages(\(c), \(count))")
      default: out.line("\(swift) = _pcScalars(\(c), \(count))")
      }
      return
    }
    out.line("\(swift) = \(decodeSingular(field, c))")
  }

  private func decodeSingular(_ field: Field, _ c: String) -> String {
    switch field.kind {
    case .string: "_pcString(\(c))"
    case .bytes: "_pcBytes(\(c))"
    case .bool: "\(c) != 0"
    case .enumeration: ".init(rawValue: Int32(truncatingIfNeeded: \(c).rawValue))"
    case .message: "\(c).map { .init(c: $0) }"
    default: c
    }
  }

  private func emitDecodeOneof(_ message: Message, _ oneof: Oneof, into out: inout CodeWriter) {
    if let field = presenceField(message, oneof) {
      let c = "c.pointee." + Names.cField(field.name)
      let value = field.kind == .message ? "\(c).map { .init(c: $0) }" : decodeSingular(field, c)
      out.line("if c.pointee.\(Names.cField(oneof.name))_case.rawValue == \(field.number) { self.\(Names.swiftProperty(field.name)) = \(value) }")
      return
    }
    out.block("switch c.pointee.\(Names.cField(oneof.name))_case.rawValue") { out in
      for field in oneof.fieldIndices.map({ message.fields[$0] }) {
        let c = "c.pointee." + Names.cField(field.name)
        let name = Names.swiftProperty(field.name)
        if field.kind == .message {
          out.line("case \(field.number): self.\(Names.swiftProperty(oneof.name)) = \(c).map { .\(name)(.init(c: $0)) }")
        } else {
          out.line("case \(field.number): self.\(Names.swiftProperty(oneof.name)) = .\(name)(\(decodeSingular(field, c)))")
        }
      }
      out.line("default: break")
    }
  }

  private func emitEncode(_ field: Field, into out: inout CodeWriter) {
    let swift = "self." + Names.swiftProperty(field.name)
    let c = "c.pointee." + Names.cField(field.name)
    let count = "c.pointee.n_" + Names.cField(field.name)
    let label = "\"\(field.name)\""
    if let map = mapEntry(field) {
      out.block("if !\(swift).isEmpty") { out in
        out.line("\(count) = \(swift).count")
        // Sorted by key so that equal maps encode to equal bytes (digests depend on it).
        let ordered = map.fields[0].kind == .bool ? swift : "\(swift).sorted(by: { $0.key < $1.key })"
        out.line("\(c) = try arena.messages(\(ordered).map { key, value in var entry = \(map.swiftName)(); entry.key = key; entry.value = value; return entry }, field: \(label))")
      }
      return
    }
    if field.isRepeated {
      let value: String
      switch field.kind {
      case .string: value = "try arena.strings(\(swift), field: \(label))"
      case .bytes: value = "arena.mapped(\(swift)) { arena.bytes($0) }"
      case .bool: value = "arena.mapped(\(swift)) { protobuf_c_boolean($0 ? 1 : 0) }"
      case .enumeration:
        value = "arena.mapped(\(swift)) { \(Names.cType(field.typeName))(rawValue: .init(truncatingIfNeeded: $0.rawValue)) }"
      case .message: value = "try arena.messages(\(swift), field: \(label))"
      default: value = "arena.scalars(\(swift))"
      }
      out.block("if !\(swift).isEmpty") { out in
        out.line("\(count) = \(swift).count")
        out.line("\(c) = \(value)")
      }
      return
    }
    switch field.kind {
    case .string: out.line("if !\(swift).isEmpty { \(c) = try arena.string(\(swift), field: \(label)) }")
    case .bytes: out.line("if !\(swift).isEmpty { \(c) = arena.bytes(\(swift)) }")
    case .message: out.line("if let value = \(swift) { \(c) = try arena.message(value, field: \(label)) }")
    default: out.line("\(c) = \(encodeSingular(field, swift))")
    }
  }

  /// A oneof member's C value from a Swift `value`, empty strings included (presence counts).
  private func oneofValue(_ field: Field) -> String {
    let label = "\"\(field.name)\""
    switch field.kind {
    case .string: return "try arena.string(value, field: \(label))"
    case .bytes: return "arena.bytes(value)"
    case .message: return "try arena.message(value, field: \(label))"
    default: return encodeSingular(field, "value")
    }
  }

  private func encodeSingular(_ field: Field, _ value: String) -> String {
    switch field.kind {
    case .bool: "\(value) ? 1 : 0"
    case .enumeration: ".init(rawValue: .init(truncatingIfNeeded: \(value).rawValue))"
    default: value
    }
  }

  private func emitEncodeOneof(_ message: Message, _ oneof: Oneof, into out: inout CodeWriter) {
    if let field = presenceField(message, oneof) {
      out.block("if let value = self.\(Names.swiftProperty(field.name))") { out in
        out.line("c.pointee.\(Names.cField(oneof.name))_case = .init(rawValue: \(field.number))")
        out.line("c.pointee.\(Names.cField(field.name)) = \(oneofValue(field))")
      }
      return
    }
    out.block("switch self.\(Names.swiftProperty(oneof.name))") { out in
      for field in oneof.fieldIndices.map({ message.fields[$0] }) {
        let c = "c.pointee." + Names.cField(field.name)
        out.line("case .\(Names.swiftProperty(field.name))(let value)?:")
        out.line("  c.pointee.\(Names.cField(oneof.name))_case = .init(rawValue: \(field.number))")
        out.line("  \(c) = \(oneofValue(field))")
      }
      out.line("case nil: break")
    }
  }

  // MARK: - Types

  /// The field of a one-field oneof: how proto3 files for protoc-c 1.4 (which rejects
  /// `optional`) express presence. Generated as a Swift optional.
  private func presenceField(_ message: Message, _ oneof: Oneof) -> Field? {
    oneof.fieldIndices.count == 1 ? message.fields[oneof.fieldIndices[0]] : nil
  }

  private func mapEntry(_ field: Field) -> Message? {
    guard field.kind == .message, field.isRepeated else { return nil }
    let entry = registry.message(field.typeName)
    return entry.isMapEntry ? entry : nil
  }

  /// The element type: a field's Swift type before `repeated` or optionality is applied.
  private func swiftType(_ field: Field) -> String {
    switch field.kind {
    case .double: "Double"
    case .float: "Float"
    case .int64, .sint64, .sfixed64: "Int64"
    case .uint64, .fixed64: "UInt64"
    case .int32, .sint32, .sfixed32: "Int32"
    case .uint32, .fixed32: "UInt32"
    case .bool: "Bool"
    case .string: "String"
    case .bytes: "[UInt8]"
    case .enumeration: registry.enumeration(field.typeName).swiftName
    case .message: registry.message(field.typeName).swiftName
    }
  }

  private func storedType(_ field: Field) -> String {
    if let map = mapEntry(field) {
      return "[\(swiftType(map.fields[0])): \(swiftType(map.fields[1]))]"
    }
    if field.isRepeated { return "[\(swiftType(field))]" }
    return field.kind == .message ? swiftType(field) + "?" : swiftType(field)
  }

  private func defaultValue(_ field: Field) -> String {
    if mapEntry(field) != nil { return "[:]" }
    if field.isRepeated { return "[]" }
    return field.kind == .message ? "nil" : singularDefault(field)
  }

  private func singularDefault(_ field: Field) -> String {
    switch field.kind {
    case .bool: "false"
    case .string: "\"\""
    case .bytes: "[]"
    case .enumeration: ".init(rawValue: 0)"
    case .message: ".init()"
    default: "0"
    }
  }
}
