import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Prometheus
import ServiceLifecycle
import Services

/// The public website (Art. 9(1), 17, 19, 21): what the bureau publishes, for anyone, without
/// a client certificate. Read-only by construction: it holds a `PublicRecord`, which only
/// reads, and renders every page from the latest `PublicSnapshot` in memory.
///
/// It runs as a `Service` of its own on its own listener, HTTPS with the server's certificate
/// or plain HTTP behind the bureau's reverse proxy.
public struct PublicSite: Service {
  public struct Configuration: Sendable {
    public var host: String
    public var port: Int
    /// The certificate chain and key (PEM) to serve HTTPS with; nil: plain HTTP, for a reverse
    /// proxy in front, whose `X-Forwarded-For` then names the client.
    public var tls: (certificate: String, key: String)?
    /// Requests a second each client may make, sustained, and in a burst; 0 turns the limit off.
    public var ratePerSecond: Double
    public var burst: Double
    /// A directory of the web team's own files, served under `/static/NAME` (and `robots.txt`
    /// and `favicon.ico` at the root too); read once, at start.
    public var staticDirectory: String?

    public init(
      host: String, port: Int, tls: (certificate: String, key: String)? = nil, ratePerSecond: Double = 20, burst: Double = 100,
      staticDirectory: String? = nil
    ) {
      self.host = host
      self.port = port
      self.tls = tls
      self.ratePerSecond = ratePerSecond
      self.burst = burst
      self.staticDirectory = staticDirectory
    }
  }

  let configuration: Configuration
  /// What the pages show; `refresh()` reads the store again at once.
  public let cache: SnapshotCache
  let site: Site
  let logger: Logger

  /// - Parameters:
  ///   - keys: the bureau's public keys, current and retired, by which bulletins verify.
  ///   - now: the server's clock (publicity's last day is compared with today).
  public init(
    configuration: Configuration, store: any Store, keys: [PublicSigningKey], metrics: PrometheusCollectorRegistry?, logger: Logger,
    refreshInterval: Duration = .seconds(1), now: @escaping @Sendable () -> Date = Date.init
  ) throws {
    self.configuration = configuration
    self.logger = logger
    cache = SnapshotCache(record: PublicRecord(store: store), interval: refreshInterval, logger: logger)
    site = try Site(
      cache: cache, keys: keys, metrics: SiteMetrics(registry: metrics), logger: logger, limiter: RateLimiter(
        ratePerSecond: configuration.ratePerSecond, burst: configuration.burst), forwardedFor: configuration.tls == nil,
      hsts: configuration.tls != nil, files: try configuration.staticDirectory.map(StaticFiles.init(directory:)) ?? StaticFiles(), now: now)
  }

  /// The application, for this service and for tests (`app.test(.router)`).
  public func application() throws -> some ApplicationProtocol {
    let server: HTTPServerBuilder
    if let tls = configuration.tls {
      let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
      let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
      var settings = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
      settings.minimumTLSVersion = .tlsv12
      server = try .tls(.http1(), tlsConfiguration: settings)
    } else {
      server = .http1()
    }
    let logger = self.logger, scheme = configuration.tls == nil ? "http" : "https"
    return Application(
      router: site.router(), server: server,
      configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
      onServerRunning: { channel in
        let address = channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        FileHandle.standardOutput.write(Data("monitord public site on \(scheme)://\(address)/\n".utf8))
        logger.info("public site listening", metadata: ["address": "\(scheme)://\(address)/"])
      }, logger: logger)
  }

  public func run() async throws {
    // The first snapshot before the first request; then one a second.
    do { try await cache.refresh() } catch { logger.warning("public site: cannot read the store yet", metadata: ["error": "\(error)"]) }
    let app = try application()
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { await cache.run() }
      try await app.run()
      group.cancelAll()
    }
  }
}
