import GRPCCore
import ProtoCodec
import RPCServer
import Testing

@Suite("Identity and the policy table, before any handler runs")
struct AuthorizationTests {
  @Test("every method of the API and the standard services is in the policy table")
  func tableCoversEveryMethod() {
    let index = DescriptorIndex.embedded
    let services = index.symbols.keys.filter {
      $0.hasPrefix("cqmon.v1.") && $0.hasSuffix("Service") || $0 == "grpc.health.v1.Health" || $0.hasSuffix(".ServerReflection")
    }
    let methods = Set(index.symbols.keys.filter { symbol in services.contains { symbol.hasPrefix($0 + ".") } }
      .map { symbol -> String in
        let dot = symbol.lastIndex(of: ".")!
        return symbol[..<dot] + "/" + symbol[symbol.index(after: dot)...]
      })
    #expect(methods.count > 50)
    #expect(methods == AccessPolicy.standard.methods)
  }

  @Test("cells: who may call what")
  func cells() {
    let policy = AccessPolicy.standard
    #expect(policy.allows(.cityOfficer, "cqmon.v1.RegistryService/ReviewApplication"))
    #expect(!policy.allows(.districtOfficer, "cqmon.v1.RegistryService/ReviewApplication"))
    #expect(!policy.allows(.agency, "cqmon.v1.RegistryService/ReviewApplication"))
    #expect(policy.allows(.agency, "cqmon.v1.RegistryService/SubmitApplication"))
    #expect(!policy.allows(.cityOfficer, "cqmon.v1.RegistryService/SubmitApplication"))
    for method in AccessPolicy.standard.methods where method.hasPrefix("cqmon.v1.RegistryService/") {
      #expect(!policy.allows(.partner, method), "\(method)")
    }
    #expect(policy.allows(.partner, "cqmon.v1.SharingService/WatchRatings"))
    #expect(!policy.allows(.agency, "cqmon.v1.SharingService/WatchRatings"))
    #expect(!policy.allows(.agency, "cqmon.v1.NoSuchService/Method"), "deny by default")
  }

  @Test("no principal: UNAUTHENTICATED with the reason")
  func unauthenticated() async throws {
    try await withInProcessServer(as: nil, refusing: .revoked(serial: "1f")) { client, _ in
      let error = await #expect(throws: RPCError.self) {
        _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init())
      }
      #expect(error?.code == .unauthenticated)
      #expect(error.flatMap { RichStatus.status(in: $0.metadata) }.flatMap(RichStatus.reason) == "CERTIFICATE_REVOKED")
    }
  }

  @Test("a kind the table does not allow: PERMISSION_DENIED, before any handler reads the request")
  func permissionDenied() async throws {
    try await withInProcessServer(as: Identities.agency) { client, _ in
      let error = await #expect(throws: RPCError.self) {
        _ = try await Cqmon_V1_RegistryService.Client(wrapping: client).enrollAgency(.init())
      }
      #expect(error?.code == .permissionDenied)
      #expect(error.flatMap { RichStatus.status(in: $0.metadata) }.flatMap(RichStatus.reason) == "METHOD_NOT_ALLOWED")
      let refused = await #expect(throws: RPCError.self) {
        _ = try await Cqmon_V1_CreditService.Client(wrapping: client).triggerLevelE(.init())
      }
      #expect(refused?.code == .permissionDenied, "direct E is the city's; the empty request is never read")
    }
    try await withInProcessServer(as: Identities.city) { client, _ in
      let error = await #expect(throws: RPCError.self) {
        _ = try await Cqmon_V1_FilingService.Client(wrapping: client).fileActivity(.init())
      }
      #expect(error?.code == .permissionDenied, "an officer may not file activities")
      let allowed = await #expect(throws: RPCError.self) {
        _ = try await Cqmon_V1_CreditService.Client(wrapping: client).triggerLevelE(.init())
      }
      #expect(allowed?.code == .invalidArgument, "the city may: its empty request is read, and refused")
    }
  }

  @Test("an empty table denies everything")
  func denyByDefault() async throws {
    try await withInProcessServer(as: Identities.city, policy: AccessPolicy([:])) { client, _ in
      let error = await #expect(throws: RPCError.self) {
        _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init())
      }
      #expect(error?.code == .permissionDenied)
    }
  }
}
