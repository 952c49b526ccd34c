import Foundation
import GRPCCore
import ProtoCodec
import RPCServer
import Synchronization
import Testing

/// The server's gRPC transports: its own (the default) and grpc-swift's, kept as the reference.
enum ServerTransportKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case lean, nio
  var flags: [String] { ["--transport", rawValue] }
  var testDescription: String { "\(rawValue) transport" }
}

/// The real `monitord` over mutual TLS with certificates the test made.
@Suite("End to end: monitord over mutual TLS", .serialized)
struct EndToEndTests {
  private func healthCheck(_ server: ServerProcess, as identity: String?) async throws -> ServingStatus {
    try await server.withClient(as: identity) { client in
      try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init()).status
    }
  }

  private func failure(_ server: ServerProcess, as identity: String?) async -> RPCError? {
    do {
      _ = try await healthCheck(server, as: identity)
      return nil
    } catch let error as RPCError {
      return error
    } catch {
      return RPCError(code: .unknown, message: "\(error)")
    }
  }

  @Test("certificates: the bureau's CA only, valid, with a known identity, not revoked", arguments: ServerTransportKind.allCases)
  func certificates(transport: ServerTransportKind) async throws {
    let server = try ServerProcess(extra: transport.flags)
    try await server.waitUntilServing()
    for identity in ["city", "district", "agency", "partner"] {
      #expect(try await healthCheck(server, as: identity) == .serving, "\(identity)")
    }
    // Refused in the TLS handshake: the call never reaches the server's handlers.
    #expect(await failure(server, as: nil)?.code == .unavailable, "no certificate")
    #expect(await failure(server, as: "stranger")?.code == .unavailable, "another CA")
    #expect(await failure(server, as: "expired")?.code == .unavailable, "expired")
    // Past the handshake, refused before any handler.
    #expect(await failure(server, as: "nouri")?.code == .unauthenticated, "no URI SAN")
    #expect(await failure(server, as: "baduri")?.code == .unauthenticated, "unknown identity shape")

    #expect(try await healthCheck(server, as: "revoked") == .serving)
    let serial = try ServerProcess.run("/usr/bin/env", ["openssl", "x509", "-noout", "-serial", "-in", ServerProcess.certificates.path + "/revoked.pem"])
    let hex = serial.output.split(separator: "=").last!.trimmingCharacters(in: .whitespacesAndNewlines)
    try "# revoked serials\n\(hex)\n".write(to: server.revocationList, atomically: true, encoding: .utf8)
    server.signal(SIGHUP)
    var refused: RPCError?
    for _ in 0..<50 where refused == nil {
      refused = await failure(server, as: "revoked")
      if refused == nil { try await Task.sleep(for: .milliseconds(50)) }
    }
    #expect(refused?.code == .unauthenticated, "revoked, after SIGHUP")
    #expect(refused.flatMap { RichStatus.status(in: $0.metadata) }.flatMap(RichStatus.reason) == "CERTIFICATE_REVOKED")
    #expect(try await healthCheck(server, as: "city") == .serving, "others unaffected")
  }

  @Test("an agency calling an officer-only method: PERMISSION_DENIED; a malformed message: INVALID_ARGUMENT, and the server goes on", arguments: ServerTransportKind.allCases)
  func refusals(transport: ServerTransportKind) async throws {
    let server = try ServerProcess(extra: transport.flags)
    try await server.waitUntilServing()
    let denied = await #expect(throws: RPCError.self) {
      try await server.withClient(as: "agency") { client in
        _ = try await Cqmon_V1_RegistryService.Client(wrapping: client).enrollAgency(.init())
      }
    }
    #expect(denied?.code == .permissionDenied)

    let invalid = await #expect(throws: RPCError.self) {
      try await server.withClient(as: "city") { client in
        try await client.unary(
          request: ClientRequest(message: [0x0A, 0x02, 0xC3, 0x28]),  // `service`: invalid UTF-8
          descriptor: Grpc_Health_V1_Health.Method.Check.descriptor, serializer: RawBytes(),
          deserializer: ProtoDeserializer<Grpc_Health_V1_HealthCheckResponse>(), options: .defaults
        ) { try $0.message }
      }
    }
    #expect(invalid?.code == .invalidArgument)
    #expect(invalid.flatMap { RichStatus.status(in: $0.metadata) }.map(RichStatus.violations)?.first?.field == "service")
    #expect(try await healthCheck(server, as: "city") == .serving)
  }

  @Test("SIGTERM with a call in flight: health turns NOT_SERVING at once, the call completes, then the server exits 0", arguments: ServerTransportKind.allCases)
  func gracefulShutdown(transport: ServerTransportKind) async throws {
    let server = try ServerProcess(extra: transport.flags)
    try await server.waitUntilServing()
    // A load balancer watching health sees NOT_SERVING as soon as the signal arrives.
    let signalled = Mutex<ContinuousClock.Instant?>(nil)
    let watcher = Task {
      try await server.withClient(as: "city") { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client).watch(.init()) { response in
          var seen: [(Grpc_Health_V1_HealthCheckResponse.ServingStatus, ContinuousClock.Instant)] = []
          for try await message in response.messages { seen.append((message.status, .now)) }
          return seen
        }
      }
    }
    try await Task.sleep(for: .milliseconds(200))
    let (firstAnswer, firstAnswerSeen) = AsyncStream<Void>.makeStream()
    let answers = try await server.withClient(as: "city") { client in
      try await Grpc_Reflection_V1_ServerReflection.Client(wrapping: client).serverReflectionInfo(
        requestProducer: { writer in
          try await writer.write(.with { $0.listServices = "" })
          for await _ in firstAnswer { break }
          signalled.withLock { $0 = .now }
          server.signal(SIGTERM)
          try await Task.sleep(for: .milliseconds(300))  // the server is draining now
          try await writer.write(.with { $0.fileContainingSymbol = "grpc.health.v1.Health" })
        }
      ) { response in
        var seen: [ContinuousClock.Instant] = []
        for try await _ in response.messages {
          seen.append(.now)
          firstAnswerSeen.yield()
        }
        return seen
      }
    }
    #expect(answers.count == 2)
    #expect(await server.wait() == 0)
    let seen = try await watcher.value
    #expect(seen.first?.0 == .serving)
    let notServing = try #require(seen.last { $0.0 == .notServing }?.1)
    let since = try #require(signalled.withLock { $0 })
    #expect(notServing > since)
    // Ordering, not a stopwatch: the watcher sees NOT_SERVING while the drained call is still
    // open, before its second answer (sent 300 ms after the signal) arrives.
    #expect(notServing < answers[1], "NOT_SERVING before the drained call completed")
  }

  @Test("monctl against the real server: exact output, and exit codes")
  func monctl() async throws {
    let server = try ServerProcess()
    try await server.waitUntilServing()
    let certs = ServerProcess.certificates.path
    let connection = ["--server", "127.0.0.1:\(server.port)", "--ca", "\(certs)/ca.pem"]
    let city = connection + ["--cert", "\(certs)/city.pem", "--key", "\(certs)/city-key.pem"]

    let health = try ServerProcess.run("monctl", ["health"] + city)
    #expect(health.status == 0)
    let address = "127.0.0.1:\(server.port)"
    let pad = String(repeating: " ", count: address.count - "SERVER".count + 2)
    #expect(health.output == "SERVER\(pad)SERVICE  STATUS\n\(address)  (all)    SERVING\n")

    let json = try ServerProcess.run("monctl", ["health", "-o", "json"] + city)
    #expect(json.output == "{\n  \"server\" : \"\(address)\",\n  \"service\" : \"(all)\",\n  \"status\" : \"SERVING\"\n}\n")

    let services = try ServerProcess.run("monctl", ["services"] + city)
    #expect(services.output == """
      SERVICE                                   METHODS
      cqmon.v1.AuditService                     GetCheckpoint,GetInclusionProof,GetConsistencyProof,GetSigningKeys,VerifyAuditLog
      cqmon.v1.CreditService                    PutIndicatorSystem,GetIndicatorSystem,RecordEvidence,VerifyEvidence,ListEvidence,RunEvaluation,GetEvaluation,StartPublicity,FileObjection,ResolveObjection,ListObjections,PublishRatings,TriggerLevelE,GetRating,ListRatings,PutHolidayCalendar,GetHolidayCalendar
      cqmon.v1.DocumentService                  Upload,Download,GetDocument
      cqmon.v1.FilingService                    FileActivity,FileActivities,GetActivity,ListActivities,ListActivityVersions,AmendActivity,WithdrawActivity
      cqmon.v1.InspectionService                AddInspector,DeclareConflict,ListInspectors,CommitDrawSeed,PlanInspections,GetInspectionPlan,RecordInspection,CorrectInspection,GetInspection,ListInspections,FileComplaint,AcceptComplaint,ExtendComplaint,ResolveComplaint,GetComplaint,ListComplaints,ListFindings,GetFinding,DecideFinding
      cqmon.v1.RegistryService                  EnrollAgency,RenewCertificate,RevokeCertificate,ListCertificates,SubmitApplication,GetApplication,ListApplications,ReviewApplication,GetAgency,ListAgencies,FileChange,ListChanges,RemoveAgency,CheckEligibility
      cqmon.v1.SharingService                   ListPublishedRatings,WatchRatings,GetBulletin
      grpc.health.v1.Health                     Check,List,Watch
      grpc.reflection.v1.ServerReflection       ServerReflectionInfo
      grpc.reflection.v1alpha.ServerReflection  ServerReflectionInfo

      """)

    let unknown = try ServerProcess.run("monctl", ["health", "--service", "no.Such"] + city)
    #expect(unknown.status == 6)
    #expect(unknown.error.hasPrefix("monctl: notFound:"))

    let stranger = try ServerProcess.run("monctl", ["health"] + connection + ["--cert", "\(certs)/stranger.pem", "--key", "\(certs)/stranger-key.pem"])
    #expect(stranger.status == 3)

    server.signal(SIGTERM)
    _ = await server.wait()
    let down = try ServerProcess.run("monctl", ["health", "--timeout", "2"] + city)
    #expect(down.status == 3)
  }
}
