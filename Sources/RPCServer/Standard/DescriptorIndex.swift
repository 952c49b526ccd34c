import CProtoCodec
import CProtoDescriptor

/// The server's own API description, for reflection: every file of the descriptor set that
/// `make generate` embeds (proto/ with its imports and comments), each kept as the serialized
/// `FileDescriptorProto` it arrived as, and indexed by file name and by every symbol it defines.
public struct DescriptorIndex: Sendable {
  /// Serialized `FileDescriptorProto`s by file name.
  public let files: [String: [UInt8]]
  /// Each file's direct dependencies.
  public let dependencies: [String: [String]]
  /// Fully qualified symbol (package.Message, package.Message.Nested, package.Enum,
  /// package.Service, package.Service.Method) → file name.
  public let symbols: [String: String]

  /// The descriptor set embedded in CProtoCodec.
  public static let embedded: DescriptorIndex = {
    let bytes = Array(UnsafeBufferPointer(start: cqmon_descriptor_set_pointer(), count: cqmon_descriptor_set_size))
    guard let index = DescriptorIndex(descriptorSet: bytes) else {
      fatalError("the embedded descriptor set does not parse: run make generate")
    }
    return index
  }()

  /// Reads a serialized `FileDescriptorSet`; nil if it is not one.
  public init?(descriptorSet bytes: [UInt8]) {
    var files: [String: [UInt8]] = [:]
    var dependencies: [String: [String]] = [:]
    var symbols: [String: String] = [:]
    guard let fileBytes = Self.repeatedField1(bytes) else { return nil }
    for raw in fileBytes {
      let parsed = raw.withUnsafeBufferPointer {
        google__protobuf__file_descriptor_proto__unpack(nil, $0.count, $0.baseAddress)
      }
      guard let parsed else { return nil }
      defer { google__protobuf__file_descriptor_proto__free_unpacked(parsed, nil) }
      let file = parsed.pointee
      let name = Self.string(file.name)
      let package = Self.string(file.package)
      let prefix = package.isEmpty ? "" : package + "."
      files[name] = raw
      dependencies[name] = (0..<file.n_dependency).map { Self.string(file.dependency[$0]) }
      for index in 0..<file.n_message_type {
        Self.addMessage(file.message_type[index]!.pointee, scope: prefix, file: name, into: &symbols)
      }
      for index in 0..<file.n_enum_type {
        symbols[prefix + Self.string(file.enum_type[index]!.pointee.name)] = name
      }
      for index in 0..<file.n_service {
        let service = file.service[index]!.pointee
        let serviceName = prefix + Self.string(service.name)
        symbols[serviceName] = name
        for method in 0..<service.n_method {
          symbols[serviceName + "." + Self.string(service.method[method]!.pointee.name)] = name
        }
      }
    }
    self.files = files
    self.dependencies = dependencies
    self.symbols = symbols
  }

  /// `name` and every file it imports, transitively, dependencies after the files that need
  /// them; nil if `name` is unknown.
  public func fileWithDependencies(_ name: String) -> [[UInt8]]? {
    guard files[name] != nil else { return nil }
    var order: [String] = []
    var seen: Set<String> = []
    var stack = [name]
    while let next = stack.popLast() {
      guard seen.insert(next).inserted else { continue }
      order.append(next)
      stack.append(contentsOf: dependencies[next] ?? [])
    }
    return order.compactMap { files[$0] }
  }

  private static func addMessage(
    _ message: Google__Protobuf__DescriptorProto, scope: String, file: String, into symbols: inout [String: String]
  ) {
    let fullName = scope + string(message.name)
    symbols[fullName] = file
    for index in 0..<message.n_nested_type {
      addMessage(message.nested_type[index]!.pointee, scope: fullName + ".", file: file, into: &symbols)
    }
    for index in 0..<message.n_enum_type {
      symbols[fullName + "." + string(message.enum_type[index]!.pointee.name)] = file
    }
  }

  private static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
  }

  /// The payloads of every field-1, length-delimited entry (`repeated FileDescriptorProto
  /// file = 1`), exactly as they are on the wire; nil on anything else.
  static func repeatedField1(_ bytes: [UInt8]) -> [[UInt8]]? {
    var result: [[UInt8]] = []
    var index = 0
    func varint() -> Int? {
      var value = 0
      var shift = 0
      while index < bytes.count, shift < 63 {
        let byte = bytes[index]
        index += 1
        value |= Int(byte & 0x7F) << shift
        if byte < 0x80 { return value }
        shift += 7
      }
      return nil
    }
    while index < bytes.count {
      guard varint() == 0x0A, let length = varint(), length <= bytes.count - index else { return nil }
      result.append(Array(bytes[index..<index + length]))
      index += length
    }
    return result
  }
}
