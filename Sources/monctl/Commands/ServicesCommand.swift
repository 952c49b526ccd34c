import ArgumentParser
import CProtoDescriptor
import GRPCCore
import ProtoCodec

/// `monctl services`: what the server offers, found through server reflection.
struct ServicesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "services", abstract: "List the server's services and their methods (via reflection).")

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: OutputOptions

  func run() async throws {
    try await reporting {
      let connection = try connection.resolve()
      let services = try await Client.with(connection) { client in
        try await Self.listServices(Grpc_Reflection_V1_ServerReflection.Client(wrapping: client), options: Client.options(connection))
      }
      print(Self.render(services, format: output.output), terminator: "")
    }
  }

  /// Asks for the service names on one reflection stream, then for the file defining each on
  /// another, and reads each service's methods from its file.
  static func listServices(
    _ client: Grpc_Reflection_V1_ServerReflection.Client<some ClientTransport>, options: CallOptions
  ) async throws -> [(name: String, methods: [String])] {
    let names = try await ask(client, [.with { $0.listServices = "" }], options: options).flatMap {
      $0.listServicesResponse.service.map(\.name)
    }.sorted()
    let answers = try await ask(client, names.map { name in .with { $0.fileContainingSymbol = name } }, options: options)
    return zip(names, answers).map { name, answer in
      (name, answer.fileDescriptorResponse.fileDescriptorProto.lazy.compactMap { methods(of: name, in: $0) }.first ?? [])
    }
  }

  private static func ask(
    _ client: Grpc_Reflection_V1_ServerReflection.Client<some ClientTransport>,
    _ questions: [Grpc_Reflection_V1_ServerReflectionRequest], options: CallOptions
  ) async throws -> [Grpc_Reflection_V1_ServerReflectionResponse] {
    try await client.serverReflectionInfo(
      requestProducer: { writer in try await writer.write(contentsOf: questions) }, options: options
    ) { response in
      var answers: [Grpc_Reflection_V1_ServerReflectionResponse] = []
      for try await answer in response.messages { answers.append(answer) }
      return answers
    }
  }

  /// The method names of service `fullName` if this serialized FileDescriptorProto defines it.
  static func methods(of fullName: String, in file: [UInt8]) -> [String]? {
    let parsed = file.withUnsafeBufferPointer {
      google__protobuf__file_descriptor_proto__unpack(nil, $0.count, $0.baseAddress)
    }
    guard let parsed else { return nil }
    defer { google__protobuf__file_descriptor_proto__free_unpacked(parsed, nil) }
    let package = parsed.pointee.package.map { String(cString: $0) } ?? ""
    for index in 0..<parsed.pointee.n_service {
      let service = parsed.pointee.service[index]!.pointee
      let name = (package.isEmpty ? "" : package + ".") + String(cString: service.name)
      if name == fullName {
        return (0..<service.n_method).map { String(cString: service.method[$0]!.pointee.name) }
      }
    }
    return nil
  }

  static func render(_ services: [(name: String, methods: [String])], format: OutputFormat) -> String {
    Printer(format: format).render(
      columns: ["SERVICE", "METHODS"], rows: services.map { [$0.name, $0.methods.joined(separator: ",")] })
  }
}
