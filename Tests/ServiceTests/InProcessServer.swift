import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import RPCServer
import Services
import StorageSQLite

/// A caller fixed for the whole test server: in-process transport has no TLS, so tests say who
/// is calling instead of presenting a certificate.
struct FixedIdentity: IdentityResolver {
  let result: Result<Principal, IdentityError>

  func principal(of context: ServerContext) throws(IdentityError) -> Principal {
    try result.get()
  }
}

/// The server's services and interceptors over a temporary (or given) store, the test
/// certificates' CA and a temporary directory for uploads.
func makeComponents(
  identity: any IdentityResolver, policy: AccessPolicy = .standard, store: any Store, keys: SigningKeys = TestKeys.keys,
  now: @escaping @Sendable () -> Date = TestNow.now
) throws -> MonitorServer.Components {
  var logger = Logger(label: "test")
  logger.logLevel = .critical
  let certs = ServerProcess.certificates.path
  let authority = CertificateAuthority(
    certificatePEM: try String(contentsOfFile: certs + "/ca.pem", encoding: .utf8),
    keyPEM: try String(contentsOfFile: certs + "/ca-key.pem", encoding: .utf8))
  let registry = Registry(store: store, authority: authority, signingKey: keys.current, now: now)
  return MonitorServer.Components(
    registry: registry,
    documents: try Documents(
      store: store, temporaryDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("uploads-\(UUID())").path,
      maxBytes: 1 << 20, signingKey: keys.current, now: now),
    filing: Filing(store: store, signingKey: keys.current, now: now),
    supervision: Supervision(store: store, signingKey: keys.current, now: now),
    credit: Credit(store: store, registry: registry, signingKey: keys.current, now: now),
    log: TransparencyLog(store: store, keys: keys), store: store,
    identity: identity, policy: policy, logger: logger, metrics: CallMetrics(), now: now)
}

/// The one clock of the in-process tests: the wall clock, or — with `MONITORD_TEST_NOW` set to
/// an RFC 3339 instant — a clock that starts at that instant and runs on. `make test` runs the
/// in-process suites once more as of 2031 and as of 2024 this way: every fixture is dated
/// relative to this clock, so no test depends on today's date.
enum TestNow {
  static let offset: TimeInterval = {
    guard let text = ProcessInfo.processInfo.environment["MONITORD_TEST_NOW"], !text.isEmpty else { return 0 }
    guard let start = Timestamps.parse(text) else { fatalError("MONITORD_TEST_NOW '\(text)' is not like 2031-06-15T04:00:00.000Z") }
    return start.timeIntervalSinceNow
  }()

  @Sendable static func now() -> Date { Date().addingTimeInterval(offset) }
}

/// The bureau signing keys of the in-process servers: one current key, made for this test run,
/// and a retired one, so that key rotation is always in play.
enum TestKeys {
  static let signing = SigningKey.generate(name: "test.cq-monitoring.local/audit")
  static let retired = SigningKey.generate(name: "test.cq-monitoring.local/audit")
  static let keys = SigningKeys(current: signing, retired: [retired.publicKey])
}

/// The real server stack — services, interceptors, codec, router — over the in-process
/// transport, with a fresh store on the engine the service tests run on.
func withInProcessServer(
  as uri: String?, refusing refusal: IdentityError = .noCertificate, policy: AccessPolicy = .standard,
  now: @escaping @Sendable () -> Date = TestNow.now,
  _ body: (GRPCClient<InProcessTransport.Client>, MonitorServer.Components) async throws -> Void
) async throws {
  try await withStore(Engine.forServiceTests) { store in
    try await withInProcessServer(as: uri, refusing: refusal, policy: policy, store: store.store, now: now, body)
  }
}

func withInProcessServer(
  as uri: String?, refusing refusal: IdentityError = .noCertificate, policy: AccessPolicy = .standard,
  store: any Store, now: @escaping @Sendable () -> Date = TestNow.now,
  _ body: (GRPCClient<InProcessTransport.Client>, MonitorServer.Components) async throws -> Void
) async throws {
  let identity = FixedIdentity(result: uri.map { uri in Result { () throws(IdentityError) in try Principal(uri: uri) } } ?? .failure(refusal))
  let components = try makeComponents(identity: identity, policy: policy, store: store, now: now)
  let transport = InProcessTransport()
  let server = GRPCServer(transport: transport.server, services: components.services, interceptors: components.interceptors)
  try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    defer { server.beginGracefulShutdown() }
    try await withGRPCClient(transport: transport.client) { client in
      try await body(client, components)
    }
  }
}

enum Identities {
  static let city = "spiffe://cq-monitoring/bureau/city/zhang.wei"
  static let district = "spiffe://cq-monitoring/bureau/district/500103/li-na"
  static let agency = "spiffe://cq-monitoring/agency/91500000MA5U7BCX7A"
  static let partner = "spiffe://cq-monitoring/partner/market-regulator"
}
