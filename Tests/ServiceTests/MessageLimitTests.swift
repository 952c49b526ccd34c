import Foundation
import GRPCCore
import ProtoCodec
import Testing

/// `limits.max_message_bytes` as a client meets it over the real transport: below the limit a
/// request is decoded, above it the answer is RESOURCE_EXHAUSTED naming the limit (grpc-go's
/// convention), whatever the limit is set to.
@Suite("Message size limits over the wire")
struct MessageLimitTests {
  static func apply(_ server: ServerProcess, noteBytes: Int) async throws -> RPCError? {
    try await server.withClient(as: "agency") { client in
      await failure {
        _ = try await Cqmon_V1_RegistryService.Client(wrapping: client).submitApplication(.with {
          $0.requestId = UUID().uuidString
          $0.creditCode = "91500000MA5U7BCX7A"
          $0.materials = .with { $0.address = .with { $0.street = String(repeating: "x", count: noteBytes) } }
        })
      }
    }
  }

  @Test("the configured limit reaches the codec: under it decoded, over it RESOURCE_EXHAUSTED")
  func configured() async throws {
    let server = try ServerProcess(extra: ["--max-message-bytes", "65536"])
    try await server.waitUntilServing()
    // 40 KB: decoded, and refused for what it says (the materials are incomplete).
    let small = try await Self.apply(server, noteBytes: 40_000)
    #expect(small?.code == .invalidArgument, "\(String(describing: small))")
    // 100 KB: over 64 KiB. Refused before decoding, with the limit in the message.
    let large = try await Self.apply(server, noteBytes: 100_000)
    #expect(large?.code == .resourceExhausted, "\(String(describing: large))")
    #expect(large?.reason == "DECODING_TOO_LARGE")
    #expect(large?.message.contains("65536") == true, "\(String(describing: large?.message))")

    // The default 4 MiB limit lets 100 KB through to the domain.
    let defaults = try ServerProcess()
    try await defaults.waitUntilServing()
    #expect(try await Self.apply(defaults, noteBytes: 100_000)?.code == .invalidArgument)
  }
}
