import GRPCCore
import ProtoCodec
import RPCServer
import Testing

@Suite("Health and reflection through the real stack, in process")
struct StandardServicesTests {
  @Test("health: NOT_SERVING until ready, then SERVING; unknown services are NOT_FOUND; List lists")
  func health() async throws {
    try await withInProcessServer(as: Identities.partner) { client, components in
      let health = Grpc_Health_V1_Health.Client(wrapping: client)
      #expect(try await health.check(.init()).status == .notServing)
      components.health.setAll(.serving)
      #expect(try await health.check(.init()).status == .serving)
      #expect(try await health.check(.with { $0.service = "grpc.health.v1.Health" }).status == .serving)
      await #expect(throws: RPCError.self) { _ = try await health.check(.with { $0.service = "no.such.Service" }) }
      do {
        _ = try await health.check(.with { $0.service = "no.such.Service" })
      } catch let error as RPCError {
        #expect(error.code == .notFound)
      }
      let all = try await health.list(.init()).statuses
      #expect(Set(all.keys) == Set([""] + components.serviceNames))
      #expect(all.values.allSatisfy { $0.status == .serving })
    }
  }

  @Test("health: Watch sends the status now and at each change, and ends when the server drains")
  func watch() async throws {
    try await withInProcessServer(as: Identities.agency) { client, components in
      let health = Grpc_Health_V1_Health.Client(wrapping: client)
      let seen = try await health.watch(.init()) { response in
        var seen: [ServingStatus] = []
        for try await message in response.messages {
          seen.append(message.status)
          if seen.count == 1 { components.health.setAll(.serving) }
          if seen.count == 2 {
            components.health.setAll(.notServing)
            components.health.finishWatchers()
          }
        }
        return seen
      }
      #expect(seen.prefix(2) == [.notServing, .serving])
    }
  }

  @Test("reflection v1 lists the services offered and hands out files with their imports")
  func reflection() async throws {
    try await withInProcessServer(as: Identities.district) { client, components in
      let reflection = Grpc_Reflection_V1_ServerReflection.Client(wrapping: client)
      let answers = try await reflection.serverReflectionInfo(requestProducer: { writer in
        try await writer.write(.with { $0.listServices = "" })
        try await writer.write(.with { $0.fileContainingSymbol = "cqmon.v1.FilingService.FileActivity" })
        try await writer.write(.with { $0.fileByFilename = "no/such.proto" })
      }) { response in
        var answers: [Grpc_Reflection_V1_ServerReflectionResponse] = []
        for try await answer in response.messages { answers.append(answer) }
        return answers
      }
      #expect(answers.count == 3)
      #expect(answers[0].listServicesResponse.service.map(\.name) == components.serviceNames.sorted())
      let files = answers[1].fileDescriptorResponse.fileDescriptorProto
      let names = files.compactMap { DescriptorIndex(descriptorSet: [0x0A] + varint($0.count) + $0)?.files.keys.first }
      #expect(names.first == "cqmon/v1/filing.proto")
      #expect(Set(names).isSuperset(of: ["cqmon/v1/common.proto", "google/protobuf/timestamp.proto", "google/rpc/status.proto"]))
      #expect(answers[2].errorResponse.errorCode == Int32(RPCError.Code.notFound.rawValue))
    }
  }

  @Test("reflection v1alpha answers the same questions")
  func reflectionV1Alpha() async throws {
    try await withInProcessServer(as: Identities.partner) { client, components in
      let reflection = Grpc_Reflection_V1Alpha_ServerReflection.Client(wrapping: client)
      let names = try await reflection.serverReflectionInfo(requestProducer: { writer in
        try await writer.write(.with { $0.listServices = "*" })
      }) { response in
        var names: [String] = []
        for try await answer in response.messages { names += answer.listServicesResponse.service.map(\.name) }
        return names
      }
      #expect(names == components.serviceNames.sorted())
    }
  }

  @Test("a bad message is INVALID_ARGUMENT naming the field, and the server goes on serving")
  func malformedMessage() async throws {
    try await withInProcessServer(as: Identities.city) { client, components in
      components.health.setAll(.serving)
      let error = await #expect(throws: RPCError.self) {
        try await client.unary(
          request: ClientRequest(message: [0x0A, 0x05, 0x61]),  // `service`: 5 bytes declared, 1 sent
          descriptor: Grpc_Health_V1_Health.Method.Check.descriptor,
          serializer: RawBytes(), deserializer: ProtoDeserializer<Grpc_Health_V1_HealthCheckResponse>(),
          options: .defaults
        ) { try $0.message }
      }
      #expect(error?.code == .invalidArgument)
      let status = error.flatMap { RichStatus.status(in: $0.metadata) }
      #expect(status.map(RichStatus.violations)?.first?.field == "service")
      #expect(status.flatMap(RichStatus.reason) == "DECODING_TRUNCATED")
      let after = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init())
      #expect(after.status == .serving)
    }
  }
}

/// Sends bytes as they are, to put malformed messages on the wire.
/// Messages as bytes, neither encoded nor decoded: what is sent is exactly these bytes, and what
/// arrives is seen exactly as it came.
struct RawBytes: MessageSerializer, MessageDeserializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }

  func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
    serializedMessageBytes.withUnsafeBytes { Array($0) }
  }
}

func varint(_ value: Int) -> [UInt8] {
  var value = UInt64(value)
  var bytes: [UInt8] = []
  while value >= 0x80 {
    bytes.append(UInt8(value & 0x7F) | 0x80)
    value >>= 7
  }
  return bytes + [UInt8(value)]
}
