import Foundation
import Services

/// Everything `monitord` can be told, with documented defaults (`.defaults`): from a YAML file
/// (`--config`), then the environment (`MONITORD_*`), then flags, each over the one before.
/// See `ServerConfig+Loading.swift` and the configuration table of docs/operations.md.
public struct ServerConfig: Sendable, Equatable {
  /// The gRPC listener, `HOST:PORT`. Port 0 picks a free port (printed at start).
  public var listen: Endpoint
  /// Where the SQLite database and the documents live; with PostgreSQL, uploads in progress.
  public var dataDirectory: String
  /// The database: empty for the embedded SQLite one in the data directory, or
  /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` for PostgreSQL, which servers share.
  public var database: String
  public var tls: TLS
  public var signing: Signing
  public var limits: Limits
  public var transport: Transport = Transport()
  public var log: Log
  public var metrics: Metrics
  /// The public website (Art. 9, 17, 19, 21); off unless a listener is set.
  public var publicSite: Website = Website()
  public var development: Development = Development()
  /// Supervision's settings (Art. 7, 12, 22): jurisdiction, complaint deadlines, the draw's shares.
  public var supervision: SupervisionSettings = SupervisionSettings()

  public struct TLS: Sendable, Equatable {
    /// The server's certificate chain, PEM.
    public var certificate: String
    /// The server's private key, PEM.
    public var key: String
    /// The CA that every client certificate must chain to (the bureau's CA), PEM. The only trust
    /// root: the system's roots are never used.
    public var clientCA: String
    /// The CA's private key, PEM, with which the server signs agencies' certificates at
    /// enrolment. Optional: without it, enrolment is unavailable.
    public var caKey: String?
    /// A file of revoked certificate serials (hex, one per line), reloaded on SIGHUP and when it
    /// changes. Optional.
    public var revocationList: String?
  }

  /// The bureau's Ed25519 signing key: receipts, checkpoints, bulletins.
  public struct Signing: Sendable, Equatable {
    /// The private key, PEM (`openssl genpkey -algorithm ed25519`).
    public var key: String
    /// The key's name, which is also the audit log's origin: e.g. `sthjj.cq.gov.cn/monitoring`.
    public var name: String
    /// Retired public keys, PEM files, comma-separated: published so that what they signed
    /// still verifies after a rotation.
    public var retiredKeys: [String]
  }

  public struct Limits: Sendable, Equatable {
    /// The largest request message accepted, in bytes; larger documents travel in chunks.
    public var maxMessageBytes: Int
    /// Concurrent streams (calls) per connection.
    public var maxConcurrentStreams: Int
    /// Ping an idle connection after this many seconds (grpc-go's server default: 2 hours).
    public var keepaliveTimeSeconds: Int
    /// Close the connection when a ping is not answered within this many seconds (grpc-go: 20).
    public var keepaliveTimeoutSeconds: Int
    /// The largest document accepted by DocumentService.Upload, in bytes.
    public var maxDocumentBytes: Int
  }

  /// Which gRPC server transport serves the API. Both speak the same wire and mutual TLS.
  public struct Transport: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
      /// `monitord`'s own, on swift-nio-http2: calls on their connection's event loop.
      case lean
      /// grpc-swift's NIO transport (a child channel and task per stream), kept as the reference.
      case nio
    }
    public var kind: Kind = .lean
    /// Event-loop threads; 0: one per CPU the process may use.
    public var threads: Int = 0
  }

  public struct Log: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
      case text, json
    }
    /// trace, debug, info, notice, warning, error or critical.
    public var level: String
    public var format: Format
  }

  /// For demonstrations and load tests only, never production: a simulated clock.
  public struct Development: Sendable, Equatable {
    /// The clock starts this many days in the past (0: the real clock) ...
    public var clockDaysAgo: Int = 0
    /// ... and runs this many times faster than real time until it catches up with it.
    public var clockSpeed: Double = 1
    /// Or the clock starts at this instant (in place of `clockDaysAgo`): a demonstration whose
    /// dates are the same whenever it runs.
    public var clockStart: Date?
  }

  public struct Metrics: Sendable, Equatable {
    /// The Prometheus endpoint, `HOST:PORT`, serving `/metrics`; nil turns it off.
    public var listen: Endpoint?
  }

  public struct Website: Sendable, Equatable {
    /// Where the site listens, `HOST:PORT`; nil turns it off.
    public var listen: Endpoint?
    /// Plain HTTP for the bureau's reverse proxy, which terminates TLS and names the client in
    /// `X-Forwarded-For`; otherwise HTTPS with the server certificate (`tls.certificate`).
    public var plainHTTP = false
    /// Requests a second each client may make, sustained (0 turns the limit off), and at once.
    public var ratePerSecond: Double = 20
    public var burst: Double = 100
    /// A directory of the web team's own files (robots.txt, a logo, a favicon), read at start
    /// and served under `/static/`; nil: none.
    public var staticDirectory: String?
  }

  /// A `HOST:PORT` pair.
  public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
      self.host = host
      self.port = port
    }

    /// `127.0.0.1:8443`, `[::1]:8443`, `localhost:0`.
    public init(parsing text: String) throws(ConfigError) {
      guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
        (0...65535).contains(port)
      else { throw ConfigError("'\(text)' is not HOST:PORT with a port from 0 to 65535") }
      var host = String(text[..<colon])
      if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
      guard !host.isEmpty else { throw ConfigError("'\(text)' has no host") }
      self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
  }

  public static let defaults = ServerConfig(
    listen: Endpoint(host: "127.0.0.1", port: 8443),
    dataDirectory: "./data",
    database: "",
    tls: TLS(
      certificate: "certs/dev/server.pem", key: "certs/dev/server-key.pem", clientCA: "certs/dev/ca.pem",
      caKey: nil, revocationList: nil),
    signing: Signing(key: "certs/dev/signing-key.pem", name: "dev.cq-monitoring.local/audit", retiredKeys: []),
    limits: Limits(
      maxMessageBytes: 4 << 20, maxConcurrentStreams: 100, keepaliveTimeSeconds: 7200,
      keepaliveTimeoutSeconds: 20, maxDocumentBytes: 64 << 20),
    log: Log(level: "info", format: .text),
    metrics: Metrics(listen: Endpoint(host: "127.0.0.1", port: 9464))
  )
}

/// A configuration that cannot be used: one clear message, and `monitord` exits non-zero.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
  public let message: String

  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }
}
