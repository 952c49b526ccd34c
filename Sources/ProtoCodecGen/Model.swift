import CProtoDescriptor

/// The parts of a `FileDescriptorSet` the generator needs, read once with protobuf-c and
/// turned into plain Swift values so the emitters never touch C pointers.
struct ProtoFile {
  var name: String
  var package: String
  var dependencies: [String]
  var messages: [Message]
  var enums: [Enum]
  var services: [Service]
}

final class Message {
  let fullName: String
  let name: String
  var fields: [Field] = []
  var oneofs: [Oneof] = []
  var nested: [Message] = []
  var enums: [Enum] = []
  var isMapEntry = false
  var comment = ""
  /// Set by `Registry`: the Swift and C spellings of this type.
  var swiftName = ""
  var cType = ""
  var cLower = ""

  init(fullName: String, name: String) {
    self.fullName = fullName
    self.name = name
  }
}

struct Oneof {
  var name: String
  var fieldIndices: [Int] = []
  var comment = ""
}

struct Field {
  enum Kind: Equatable {
    case double, float, int64, uint64, int32, fixed64, fixed32, bool, string, message, bytes
    case uint32, enumeration, sfixed32, sfixed64, sint32, sint64
  }
  var name: String
  var number: Int32
  var isRepeated: Bool
  var kind: Kind
  /// Fully qualified, without the leading dot, for messages and enums.
  var typeName: String
  var oneofIndex: Int?
  var comment = ""
}

struct Enum {
  struct Value {
    var name: String
    var number: Int32
    var comment: String
  }
  var fullName: String
  var name: String
  var values: [Value]
  var comment: String
  var swiftName = ""
}

struct Service {
  struct Method {
    var name: String
    var input: String
    var output: String
    var clientStreaming: Bool
    var serverStreaming: Bool
    var comment: String
  }
  var fullName: String
  var name: String
  var methods: [Method]
  var comment: String
}

enum GeneratorError: Error, CustomStringConvertible {
  case io(String)
  case unsupported(String)

  var description: String {
    switch self {
    case .io(let text), .unsupported(let text): return text
    }
  }
}

/// Reads a serialized `FileDescriptorSet` (made with `--include_source_info`).
enum DescriptorSetReader {
  static func read(_ bytes: [UInt8]) throws -> [ProtoFile] {
    let set = bytes.withUnsafeBufferPointer {
      google__protobuf__file_descriptor_set__unpack(nil, $0.count, $0.baseAddress)
    }
    guard let set else { throw GeneratorError.io("the descriptor set does not parse") }
    defer { google__protobuf__file_descriptor_set__free_unpacked(set, nil) }
    return (0..<set.pointee.n_file).map { readFile(set.pointee.file[$0]!.pointee) }
  }

  private static func readFile(_ file: Google__Protobuf__FileDescriptorProto) -> ProtoFile {
    let comments = Comments(file.source_code_info)
    let package = string(file.package)
    let prefix = package.isEmpty ? "" : package + "."
    return ProtoFile(
      name: string(file.name),
      package: package,
      dependencies: (0..<file.n_dependency).map { string(file.dependency[$0]) },
      messages: (0..<file.n_message_type).map {
        readMessage(file.message_type[$0]!.pointee, scope: prefix, path: [4, Int32($0)], comments)
      },
      enums: (0..<file.n_enum_type).map {
        readEnum(file.enum_type[$0]!.pointee, scope: prefix, path: [5, Int32($0)], comments)
      },
      services: (0..<file.n_service).map { index in
        let service = file.service[index]!.pointee
        let path: [Int32] = [6, Int32(index)]
        return Service(
          fullName: prefix + string(service.name),
          name: string(service.name),
          methods: (0..<service.n_method).map { m in
            let method = service.method[m]!.pointee
            return Service.Method(
              name: string(method.name),
              input: dropDot(string(method.input_type)),
              output: dropDot(string(method.output_type)),
              clientStreaming: method.has_client_streaming != 0 && method.client_streaming != 0,
              serverStreaming: method.has_server_streaming != 0 && method.server_streaming != 0,
              comment: comments[path + [2, Int32(m)]]
            )
          },
          comment: comments[path]
        )
      }
    )
  }

  private static func readMessage(
    _ proto: Google__Protobuf__DescriptorProto, scope: String, path: [Int32], _ comments: Comments
  ) -> Message {
    let name = string(proto.name)
    let message = Message(fullName: scope + name, name: name)
    message.comment = comments[path]
    if let options = proto.options?.pointee {
      message.isMapEntry = options.has_map_entry != 0 && options.map_entry != 0
    }
    let inner = message.fullName + "."
    message.oneofs = (0..<proto.n_oneof_decl).map {
      Oneof(name: string(proto.oneof_decl[$0]!.pointee.name), comment: comments[path + [8, Int32($0)]])
    }
    for index in 0..<proto.n_field {
      let field = proto.field[index]!.pointee
      let oneof = field.has_oneof_index != 0 ? Int(field.oneof_index) : nil
      if let oneof { message.oneofs[oneof].fieldIndices.append(message.fields.count) }
      message.fields.append(
        Field(
          name: string(field.name),
          number: field.number,
          isRepeated: field.label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED,
          kind: kind(field.type),
          typeName: dropDot(string(field.type_name)),
          oneofIndex: oneof,
          comment: comments[path + [2, Int32(index)]]
        )
      )
    }
    message.nested = (0..<proto.n_nested_type).map {
      readMessage(proto.nested_type[$0]!.pointee, scope: inner, path: path + [3, Int32($0)], comments)
    }
    message.enums = (0..<proto.n_enum_type).map {
      readEnum(proto.enum_type[$0]!.pointee, scope: inner, path: path + [4, Int32($0)], comments)
    }
    return message
  }

  private static func readEnum(
    _ proto: Google__Protobuf__EnumDescriptorProto, scope: String, path: [Int32], _ comments: Comments
  ) -> Enum {
    let name = string(proto.name)
    return Enum(
      fullName: scope + name,
      name: name,
      values: (0..<proto.n_value).map {
        let value = proto.value[$0]!.pointee
        return Enum.Value(
          name: string(value.name), number: value.number, comment: comments[path + [2, Int32($0)]])
      },
      comment: comments[path]
    )
  }

  private static func kind(_ type: Google__Protobuf__FieldDescriptorProto__Type) -> Field.Kind {
    switch type {
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_DOUBLE: .double
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FLOAT: .float
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT64: .int64
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT64: .uint64
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT32: .int32
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED64: .fixed64
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED32: .fixed32
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BOOL: .bool
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING: .string
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE: .message
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BYTES: .bytes
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT32: .uint32
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_ENUM: .enumeration
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED32: .sfixed32
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED64: .sfixed64
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT32: .sint32
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT64: .sint64
    default: fatalError("groups are not supported (proto2 only)")
    }
  }

  static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
  }

  private static func dropDot(_ name: String) -> String {
    name.hasPrefix(".") ? String(name.dropFirst()) : name
  }
}

/// Leading comments by source path (see `SourceCodeInfo.Location.path` in descriptor.proto).
struct Comments {
  private var byPath: [[Int32]: String] = [:]

  init(_ info: UnsafeMutablePointer<Google__Protobuf__SourceCodeInfo>?) {
    guard let info else { return }
    for index in 0..<info.pointee.n_location {
      let location = info.pointee.location[index]!.pointee
      let path = Array(UnsafeBufferPointer(start: location.path, count: location.n_path))
      let text = DescriptorSetReader.string(location.leading_comments)
      if !text.isEmpty { byPath[path] = text }
    }
  }

  subscript(path: [Int32]) -> String { byPath[path] ?? "" }
}
