import GRPCCore
import ProtoCodec

/// Registers every method of the cqmon.v1 API, answering UNIMPLEMENTED, so that a method the
/// server does not implement yet still goes through identity and the policy table like any
/// other: a caller who may not call it is told PERMISSION_DENIED, one who may is told plainly
/// that it is not implemented. Registered first; the real services replace these handlers
/// (grpc-go's `Unimplemented…Server` does the same).
struct PlannedAPIService: RegistrableRPCService {
  static let methods: [MethodDescriptor] =
    Cqmon_V1_RegistryService.Method.descriptors + Cqmon_V1_DocumentService.Method.descriptors
    + Cqmon_V1_FilingService.Method.descriptors + Cqmon_V1_InspectionService.Method.descriptors
    + Cqmon_V1_CreditService.Method.descriptors + Cqmon_V1_SharingService.Method.descriptors
    + Cqmon_V1_AuditService.Method.descriptors

  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    for method in Self.methods {
      router.registerHandler(
        forMethod: method, deserializer: UndecodedBytes(), serializer: UndecodedBytes()
      ) { _, _ -> StreamingServerResponse<[UInt8]> in
        throw RPCError(
          code: .unimplemented,
          message: "\(method.fullyQualifiedMethod) is part of the cqmon.v1 API but this server does not implement it yet")
      }
    }
  }
}

/// Bytes passed through untouched: the planned methods never look at their messages.
struct UndecodedBytes: MessageSerializer, MessageDeserializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
  func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] {
    bytes.withUnsafeBytes { Array($0) }
  }
}
