import CProtoCodec
import ProtoCodec

/// The message types the fuzz target decodes, picked by the first byte of each input: every
/// request type of every service the server offers (from the generated `requestTypes`, so a new
/// method's request joins by itself), then the codec's shape fixtures.
public enum FuzzTypes {
  public static let all: [any ProtoMessage.Type] =
    Cqmon_V1_RegistryService.requestTypes + Cqmon_V1_DocumentService.requestTypes + Cqmon_V1_AuditService.requestTypes
    + Cqmon_V1_FilingService.requestTypes + Cqmon_V1_InspectionService.requestTypes + Cqmon_V1_CreditService.requestTypes
    + Cqmon_V1_SharingService.requestTypes + Grpc_Health_V1_Health.requestTypes
    + Grpc_Reflection_V1_ServerReflection.requestTypes + Grpc_Reflection_V1Alpha_ServerReflection.requestTypes
    + [Cqmon_Testing_Tree.self, Cqmon_Testing_Scalars.self, Cqmon_Testing_Chain.self, Cqmon_Testing_Empty.self]

  /// The type an input's first byte selects.
  public static func type(for selector: UInt8) -> any ProtoMessage.Type {
    all[Int(selector) % all.count]
  }

  /// A valid encoding of `type` with every field set (nested messages to depth 3, two elements
  /// in each repeated field): a seed for the fuzzer's corpus of that type.
  public static func sample(_ type: any ProtoMessage.Type) -> [UInt8] {
    func encode<M: ProtoMessage>(_ type: M.Type) -> [UInt8] {
      let tree = sampleTree(M.cDescriptor.pointer, depth: 0)
      return (try? M(tree: tree).serializedBytes()) ?? []
    }
    return encode(type)
  }

  static func sampleTree(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, depth: Int) -> ProtoTree {
    var fields: [(String, ProtoTree)] = []
    for index in 0..<Int(descriptor.pointee.n_fields) {
      let field = descriptor.pointee.fields + index
      let name = String(cString: field.pointee.name)
      let value: ProtoTree?
      switch field.pointee.type {
      case PROTOBUF_C_TYPE_MESSAGE:
        let nested = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
        switch String(cString: nested.pointee.name) {
        case "google.protobuf.Timestamp": value = .scalar("2026-11-29T02:49:02.123Z")
        case "cqmon.v1.Date": value = .scalar("2026-11-20")
        default: value = depth < 3 ? sampleTree(nested, depth: depth + 1) : nil
        }
      case PROTOBUF_C_TYPE_STRING: value = .scalar("样例 \(name)")
      case PROTOBUF_C_TYPE_BYTES: value = .scalar("AAECAw==")
      case PROTOBUF_C_TYPE_BOOL: value = .scalar("true")
      case PROTOBUF_C_TYPE_FLOAT, PROTOBUF_C_TYPE_DOUBLE: value = .scalar("1.5")
      case PROTOBUF_C_TYPE_ENUM:
        let values = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self)
        value = .scalar(values.pointee.n_values > 1 ? String(cString: values.pointee.values[1].name) : "0")
      default: value = .scalar("7")
      }
      guard let value else { continue }
      fields.append((name, field.pointee.label == PROTOBUF_C_LABEL_REPEATED ? .list([value, value]) : value))
    }
    return .map(fields)
  }
}
