import ArgumentParser
import Foundation
import Logging
import RPCServer

/// `monitord`: the server. Configuration comes from defaults, then `--config FILE` (YAML), then
/// `MONITORD_*` environment variables, then these flags.

@main
struct Monitord: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "monitord",
    abstract: "The Chongqing monitoring-agency management server (gRPC over mutual TLS).",
    discussion: """
      Without a subcommand, monitord serves. Exit status: 0 after a clean shutdown (SIGTERM or \
      SIGINT drain calls in flight), 1 on a runtime failure, 2 on bad usage, 78 on a \
      configuration that cannot be used.
      """,
    subcommands: [Serve.self, CopyDatabase.self, Backup.self],
    defaultSubcommand: Serve.self
  )
}

/// Prints `error` and exits 78 for a configuration problem, 1 otherwise.
func fail(_ error: any Error) -> ExitCode {
  FileHandle.standardError.write(Data("monitord: \(error)\n".utf8))
  return error is ConfigError ? ExitCode(78) : .failure
}

/// Plain log lines on standard error, for the maintenance commands.
func bootstrapPlainLogging() -> Logger {
  LoggingSystem.bootstrap { label in
    var handler = LineLogHandler(label: label)
    handler.logLevel = .warning
    return handler
  }
  return Logger(label: "monitord")
}

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve the API over mutual TLS until SIGTERM or SIGINT (the default; see 'monitord serve --help').")

  @Option(help: "A YAML configuration file (see docs/operations.md: Configuration).")
  var config: String?

  @Option(help: "Listen on HOST:PORT (default 127.0.0.1:8443; port 0 picks a free one).")
  var listen: String?

  @Option(name: .customLong("data-dir"), help: "The data directory: SQLite database and documents (default ./data).")
  var dataDir: String?

  @Option(help: "The database: empty for SQLite in the data directory, or postgres://USER@HOST:PORT/DATABASE.")
  var database: String?

  @Option(name: .customLong("tls-cert"), help: "The server certificate chain, PEM.")
  var tlsCert: String?

  @Option(name: .customLong("tls-key"), help: "The server private key, PEM.")
  var tlsKey: String?

  @Option(name: .customLong("client-ca"), help: "The CA client certificates must chain to (the bureau's CA), PEM.")
  var clientCA: String?

  @Option(name: .customLong("ca-key"), help: "The CA's private key, PEM, for signing agencies' certificates at enrolment.")
  var caKey: String?

  @Option(name: .customLong("signing-key"), help: "The bureau's Ed25519 signing key, PEM (default certs/dev/signing-key.pem).")
  var signingKey: String?

  @Option(name: .customLong("signing-name"), help: "The signing key's name and the audit log's origin.")
  var signingName: String?

  @Option(name: .customLong("revocation-list"), help: "A file of revoked certificate serials (hex, one per line); reloaded on SIGHUP and on change.")
  var revocationList: String?

  @Option(name: .customLong("max-message-bytes"), help: "The largest request message, in bytes (default 4194304).")
  var maxMessageBytes: Int?

  @Option(name: .customLong("transport"), help: "The gRPC server transport: lean (default) or nio, grpc-swift's own, kept as the reference.")
  var transport: String?

  @Option(name: .customLong("transport-threads"), help: "Event-loop threads for the gRPC transport (default 0: one per CPU the process may use).")
  var transportThreads: Int?

  @Option(name: .customLong("metrics-listen"), help: "Prometheus /metrics on HOST:PORT (default 127.0.0.1:9464), or 'off'.")
  var metricsListen: String?

  @Option(name: .customLong("public-listen"), help: "The public website on HOST:PORT (off unless set; 'off' disables).")
  var publicListen: String?

  @Flag(name: .customLong("public-plain-http"), help: "Serve the public website over plain HTTP, behind the bureau's reverse proxy (default: HTTPS with --tls-cert).")
  var publicPlainHTTP = false

  @Option(name: .customLong("public-rate"), help: "Public website requests a second per client, sustained (default 20; 0: no limit).")
  var publicRate: Double?

  @Option(name: .customLong("public-static-dir"), help: "A directory of files served under /static/ on the public website, read at start.")
  var publicStaticDir: String?

  @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
  var logLevel: String?

  @Option(name: .customLong("log-format"), help: "text or json (default text).")
  var logFormat: String?

  @Option(
    name: .customLong("dev-clock-days-ago"),
    help: "Demonstrations only: the clock starts this many days in the past (see --dev-clock-speed); negative: that many days ahead.")
  var devClockDaysAgo: Int?

  @Option(
    name: .customLong("dev-clock-start"),
    help: "Demonstrations only: the clock starts at this instant (RFC 3339), in place of --dev-clock-days-ago.")
  var devClockStart: String?

  @Option(
    name: .customLong("dev-clock-speed"), help: "Demonstrations only: the simulated clock runs this many times faster until it catches up.")
  var devClockSpeed: Double?

  func run() async throws {
    let settings: ServerConfig
    do {
      settings = try resolve()
    } catch {
      FileHandle.standardError.write(Data("monitord: \(error)\n".utf8))
      throw ExitCode(78)
    }
    LoggingSystem.bootstrap { label in
      var handler = LineLogHandler(label: label, format: settings.log.format == .json ? .json : .text)
      handler.logLevel = Logger.Level(rawValue: settings.log.level) ?? .info
      return handler
    }
    let logger = Logger(label: "monitord")
    do {
      try await MonitorServer(config: settings, logger: logger).run()
    } catch let error as ConfigError {
      FileHandle.standardError.write(Data("monitord: \(error)\n".utf8))
      throw ExitCode(78)
    } catch {
      FileHandle.standardError.write(Data("monitord: \(error)\n".utf8))
      throw ExitCode.failure
    }
  }

  /// Defaults, then the file, then the environment, then flags.
  func resolve() throws(ConfigError) -> ServerConfig {
    var settings = ServerConfig.defaults
    if let config { try settings.apply(yamlFile: config) }
    try settings.apply(environment: ProcessInfo.processInfo.environment)
    var flags: [String: String] = [:]
    flags["MONITORD_LISTEN"] = listen
    flags["MONITORD_DATA_DIR"] = dataDir
    flags["MONITORD_DATABASE"] = database
    flags["MONITORD_TLS_CERTIFICATE"] = tlsCert
    flags["MONITORD_TLS_KEY"] = tlsKey
    flags["MONITORD_TLS_CLIENT_CA"] = clientCA
    flags["MONITORD_TLS_CA_KEY"] = caKey
    flags["MONITORD_TLS_REVOCATION_LIST"] = revocationList
    flags["MONITORD_SIGNING_KEY"] = signingKey
    flags["MONITORD_SIGNING_NAME"] = signingName
    flags["MONITORD_MAX_MESSAGE_BYTES"] = maxMessageBytes.map(String.init)
    flags["MONITORD_TRANSPORT_KIND"] = transport
    flags["MONITORD_TRANSPORT_THREADS"] = transportThreads.map(String.init)
    flags["MONITORD_METRICS_LISTEN"] = metricsListen
    flags["MONITORD_PUBLIC_LISTEN"] = publicListen
    flags["MONITORD_PUBLIC_PLAIN_HTTP"] = publicPlainHTTP ? "true" : nil
    flags["MONITORD_PUBLIC_RATE_PER_SECOND"] = publicRate.map { String($0) }
    flags["MONITORD_PUBLIC_STATIC_DIR"] = publicStaticDir
    flags["MONITORD_LOG_LEVEL"] = logLevel
    flags["MONITORD_LOG_FORMAT"] = logFormat
    flags["MONITORD_DEV_CLOCK_DAYS_AGO"] = devClockDaysAgo.map(String.init)
    flags["MONITORD_DEV_CLOCK_START"] = devClockStart
    flags["MONITORD_DEV_CLOCK_SPEED"] = devClockSpeed.map { String($0) }
    try settings.apply(environment: flags)
    return settings
  }
}
