public import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOPosix
public import Logging
public import ProtoCodec
import Foundation
import Prometheus
import PublicSite
public import Services
import ServiceLifecycle
import StoragePostgres
import StorageSQLite
import Synchronization
import UnixSignals

/// The server: what it serves and how it runs. `monitord` builds one from its configuration
/// and runs it until SIGTERM or SIGINT, then drains calls in flight.
public struct MonitorServer: Sendable {
  public let config: ServerConfig
  public let logger: Logger

  public init(config: ServerConfig, logger: Logger) {
    self.config = config
    self.logger = logger
  }

  /// The services and interceptors, for this server and for in-process tests alike.
  public struct Components: Sendable {
    public let services: [any RegistrableRPCService]
    public let interceptors: [any ServerInterceptor]
    public let health: HealthState
    /// Begun with draining: ends the calls that would never end by themselves.
    public let drain = DrainSignal()
    /// The audit log's checkpoints and proofs; the server runs `CheckpointService` over it.
    public let log: TransparencyLog
    /// Fully qualified names of the services offered.
    public let serviceNames: [String]

    public init(
      registry: Registry, documents: Documents, filing: Filing, supervision: Supervision, credit: Credit, log: TransparencyLog,
      store: any Store,
      identity: any IdentityResolver,
      policy: AccessPolicy = .standard, logger: Logger, metrics: CallMetrics?, limits: ProtoDecodingLimits = .defaults,
      now: @escaping @Sendable () -> Date = Date.init
    ) {
      serviceNames = [
        "cqmon.v1.AuditService", "cqmon.v1.CreditService", "cqmon.v1.DocumentService", "cqmon.v1.FilingService", "cqmon.v1.InspectionService",
        "cqmon.v1.RegistryService", "cqmon.v1.SharingService",
        "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
      ]
      health = HealthState(services: serviceNames)
      self.log = log
      let reflection = ReflectionService(services: serviceNames)
      services = [
        PlannedAPIService(), RegistryHandler(registry: registry, decodingLimits: limits),
        DocumentHandler(documents: documents, decodingLimits: limits), FilingHandler(filing: filing, decodingLimits: limits),
        InspectionHandler(supervision: supervision, decodingLimits: limits), CreditHandler(credit: credit),
        SharingHandler(sharing: Sharing(store: store), pollInterval: .milliseconds(250), drain: drain),
        AuditHandler(log: log, store: store, registry: registry, filing: filing, now: now, decodingLimits: limits), HealthService(state: health), reflection, ReflectionServiceV1Alpha(reflection),
      ]
      interceptors = [CallInterceptor(identity: identity, policy: policy, logger: logger, metrics: metrics)]
    }
  }

  /// Runs until a shutdown signal; returns after draining.
  public func run() async throws {
    try config.validate()
    let (store, uploads) = try await openStore()
    let keys = try config.signing.load()
    // Entries written before the tree and the signing key existed get their leaves and
    // signatures now, once.
    try await AuditLog.catchUp(store, key: keys.current)
    let log = TransparencyLog(store: store, keys: keys)
    let clock = ServerClock(config.development)
    if !clock.isReal {
      logger.warning(
        "development clock: the server's time starts \(Int(clock.daysBehind.rounded())) days ago and runs \(config.development.clockSpeed)× until it catches up; receipts carry simulated times. Never in production.")
    }
    let now: @Sendable () -> Date = { clock.now() }
    let revocations = RevocationList(path: config.tls.revocationList, logger: logger)
    let registry = Registry(
      store: store, authority: try authority(clock: clock), signingKey: keys.current, now: now, onRevoke: { revocations.revoke(serial: $0) })
    for serial in try await registry.revokedSerials() { revocations.revoke(serial: serial) }
    let documents: Documents
    do {
      documents = try Documents(
        store: store, temporaryDirectory: uploads, maxBytes: Int64(config.limits.maxDocumentBytes), signingKey: keys.current, now: now)
    } catch {
      throw ConfigError("cannot use \(uploads) for uploads: \(error)")
    }
    let prometheus = PrometheusCollectorRegistry()
    let identities = ConnectionIdentities(revocations: revocations)
    let filing = Filing(store: store, signingKey: keys.current, now: now)
    let supervision = Supervision(store: store, signingKey: keys.current, settings: config.supervision, now: now)
    let components = Components(
      registry: registry, documents: documents, filing: filing, supervision: supervision,
      credit: Credit(store: store, registry: registry, signingKey: keys.current, now: now), log: log, store: store, identity: identities, logger: logger,
      metrics: CallMetrics(registry: prometheus),
      limits: ProtoDecodingLimits(maxMessageBytes: config.limits.maxMessageBytes, maxDepth: ProtoDecodingLimits.defaults.maxDepth), now: now)
    let threads = config.transport.threads > 0 ? config.transport.threads : AllowedCPUs.count
    let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    defer { eventLoops.shutdownGracefully { _ in } }
    let sslContext = try MutualTLSListener.sslContext(
      certificate: config.tls.certificate, key: config.tls.key, clientCA: config.tls.clientCA)
    let host = try listenHost(config.listen)
    func serving(on transport: some ServerTransport) -> any Service {
      GRPCServerService(
        server: GRPCServer(transport: transport, services: components.services, interceptors: components.interceptors),
        health: components.health, drain: components.drain)
    }
    let grpc: any Service
    let listeningAddress: @Sendable () async -> String?
    switch config.transport.kind {
    case .lean:
      let transport = LeanServerTransport(
        configuration: leanTransportConfiguration(host: host), sslContext: sslContext, identities: identities, group: eventLoops)
      grpc = serving(on: transport)
      listeningAddress = { await transport.listeningAddress.map(Self.text) }
    case .nio:
      let listener = MutualTLSListener(host: host, port: config.listen.port, sslContext: sslContext, identities: identities, eventLoopGroup: eventLoops)
      let transport = HTTP2ServerTransport.Custom(listenerFactory: listener, config: transportConfig())
      grpc = serving(on: transport)
      listeningAddress = {
        guard let address = await transport.listeningAddress else { return nil }
        return address.ipv4.map { "\($0.host):\($0.port)" } ?? address.ipv6.map { "[\($0.host)]:\($0.port)" } ?? "\(address)"
      }
    }

    // A service group shuts its services down last first, one after the other: the server
    // goes last in the list so that, on SIGTERM, health turns NOT_SERVING and draining begins
    // at once, before anything else stops.
    var services: [any Service] = [
      ReadinessService(listeningAddress: listeningAddress, store: store, health: components.health, revocations: revocations, logger: logger),
      RevocationReloadService(revocations: revocations),
      CheckpointService(log: log, logger: logger),
    ]
    if let endpoint = config.publicSite.listen {
      let site = config.publicSite
      services.append(try PublicSite(
        configuration: .init(
          host: endpoint.host, port: endpoint.port, tls: site.plainHTTP ? nil : (config.tls.certificate, config.tls.key),
          ratePerSecond: site.ratePerSecond, burst: site.burst, staticDirectory: site.staticDirectory),
        store: store, keys: keys.all, metrics: prometheus, logger: Logger(label: "monitord.site"), now: now))
    }
    if let endpoint = config.metrics.listen {
      services.append(MetricsServer(endpoint: endpoint, registry: prometheus, store: StoreMetrics(store: store, registry: prometheus), logger: logger))
    }
    services.append(grpc)
    let group = ServiceGroup(
      configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
      try await group.run()
    } catch {
      await (store as? PostgresStore)?.shutdown()
      throw error
    }
    await (store as? PostgresStore)?.shutdown()
  }

  /// The configured store, and the directory for uploads in progress (beside SQLite's
  /// documents, so they move into place; in the data directory with PostgreSQL).
  private func openStore() async throws -> (any Store, String) {
    if config.database.isEmpty {
      do {
        let store = try SQLiteStore(directory: config.dataDirectory)
        return (store, store.documentDirectory + "/tmp")
      } catch {
        throw ConfigError("cannot open the database in \(config.dataDirectory): \(error)")
      }
    }
    do {
      let store = try await PostgresStore.connect(url: config.database, logger: logger)
      return (store, config.dataDirectory + "/uploads")
    } catch {
      throw ConfigError("database: cannot use \(Self.redacted(config.database)): \(error)")
    }
  }

  /// A database URL without its password, for messages.
  static func redacted(_ url: String) -> String {
    guard var parts = URLComponents(string: url), parts.password != nil else { return url }
    parts.password = "***"
    return parts.string ?? url
  }

  /// The bureau's CA for enrolment, when the CA key is configured; `clock` is the server's.
  private func authority(clock: ServerClock) throws(ConfigError) -> CertificateAuthority? {
    guard let keyPath = config.tls.caKey else { return nil }
    do {
      // Certificates issued under a development clock that starts in the past still last a
      // year of real time.
      return CertificateAuthority(
        certificatePEM: try String(contentsOfFile: config.tls.clientCA, encoding: .utf8),
        keyPEM: try String(contentsOfFile: keyPath, encoding: .utf8),
        validity: TimeInterval(365 + max(0, clock.daysBehind)) * 86_400)
    } catch {
      throw ConfigError("tls.ca_key: cannot read \(keyPath) or \(config.tls.clientCA)")
    }
  }

  private func leanTransportConfiguration(host: String) -> LeanServerTransport.Configuration {
    // As with grpc-swift's transport below: the codec answers limits.max_message_bytes by
    // name; the transport's limit, twice it, is a backstop that ends the call with RESOURCE_EXHAUSTED.
    let (doubled, overflow) = config.limits.maxMessageBytes.multipliedReportingOverflow(by: 2)
    return LeanServerTransport.Configuration(
      host: host, port: config.listen.port, maxConcurrentStreams: config.limits.maxConcurrentStreams,
      maxRequestPayload: overflow ? Int.max : doubled,
      keepaliveTime: .seconds(Int64(config.limits.keepaliveTimeSeconds)),
      keepaliveTimeout: .seconds(Int64(config.limits.keepaliveTimeoutSeconds)), maxGraceTime: nil)
  }

  /// `127.0.0.1:8443`, `[::1]:8443`.
  static func text(_ address: NIOCore.SocketAddress) -> String {
    switch address {
    case .v4(let v4): "\(v4.host):\(address.port ?? 0)"
    case .v6(let v6): "[\(v6.host)]:\(address.port ?? 0)"
    case .unixDomainSocket: address.pathname ?? "\(address)"
    }
  }

  private func transportConfig() -> HTTP2ServerTransport.Custom<MutualTLSListener>.Config {
    var transport = HTTP2ServerTransport.Custom<MutualTLSListener>.Config.defaults
    // The codec enforces limits.max_message_bytes and answers RESOURCE_EXHAUSTED naming it.
    // The transport's own limit only resets the stream (the client sees CANCELLED), so it
    // sits at twice the configured one: a backstop for the grossly oversized.
    let (doubled, overflow) = config.limits.maxMessageBytes.multipliedReportingOverflow(by: 2)
    transport.rpc.maxRequestPayloadSize = overflow ? Int.max : doubled
    transport.http2.maxConcurrentStreams = config.limits.maxConcurrentStreams
    transport.connection.keepalive.time = .seconds(config.limits.keepaliveTimeSeconds)
    transport.connection.keepalive.timeout = .seconds(config.limits.keepaliveTimeoutSeconds)
    return transport
  }

  /// An IP address to bind (a name other than localhost is refused rather than resolved).
  private func listenHost(_ endpoint: ServerConfig.Endpoint) throws(ConfigError) -> String {
    if endpoint.host == "localhost" { return "127.0.0.1" }
    if endpoint.host.contains(":") { return endpoint.host }
    guard endpoint.host.split(separator: ".").count == 4, endpoint.host.allSatisfy({ $0.isNumber || $0 == "." }) else {
      throw ConfigError("listen: '\(endpoint.host)' is not an IP address (or localhost)")
    }
    return endpoint.host
  }
}

/// The gRPC server as a lifecycle service: on graceful shutdown, health turns NOT_SERVING,
/// watchers are released, and the server stops accepting calls and waits for those in flight.
struct GRPCServerService<Transport: ServerTransport>: Service {
  let server: GRPCServer<Transport>
  let health: HealthState
  let drain: DrainSignal

  func run() async throws {
    try await withGracefulShutdownHandler {
      try await server.serve()
    } onGracefulShutdown: {
      health.setAll(.notServing)
      health.finishWatchers()
      drain.begin()
      server.beginGracefulShutdown()
    }
  }
}

/// Announces the listening address once bound (the first line `monitord` prints), then keeps
/// health in step with the database and the revocation list with its file.
struct ReadinessService: Service {
  let listeningAddress: @Sendable () async -> String?
  let store: any Store
  let health: HealthState
  let revocations: RevocationList
  let logger: Logger

  func run() async throws {
    guard let text = await listeningAddress() else { return }
    FileHandle.standardOutput.write(Data("monitord listening on \(text)\n".utf8))
    logger.info("listening", metadata: ["address": "\(text)"])
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
      let available = await store.isAvailable()
      if !Task.isShuttingDownGracefully { health.setAll(available ? .serving : .notServing) }
      revocations.reloadIfChanged()
      try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
    }
  }
}

/// Signs a checkpoint of the audit log twice a second while it grows (a signature only when
/// there is something new), so that a receipt can be proved within a second of its write.
struct CheckpointService: Service {
  let log: TransparencyLog
  let logger: Logger

  func run() async throws {
    var alarmed = false
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
      do {
        try await log.issueIfGrown()
        alarmed = false
      } catch let error as ServiceError where error.reason == "AUDIT_LOG_SHRANK" {
        if !alarmed { logger.critical("audit log tampered with", metadata: ["problem": "\(error.message)"]) }
        alarmed = true
      } catch {
        logger.debug("no checkpoint this time", metadata: ["error": "\(error)"])
      }
      try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(500)) }
    }
  }
}

/// Reloads the revocation list on SIGHUP.
struct RevocationReloadService: Service {
  let revocations: RevocationList

  func run() async throws {
    for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
      revocations.reload()
    }
  }
}
