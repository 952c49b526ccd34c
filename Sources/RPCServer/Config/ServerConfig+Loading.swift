import Foundation
import Services
import Logging
import Yams

extension ServerConfig {
  /// The YAML file's keys, and the environment variables, next to the field they set. One table
  /// so that the file, the environment and docs/operations.md cannot drift apart.
  struct Setting: Sendable {
    let key: String
    let environment: String
    /// Throws only `ConfigError`.
    let set: @Sendable (inout ServerConfig, String) throws -> Void

    init(_ key: String, _ environment: String, _ set: @escaping @Sendable (inout ServerConfig, String) throws -> Void) {
      self.key = key
      self.environment = environment
      self.set = set
    }

    func apply(_ config: inout ServerConfig, _ value: String) throws(ConfigError) {
      do {
        try set(&config, value)
      } catch let error as ConfigError {
        throw error
      } catch {
        throw ConfigError("\(key): \(error)")
      }
    }
  }

  static let settings: [Setting] = [
    Setting("listen", "MONITORD_LISTEN", { $0.listen = try Endpoint(parsing: $1) }),
    Setting("data_dir", "MONITORD_DATA_DIR", { $0.dataDirectory = $1 }),
    Setting("database", "MONITORD_DATABASE", { config, value in
      guard value.isEmpty || value == "sqlite" || value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
        throw ConfigError("database '\(value)' is neither empty (SQLite in the data directory) nor postgres://USER@HOST:PORT/DATABASE")
      }
      config.database = value == "sqlite" ? "" : value
    }),
    Setting("tls.certificate", "MONITORD_TLS_CERTIFICATE", { $0.tls.certificate = $1 }),
    Setting("tls.key", "MONITORD_TLS_KEY", { $0.tls.key = $1 }),
    Setting("tls.client_ca", "MONITORD_TLS_CLIENT_CA", { $0.tls.clientCA = $1 }),
    Setting("tls.ca_key", "MONITORD_TLS_CA_KEY", { $0.tls.caKey = $1.isEmpty ? nil : $1 }),
    Setting("tls.revocation_list", "MONITORD_TLS_REVOCATION_LIST", { $0.tls.revocationList = $1.isEmpty ? nil : $1 }),
    Setting("signing.key", "MONITORD_SIGNING_KEY", { $0.signing.key = $1 }),
    Setting("signing.name", "MONITORD_SIGNING_NAME", { config, value in
      guard !value.isEmpty, !value.contains(where: { $0.isWhitespace || $0 == "+" }) else {
        throw ConfigError("signing.name '\(value)' must be non-empty, without spaces or '+' (it names the key and the log)")
      }
      config.signing.name = value
    }),
    Setting("signing.retired_keys", "MONITORD_SIGNING_RETIRED_KEYS", { config, value in
      config.signing.retiredKeys = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }),
    Setting("limits.max_message_bytes", "MONITORD_MAX_MESSAGE_BYTES", { $0.limits.maxMessageBytes = try positive($1, "limits.max_message_bytes") }),
    Setting("limits.max_concurrent_streams", "MONITORD_MAX_CONCURRENT_STREAMS", { $0.limits.maxConcurrentStreams = try positive($1, "limits.max_concurrent_streams") }),
    Setting("limits.keepalive_time_seconds", "MONITORD_KEEPALIVE_TIME_SECONDS", { $0.limits.keepaliveTimeSeconds = try positive($1, "limits.keepalive_time_seconds") }),
    Setting("limits.keepalive_timeout_seconds", "MONITORD_KEEPALIVE_TIMEOUT_SECONDS", { $0.limits.keepaliveTimeoutSeconds = try positive($1, "limits.keepalive_timeout_seconds") }),
    Setting("limits.max_document_bytes", "MONITORD_MAX_DOCUMENT_BYTES", { $0.limits.maxDocumentBytes = try positive($1, "limits.max_document_bytes") }),
    Setting("transport.kind", "MONITORD_TRANSPORT_KIND", { config, value in
      guard let kind = Transport.Kind(rawValue: value) else { throw ConfigError("transport.kind '\(value)' is not lean or nio") }
      config.transport.kind = kind
    }),
    Setting("transport.threads", "MONITORD_TRANSPORT_THREADS", { config, value in
      guard let threads = Int(value), (0...256).contains(threads) else {
        throw ConfigError("transport.threads '\(value)' is not a number of threads from 0 (one per usable CPU) to 256")
      }
      config.transport.threads = threads
    }),
    Setting("log.level", "MONITORD_LOG_LEVEL", { config, value in
      guard Logger.Level(rawValue: value) != nil else {
        throw ConfigError("log.level '\(value)' is not one of trace, debug, info, notice, warning, error, critical")
      }
      config.log.level = value
    }),
    Setting("log.format", "MONITORD_LOG_FORMAT", { config, value in
      guard let format = Log.Format(rawValue: value) else { throw ConfigError("log.format '\(value)' is not text or json") }
      config.log.format = format
    }),
    Setting("metrics.listen", "MONITORD_METRICS_LISTEN", { $0.metrics.listen = $1 == "off" ? nil : try Endpoint(parsing: $1) }),
    Setting("public.listen", "MONITORD_PUBLIC_LISTEN", { $0.publicSite.listen = $1 == "off" || $1.isEmpty ? nil : try Endpoint(parsing: $1) }),
    Setting("public.plain_http", "MONITORD_PUBLIC_PLAIN_HTTP", { config, value in
      guard let plain = ["true": true, "false": false][value.lowercased()] else { throw ConfigError("public.plain_http '\(value)' is not true or false") }
      config.publicSite.plainHTTP = plain
    }),
    Setting("public.rate_per_second", "MONITORD_PUBLIC_RATE_PER_SECOND", { config, value in
      guard let rate = Double(value), rate >= 0, rate <= 100_000 else {
        throw ConfigError("public.rate_per_second '\(value)' is not a number of requests a second from 0 (no limit) to 100000")
      }
      config.publicSite.ratePerSecond = rate
    }),
    Setting("public.burst", "MONITORD_PUBLIC_BURST", { config, value in
      guard let burst = Double(value), burst >= 1, burst <= 1_000_000 else { throw ConfigError("public.burst '\(value)' is not a number from 1 to 1000000") }
      config.publicSite.burst = burst
    }),
    Setting("public.static_dir", "MONITORD_PUBLIC_STATIC_DIR", { $0.publicSite.staticDirectory = $1.isEmpty ? nil : $1 }),
    Setting("development.clock_days_ago", "MONITORD_DEV_CLOCK_DAYS_AGO", { config, value in
      guard let days = Int(value), (-3660...3660).contains(days) else {
        throw ConfigError("development.clock_days_ago '\(value)' is not a number of days from -3660 (ahead) to 3660")
      }
      config.development.clockDaysAgo = days
    }),
    Setting("development.clock_start", "MONITORD_DEV_CLOCK_START", { config, value in
      guard let start = ISO8601DateFormatter().date(from: value) else {
        throw ConfigError("development.clock_start '\(value)' is not an instant in RFC 3339, e.g. 2025-11-29T09:00:00+08:00")
      }
      config.development.clockStart = start
    }),
    Setting("development.clock_speed", "MONITORD_DEV_CLOCK_SPEED", { config, value in
      guard let speed = Double(value), speed >= 1, speed <= 10_000_000 else {
        throw ConfigError("development.clock_speed '\(value)' is not a speed from 1 to 10000000")
      }
      config.development.clockSpeed = speed
    }),
    Setting("supervision.jurisdiction_months", "MONITORD_JURISDICTION_MONTHS", {
      $0.supervision.jurisdictionMonths = try within($1, 1...120, "supervision.jurisdiction_months", "months")
    }),
    Setting("supervision.complaint_lookback_months", "MONITORD_COMPLAINT_LOOKBACK_MONTHS", {
      $0.supervision.complaintLookbackMonths = try within($1, 1...120, "supervision.complaint_lookback_months", "months")
    }),
    Setting("supervision.acceptance_working_days", "MONITORD_ACCEPTANCE_WORKING_DAYS", {
      $0.supervision.acceptanceWorkingDays = try within($1, 1...30, "supervision.acceptance_working_days", "working days")
    }),
    Setting("supervision.conclusion_days", "MONITORD_CONCLUSION_DAYS", {
      $0.supervision.conclusionDays = try within($1, 1...365, "supervision.conclusion_days", "days")
    }),
    Setting("supervision.max_extension_days", "MONITORD_MAX_EXTENSION_DAYS", {
      $0.supervision.maximumExtensionDays = try within($1, 1...365, "supervision.max_extension_days", "days")
    }),
    Setting("supervision.unrated_percent", "MONITORD_DRAW_UNRATED_PERCENT", {
      $0.supervision.unratedBasisPoints = try basisPoints($1, "supervision.unrated_percent")
    }),
    Setting("supervision.complaint_percent", "MONITORD_DRAW_COMPLAINT_PERCENT", {
      $0.supervision.complaintBasisPoints = try basisPoints($1, "supervision.complaint_percent")
    }),
  ]

  /// A whole number in `range`.
  static func within(_ value: String, _ range: ClosedRange<Int>, _ key: String, _ unit: String) throws(ConfigError) -> Int {
    guard let number = Int(value), range.contains(number) else {
      throw ConfigError("\(key) '\(value)' is not a number of \(unit) from \(range.lowerBound) to \(range.upperBound)")
    }
    return number
  }

  /// A percentage from 0 to 100 with at most two decimals, as basis points.
  static func basisPoints(_ value: String, _ key: String) throws(ConfigError) -> Int {
    guard let percent = Double(value), (0...100).contains(percent), abs((percent * 100).rounded() - percent * 100) < 1e-6 else {
      throw ConfigError("\(key) '\(value)' is not a percentage from 0 to 100 with at most two decimals")
    }
    return Int((percent * 100).rounded())
  }

  /// Applies a YAML configuration file. Unknown keys are errors (a typo must not be ignored).
  public mutating func apply(yamlFile path: String) throws(ConfigError) {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw ConfigError("cannot read the configuration file \(path)")
    }
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      throw ConfigError("\(path) is not valid YAML: \(error)")
    }
    guard let node else { return }
    var values: [String: String] = [:]
    try Self.flatten(node, prefix: "", into: &values, file: path)
    for (key, value) in values.sorted(by: { $0.key < $1.key }) {
      guard let setting = Self.settings.first(where: { $0.key == key }) else {
        throw ConfigError("\(path): unknown key '\(key)' (known: \(Self.settings.map(\.key).joined(separator: ", ")))")
      }
      try setting.apply(&self, value)
    }
  }

  /// Applies `MONITORD_*` variables.
  public mutating func apply(environment: [String: String]) throws(ConfigError) {
    for setting in Self.settings {
      if let value = environment[setting.environment] { try setting.apply(&self, value) }
    }
  }

  /// Checks that the settings agree and the files exist, before anything starts.
  public func validate() throws(ConfigError) {
    if development.clockStart != nil && development.clockDaysAgo != 0 {
      throw ConfigError("development.clock_start and development.clock_days_ago both say where the clock starts: give one")
    }
    let files = [("tls.certificate", tls.certificate), ("tls.key", tls.key), ("tls.client_ca", tls.clientCA), ("signing.key", signing.key)]
      + signing.retiredKeys.map { ("signing.retired_keys", $0) }
      + (tls.caKey.map { [("tls.ca_key", $0)] } ?? [])
    for (key, path) in files where !FileManager.default.isReadableFile(atPath: path) {
      throw ConfigError("\(key): cannot read \(path) (make run creates development certificates in certs/dev)")
    }
  }

  private static func flatten(_ node: Node, prefix: String, into values: inout [String: String], file: String) throws(ConfigError) {
    switch node {
    case .mapping(let mapping):
      for (key, value) in mapping {
        guard let name = key.string else { throw ConfigError("\(file): a key is not a string") }
        try flatten(value, prefix: prefix.isEmpty ? name : prefix + "." + name, into: &values, file: file)
      }
    case .scalar(let scalar):
      values[prefix] = scalar.string
    default:
      throw ConfigError("\(file): '\(prefix)' must be a single value")
    }
  }

  private static func positive(_ text: String, _ key: String) throws -> Int {
    guard let value = Int(text), value > 0 else { throw ConfigError("\(key) must be a positive whole number, not '\(text)'") }
    return value
  }
}

extension ServerConfig.Signing {
  /// Reads the key files.
  func load() throws(ConfigError) -> SigningKeys {
    let current: SigningKey
    do {
      current = try SigningKey(name: name, pem: try Self.read(key, "signing.key"))
    } catch let error as ConfigError {
      throw error
    } catch {
      throw ConfigError("signing.key: \(key): \(error)")
    }
    var retired: [PublicSigningKey] = []
    for path in retiredKeys {
      do {
        retired.append(try PublicSigningKey(name: name, pem: try Self.read(path, "signing.retired_keys")))
      } catch let error as ConfigError {
        throw error
      } catch {
        throw ConfigError("signing.retired_keys: \(path): \(error)")
      }
    }
    return SigningKeys(current: current, retired: retired)
  }

  private static func read(_ path: String, _ key: String) throws(ConfigError) -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError("\(key): cannot read \(path)") }
    return text
  }
}
