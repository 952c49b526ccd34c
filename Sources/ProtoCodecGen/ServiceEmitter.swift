/// Writes, for each service of a proto file: method descriptors, the server protocols (in the
/// three tiers grpc-swift-protobuf uses: streaming, request/response, simple) with router
/// registration, and a typed client.
struct ServiceEmitter {
  let registry: Registry

  func emit(_ file: ProtoFile, into out: inout CodeWriter) {
    for service in file.services {
      let namespace = Names.swiftPrefix(package: file.package) + service.name
      emitDescriptors(service, namespace, into: &out)
      emitServer(service, namespace, into: &out)
      emitClient(service, namespace, into: &out)
    }
  }

  private func input(_ method: Service.Method) -> String { registry.message(method.input).swiftName }
  private func output(_ method: Service.Method) -> String { registry.message(method.output).swiftName }
  private func function(_ method: Service.Method) -> String { Names.escape(Names.lowerCamel(method.name)) }

  private func rpcType(_ method: Service.Method) -> String {
    switch (method.clientStreaming, method.serverStreaming) {
    case (false, false): ".unary"
    case (true, false): ".clientStreaming"
    case (false, true): ".serverStreaming"
    case (true, true): ".bidirectionalStreaming"
    }
  }

  private func emitDescriptors(_ service: Service, _ namespace: String, into out: inout CodeWriter) {
    out.line()
    out.doc(service.comment)
    out.block("public enum \(namespace): Sendable") { out in
      out.line("public static let descriptor = GRPCCore.ServiceDescriptor(fullyQualifiedService: \"\(service.fullName)\")")
      out.line()
      out.block("public enum Method: Sendable") { out in
        for method in service.methods {
          out.block("public enum \(method.name): Sendable") { out in
            out.line("public typealias Input = \(input(method))")
            out.line("public typealias Output = \(output(method))")
            out.line("public static let descriptor = GRPCCore.MethodDescriptor(service: \(namespace).descriptor, method: \"\(method.name)\", type: \(rpcType(method)))")
          }
        }
        let all = service.methods.map { "\($0.name).descriptor" }.joined(separator: ", ")
        out.line("public static let descriptors: [GRPCCore.MethodDescriptor] = [\(all)]")
      }
      out.line()
      out.line("/// Every request message type of the service, once each (the fuzz target decodes them all).")
      var seen = Set<String>()
      let requests = service.methods.map(input).filter { seen.insert($0).inserted }.map { "\($0).self" }.joined(separator: ", ")
      out.line("public static let requestTypes: [any ProtoMessage.Type] = [\(requests)]")
    }
  }

  private func emitServer(_ service: Service, _ namespace: String, into out: inout CodeWriter) {
    out.line()
    out.block("extension \(namespace)") { out in
      out.line("/// Every method with streaming requests and responses; what the router calls.")
      out.block("public protocol StreamingServiceProtocol: GRPCCore.RegistrableRPCService, ProtoDecodingService") { out in
        for method in service.methods {
          out.doc(method.comment)
          out.line("func \(function(method))(request: GRPCCore.StreamingServerRequest<\(input(method))>, context: GRPCCore.ServerContext) async throws -> GRPCCore.StreamingServerResponse<\(output(method))>")
        }
      }
      out.line()
      out.line("/// Every method with request and response objects (metadata included).")
      out.block("public protocol ServiceProtocol: \(namespace).StreamingServiceProtocol") { out in
        for method in service.methods {
          out.doc(method.comment)
          out.line("func \(function(method))(request: \(serverRequest(method)), context: GRPCCore.ServerContext) async throws -> \(serverResponse(method))")
        }
      }
      out.line()
      out.line("/// Every method with plain messages; implement this one unless metadata is needed.")
      out.block("public protocol SimpleServiceProtocol: \(namespace).ServiceProtocol") { out in
        for method in service.methods {
          out.doc(method.comment)
          out.line("func \(function(method))(\(simpleParameters(method))) async throws\(method.serverStreaming ? "" : " -> " + output(method))")
        }
      }
    }
    out.line()
    out.block("extension \(namespace).StreamingServiceProtocol") { out in
      out.block("public func registerMethods<Transport: GRPCCore.ServerTransport>(with router: inout GRPCCore.RPCRouter<Transport>)") { out in
        for method in service.methods {
          out.line("router.registerHandler(")
          out.line("  forMethod: \(namespace).Method.\(method.name).descriptor,")
          out.line("  deserializer: ProtoDeserializer<\(input(method))>(limits: decodingLimits),")
          out.line("  serializer: ProtoSerializer<\(output(method))>(),")
          out.line("  handler: { request, context in try await self.\(function(method))(request: request, context: context) }")
          out.line(")")
        }
      }
    }
    out.line()
    out.block("extension \(namespace).ServiceProtocol") { out in
      for method in service.methods {
        out.block("public func \(function(method))(request: GRPCCore.StreamingServerRequest<\(input(method))>, context: GRPCCore.ServerContext) async throws -> GRPCCore.StreamingServerResponse<\(output(method))>") { out in
          let request = method.clientStreaming ? "request" : "try await GRPCCore.ServerRequest(stream: request)"
          let call = "try await self.\(function(method))(request: \(request), context: context)"
          out.line(method.serverStreaming ? "return \(call)" : "return GRPCCore.StreamingServerResponse(single: \(call))")
        }
      }
    }
    out.line()
    out.block("extension \(namespace).SimpleServiceProtocol") { out in
      for method in service.methods {
        out.block("public func \(function(method))(request: \(serverRequest(method)), context: GRPCCore.ServerContext) async throws -> \(serverResponse(method))") { out in
          let message = method.clientStreaming ? "request.messages" : "request.message"
          if method.serverStreaming {
            out.line("return GRPCCore.StreamingServerResponse(metadata: [:]) { writer in")
            out.line("  try await self.\(function(method))(request: \(message), response: writer, context: context)")
            out.line("  return [:]")
            out.line("}")
          } else {
            out.line("return GRPCCore.ServerResponse(message: try await self.\(function(method))(request: \(message), context: context), metadata: [:])")
          }
        }
      }
    }
  }

  private func serverRequest(_ method: Service.Method) -> String {
    method.clientStreaming
      ? "GRPCCore.StreamingServerRequest<\(input(method))>" : "GRPCCore.ServerRequest<\(input(method))>"
  }

  private func serverResponse(_ method: Service.Method) -> String {
    method.serverStreaming
      ? "GRPCCore.StreamingServerResponse<\(output(method))>" : "GRPCCore.ServerResponse<\(output(method))>"
  }

  private func simpleParameters(_ method: Service.Method) -> String {
    var parameters = [
      method.clientStreaming
        ? "request: GRPCCore.RPCAsyncSequence<\(input(method)), any Error>" : "request: \(input(method))"
    ]
    if method.serverStreaming { parameters.append("response: GRPCCore.RPCWriter<\(output(method))>") }
    parameters.append("context: GRPCCore.ServerContext")
    return parameters.joined(separator: ", ")
  }

  private func emitClient(_ service: Service, _ namespace: String, into out: inout CodeWriter) {
    out.line()
    out.block("extension \(namespace)") { out in
      out.line("/// A typed client for `\(service.fullName)`.")
      out.block("public struct Client<Transport: GRPCCore.ClientTransport>: Sendable") { out in
        out.line("public let client: GRPCCore.GRPCClient<Transport>")
        out.line()
        out.line("public init(wrapping client: GRPCCore.GRPCClient<Transport>) { self.client = client }")
        for method in service.methods { emitClientMethod(method, namespace, into: &out) }
      }
    }
  }

  private func emitClientMethod(_ method: Service.Method, _ namespace: String, into out: inout CodeWriter) {
    let input = input(method)
    let output = output(method)
    let responseType = method.serverStreaming
      ? "GRPCCore.StreamingClientResponse<\(output)>" : "GRPCCore.ClientResponse<\(output)>"
    let requestParameter = method.clientStreaming
      ? "requestProducer producer: @Sendable @escaping (GRPCCore.RPCWriter<\(input)>) async throws -> Void"
      : "_ message: \(input)"
    let defaultHandler = method.serverStreaming ? "" : " = { try $0.message }"
    let callName: String
    switch (method.clientStreaming, method.serverStreaming) {
    case (false, false): callName = "unary"
    case (true, false): callName = "clientStreaming"
    case (false, true): callName = "serverStreaming"
    case (true, true): callName = "bidirectionalStreaming"
    }
    out.line()
    out.doc(method.comment)
    out.line("public func \(function(method))<Result: Sendable>(")
    out.line("  \(requestParameter),")
    out.line("  metadata: GRPCCore.Metadata = [:],")
    out.line("  options: GRPCCore.CallOptions = .defaults,")
    out.line("  onResponse handleResponse: @Sendable @escaping (\(responseType)) async throws -> Result\(defaultHandler)")
    out.block(") async throws -> Result") { out in
      let request = method.clientStreaming
        ? "GRPCCore.StreamingClientRequest<\(input)>(metadata: metadata, producer: producer)"
        : "GRPCCore.ClientRequest<\(input)>(message: message, metadata: metadata)"
      out.line("try await self.client.\(callName)(")
      out.line("  request: \(request),")
      out.line("  descriptor: \(namespace).Method.\(method.name).descriptor,")
      out.line("  serializer: ProtoSerializer<\(input)>(),")
      out.line("  deserializer: ProtoDeserializer<\(output)>(),")
      out.line("  options: options,")
      out.line("  onResponse: handleResponse")
      out.line(")")
    }
  }
}
