import GRPCCore
import ProtoCodec

/// `grpc.reflection.v1.ServerReflection`: lists the services the server offers and hands out
/// the descriptors of the files that define them, so grpcurl, Postman and Python's reflection
/// client can call every method with no .proto in hand.
public struct ReflectionService: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
  let index: DescriptorIndex
  let services: [String]

  /// - Parameter services: the fully qualified names of the services the server offers.
  public init(index: DescriptorIndex = .embedded, services: [String]) {
    self.index = index
    self.services = services.sorted()
  }

  public func serverReflectionInfo(
    request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
    response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>,
    context: ServerContext
  ) async throws {
    for try await question in request {
      try await response.write(answer(question))
    }
  }

  func answer(_ request: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
    var response = Grpc_Reflection_V1_ServerReflectionResponse()
    response.validHost = request.host
    response.originalRequest = request
    switch request.messageRequest {
    case .listServices?:
      response.messageResponse = .listServicesResponse(.with {
        $0.service = services.map { name in .with { $0.name = name } }
      })
    case .fileByFilename(let name)?:
      response.messageResponse = files(index.fileWithDependencies(name), missing: "file \(name)")
    case .fileContainingSymbol(let symbol)?:
      response.messageResponse = files(index.symbols[symbol].flatMap(index.fileWithDependencies), missing: "symbol \(symbol)")
    case .fileContainingExtension(let request)?:
      response.messageResponse = notFound("extension \(request.extensionNumber) of \(request.containingType)")
    case .allExtensionNumbersOfType(let type)?:
      if index.symbols[type] != nil {
        response.messageResponse = .allExtensionNumbersResponse(.with { $0.baseTypeName = type })
      } else {
        response.messageResponse = notFound("type \(type)")
      }
    case nil:
      response.messageResponse = .errorResponse(.with {
        $0.errorCode = Int32(RPCError.Code.invalidArgument.rawValue)
        $0.errorMessage = "the request asks nothing"
      })
    }
    return response
  }

  private func files(_ files: [[UInt8]]?, missing: String) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse {
    guard let files else { return notFound(missing) }
    return .fileDescriptorResponse(.with { $0.fileDescriptorProto = files })
  }

  private func notFound(_ what: String) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse {
    .errorResponse(.with {
      $0.errorCode = Int32(RPCError.Code.notFound.rawValue)
      $0.errorMessage = "\(what) is not known to this server"
    })
  }
}

/// `grpc.reflection.v1alpha.ServerReflection`, which Python's reflection client still uses:
/// the same protocol in another package, so each message is carried over to v1 by its bytes
/// (the wire formats are identical) and answered by the v1 service.
public struct ReflectionServiceV1Alpha: Grpc_Reflection_V1Alpha_ServerReflection.SimpleServiceProtocol {
  let v1: ReflectionService

  public init(_ v1: ReflectionService) {
    self.v1 = v1
  }

  public func serverReflectionInfo(
    request: RPCAsyncSequence<Grpc_Reflection_V1Alpha_ServerReflectionRequest, any Error>,
    response: RPCWriter<Grpc_Reflection_V1Alpha_ServerReflectionResponse>,
    context: ServerContext
  ) async throws {
    for try await question in request {
      let asked = try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: try question.serializedBytes())
      let answer = try Grpc_Reflection_V1Alpha_ServerReflectionResponse(serializedBytes: try v1.answer(asked).serializedBytes())
      try await response.write(answer)
    }
  }
}
