import Foundation
import RPCServer
import Testing

@Suite("Server configuration: defaults < YAML < environment < flags")
struct ConfigTests {
  private func file(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("monitord-\(UUID()).yaml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test("a YAML file sets what it names and leaves the rest at the defaults")
  func yaml() throws {
    var config = ServerConfig.defaults
    try config.apply(yamlFile: try file("""
      listen: 0.0.0.0:9443
      data_dir: /var/lib/cqmon
      database: postgres://cqmon@db.internal:5432/cqmon
      tls:
        client_ca: /etc/cqmon/ca.pem
        revocation_list: /etc/cqmon/revoked.txt
      limits:
        max_message_bytes: 1048576
      log:
        level: debug
        format: json
      metrics:
        listen: "off"
      transport:
        kind: nio
        threads: 3
      """))
    #expect(config.listen == .init(host: "0.0.0.0", port: 9443))
    #expect(config.dataDirectory == "/var/lib/cqmon")
    #expect(config.database == "postgres://cqmon@db.internal:5432/cqmon")
    #expect(ServerConfig.defaults.database == "", "SQLite in the data directory unless told otherwise")
    #expect(config.tls.clientCA == "/etc/cqmon/ca.pem")
    #expect(config.tls.certificate == ServerConfig.defaults.tls.certificate)
    #expect(config.tls.revocationList == "/etc/cqmon/revoked.txt")
    #expect(config.limits.maxMessageBytes == 1 << 20)
    #expect(config.limits.maxConcurrentStreams == 100)
    #expect(config.log.level == "debug")
    #expect(config.log.format == .json)
    #expect(config.metrics.listen == nil)
    #expect(config.transport.kind == .nio && config.transport.threads == 3)
    #expect(ServerConfig.defaults.transport.kind == .lean && ServerConfig.defaults.transport.threads == 0)
  }

  @Test("the environment overrides the file")
  func environment() throws {
    var config = ServerConfig.defaults
    try config.apply(yamlFile: try file("listen: 127.0.0.1:1000\n"))
    try config.apply(environment: ["MONITORD_LISTEN": "[::1]:2000", "MONITORD_LOG_LEVEL": "warning", "OTHER": "x"])
    #expect(config.listen == .init(host: "::1", port: 2000))
    #expect(config.listen.description == "[::1]:2000")
    #expect(config.log.level == "warning")
  }

  @Test("the development clock: off by default; else from days back, fast, until it meets real time")
  func developmentClock() throws {
    #expect(ServerClock(ServerConfig.defaults.development).isReal)
    var config = ServerConfig.defaults
    try config.apply(environment: ["MONITORD_DEV_CLOCK_DAYS_AGO": "10", "MONITORD_DEV_CLOCK_SPEED": "1000"])
    let origin = Date(timeIntervalSince1970: 2_000_000_000)
    let clock = ServerClock(config.development, origin: origin)
    #expect(!clock.isReal)
    #expect(clock.time(at: origin) == origin.addingTimeInterval(-10 * 86_400))
    #expect(clock.time(at: origin.addingTimeInterval(60)) == origin.addingTimeInterval(-10 * 86_400 + 60_000), "a minute is 1,000 minutes")
    // 864,000 s back at 999 s gained per second: caught up after about 865 s, then real time.
    let later = origin.addingTimeInterval(2000)
    #expect(clock.time(at: later) == later)
    // Ahead: a fixed lead over real time.
    try config.apply(environment: ["MONITORD_DEV_CLOCK_DAYS_AGO": "-40", "MONITORD_DEV_CLOCK_SPEED": "1"])
    let ahead = ServerClock(config.development, origin: origin)
    #expect(!ahead.isReal && ahead.time(at: later) == later.addingTimeInterval(40 * 86_400))
  }

  @Test("the development clock from a fixed instant: the same dates whenever it runs; refused beside days ago")
  func developmentClockStart() throws {
    var config = ServerConfig.defaults
    try config.apply(environment: ["MONITORD_DEV_CLOCK_START": "2025-11-29T09:00:00+08:00"])
    let start = Date(timeIntervalSince1970: 1_764_378_000)  // 2025-11-29T01:00:00Z
    let origin = Date(timeIntervalSince1970: 2_000_000_000)
    let clock = ServerClock(config.development, origin: origin)
    #expect(clock.time(at: origin) == start)
    #expect(clock.time(at: origin.addingTimeInterval(90)) == start.addingTimeInterval(90), "then real speed")
    #expect(clock.daysBehind == origin.timeIntervalSince(start) / 86_400)
    // A start in the future: a fixed lead.
    let ahead = ServerClock(config.development, origin: start.addingTimeInterval(-3600))
    #expect(ahead.time(at: start.addingTimeInterval(-3600)) == start)
    #expect(throws: ConfigError.self) { try config.apply(environment: ["MONITORD_DEV_CLOCK_START": "29 November"]) }
    try config.apply(environment: ["MONITORD_DEV_CLOCK_DAYS_AGO": "3"])
    let refused = #expect(throws: ConfigError.self) { try config.validate() }
    #expect("\(refused.map { "\($0)" } ?? "")".contains("development.clock_start and development.clock_days_ago"))
  }

  @Test("supervision's settings: the documented defaults, set from the file and the environment")
  func supervision() throws {
    let defaults = ServerConfig.defaults.supervision
    #expect(defaults.jurisdictionMonths == 12 && defaults.acceptanceWorkingDays == 3 && defaults.conclusionDays == 60)
    #expect(defaults.maximumExtensionDays == 30 && defaults.unratedBasisPoints == 3000 && defaults.complaintBasisPoints == 5000)
    var config = ServerConfig.defaults
    try config.apply(yamlFile: try file("supervision:\n  jurisdiction_months: 6\n  unrated_percent: 45.5\n  conclusion_days: 30\n"))
    try config.apply(environment: ["MONITORD_ACCEPTANCE_WORKING_DAYS": "2", "MONITORD_DRAW_COMPLAINT_PERCENT": "100"])
    #expect(config.supervision.jurisdictionMonths == 6 && config.supervision.unratedBasisPoints == 4550 && config.supervision.conclusionDays == 30)
    #expect(config.supervision.acceptanceWorkingDays == 2 && config.supervision.complaintBasisPoints == 10_000)
    for (yaml, message) in [
      ("supervision:\n  unrated_percent: 101\n", "supervision.unrated_percent '101' is not a percentage"),
      ("supervision:\n  complaint_percent: 12.345\n", "at most two decimals"),
      ("supervision:\n  jurisdiction_months: 0\n", "supervision.jurisdiction_months '0' is not a number of months from 1 to 120"),
    ] {
      var config = ServerConfig.defaults
      #expect { try config.apply(yamlFile: try file(yaml)) } throws: { ($0 as? ConfigError)?.message.contains(message) == true }
    }
  }

  @Test("mistakes are one clear message naming the key")
  func mistakes() throws {
    let cases: [(String, String)] = [
      ("tls:\n  cert: x.pem\n", "unknown key 'tls.cert'"),
      ("listen: localhost\n", "'localhost' is not HOST:PORT"),
      ("listen: 1.2.3.4:70000\n", "is not HOST:PORT"),
      ("limits:\n  max_message_bytes: -5\n", "limits.max_message_bytes must be a positive whole number"),
      ("log:\n  level: loud\n", "log.level 'loud' is not one of"),
      ("database: mysql://x@y/z\n", "database 'mysql://x@y/z' is neither empty"),
      ("log:\n  format: xml\n", "log.format 'xml' is not text or json"),
      ("listen: [1, 2]\n", "'listen' must be a single value"),
      (": : :\n", "is not valid YAML"),
      ("development:\n  clock_days_ago: -4000\n", "development.clock_days_ago '-4000' is not a number of days"),
      ("development:\n  clock_speed: 0.5\n", "development.clock_speed '0.5' is not a speed"),
      ("transport:\n  kind: netty\n", "transport.kind 'netty' is not lean or nio"),
      ("transport:\n  threads: 1000\n", "transport.threads '1000' is not a number of threads from 0"),
    ]
    for (yaml, message) in cases {
      var config = ServerConfig.defaults
      let path = try file(yaml)
      #expect(throws: ConfigError.self, "\(yaml)") { try config.apply(yamlFile: path) }
      do {
        try config.apply(yamlFile: path)
      } catch {
        #expect(error.message.contains(message), "\(error.message)")
      }
    }
    var config = ServerConfig.defaults
    config.tls.certificate = "/no/such/server.pem"
    #expect(throws: ConfigError("tls.certificate: cannot read /no/such/server.pem (make run creates development certificates in certs/dev)")) {
      try config.validate()
    }
  }

  @Test("monitord itself: a bad configuration exits 78 with one line, no stack trace")
  func monitordExit() throws {
    let result = try ServerProcess.run("monitord", ["--listen", "nowhere", "--metrics-listen", "off"])
    #expect(result.status == 78)
    #expect(result.error == "monitord: 'nowhere' is not HOST:PORT with a port from 0 to 65535\n")
    let overview = try ServerProcess.run("monitord", ["--help"])
    for subcommand in ["serve (default)", "copy-database", "backup"] {
      #expect(overview.output.contains(subcommand), "\(subcommand)")
    }
    let help = try ServerProcess.run("monitord", ["serve", "--help"])
    for flag in ["--listen", "--data-dir", "--database", "--config", "--tls-cert", "--tls-key", "--client-ca", "--ca-key", "--revocation-list"] {
      #expect(help.output.contains(flag), "\(flag)")
    }
  }
}

@Suite("The revocation list file")
struct RevocationListTests {
  @Test("serials in any common spelling; comments and blank lines ignored; reload on change")
  func parsing() async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("revoked-\(UUID()).txt").path
    try "# revoked\n0x0A1b\n  00:ff:10  # colon form\n\n".write(toFile: path, atomically: true, encoding: .utf8)
    let list = RevocationList(path: path, logger: .init(label: "test"))
    #expect(list.isRevoked(serial: "a1b"))
    #expect(list.isRevoked(serial: "ff10"))
    #expect(list.count == 2)
    try await Task.sleep(for: .milliseconds(1100))  // file times have one-second resolution on some systems
    try "1234\n".write(toFile: path, atomically: true, encoding: .utf8)
    list.reloadIfChanged()
    #expect(list.isRevoked(serial: "1234"))
    #expect(!list.isRevoked(serial: "a1b"))
    #expect(RevocationList(path: "/no/such/file", logger: .init(label: "test")).count == 0)
  }
}
