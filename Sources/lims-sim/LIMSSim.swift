import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LIMSSimulation
import ProtoCodec
import Services
import Synchronization

/// `lims-sim`: laboratories' LIMS over the real API. It enrols N agencies (the CA signs each
/// LIMS's key), lists them (application, review), reads them back from the registry, then files
/// their activities, day by day from the listing, at a chosen rate, with a share of planted
/// violations of each rule, and says which rules the server's checks raised.
@main
struct LIMSSim: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lims-sim",
    abstract: "Simulated laboratories filing a year of monitoring activities through the real API.",
    discussion: """
      Activities are dated from each agency's listing onward and filed once the server's clock
      has passed them. Against a server on the real clock that is a live LIMS; `make demo`
      starts one whose development clock begins a year back and runs fast, so that a year is
      filed in minutes (--clock-speed must then match the server's).
      """)

  @Option(help: "The server, HOST:PORT.") var server = "127.0.0.1:8443"
  @Option(help: "The bureau's CA, PEM.") var ca = "certs/dev/ca.pem"
  @Option(name: .customLong("officer-cert"), help: "A city officer's certificate (enrols and lists the agencies).") var officerCert = "certs/dev/city.pem"
  @Option(name: .customLong("officer-key"), help: "Its key.") var officerKey = "certs/dev/city-key.pem"
  @Option(help: "Simulated agencies.") var agencies = 5
  @Option(help: "Days of activities from the listing.") var days = 365
  @Option(name: .customLong("per-day"), help: "Activities per agency per day.") var perDay = 4
  @Option(help: "Filings per second at most.") var rate: Double = 200
  @Option(help: "Filings in flight at once.") var concurrency = 16
  @Option(help: "The share of activities with a planted violation (0 to 1).") var violations: Double = 0.05
  @Option(name: .customLong("clock-speed"), help: "How much faster than real time the server's clock runs (its --dev-clock-speed).")
  var clockSpeed: Double = 1
  @Option(help: "Seed: the same seed files the same activities.") var seed: UInt64 = 1
  @Option(name: .customLong("work-dir"), help: "Where the agencies' keys and certificates are kept (reused on a rerun).")
  var workDir = ".build/lims-sim"
  @Option(
    name: .customLong("bureau-year"),
    help: "After filing, play the bureau's year on this (filed, ended) year: findings decided, a draw, inspections, the evaluation, publicity with an objection, publication, a direct E. Needs a fast development clock and the indicator system loaded.")
  var bureauYear: Int?

  @Option(
    name: .customLong("write-request"),
    help: "After filing, write the first activity filed without a violation to this file as its encoded FileActivityRequest, with its agency's certificate and key beside it (FILE.pem, FILE-key.pem): the same request again is answered from the idempotency record, as a load generator sends it.")
  var writeRequest: String?

  func validate() throws {
    guard agencies >= 1, days >= 1, perDay >= 1, rate > 0, concurrency >= 1, (0...1).contains(violations), clockSpeed >= 1 else {
      throw ValidationError("agencies, days, per-day, rate, concurrency and clock-speed must be positive; violations between 0 and 1")
    }
  }

  func run() async throws {
    try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
    let clock = ServerClockEstimate(speed: clockSpeed)
    let simulated = (1...agencies).map(SimulatedAgency.init(number:))
    let officer = try Connection.open(server: server, ca: ca, cert: officerCert, key: officerKey)
    defer { officer.close() }
    var clients: [Connection] = []
    defer { for client in clients { client.close() } }
    var listings: [(agency: SimulatedAgency, listedAt: Date, digest: String)] = []
    for agency in simulated {
      let connection = try await enrolled(agency, officer: officer, clock: clock)
      clients.append(connection)
      listings.append(try await listed(agency, as: connection, officer: officer, clock: clock))
    }
    // The registry as officers read it: every simulated agency listed.
    let registry = Cqmon_V1_RegistryService.Client(wrapping: officer.client)
    var listed: Set<String> = []
    var token = ""
    repeat {
      let page = try await registry.listAgencies(.with { $0.status = .listed; $0.pageToken = token })
      listed.formUnion(page.agencies.map(\.creditCode))
      token = page.nextPageToken
    } while !token.isEmpty
    let missing = simulated.map(\.creditCode).filter { !listed.contains($0) }
    guard missing.isEmpty else { throw ValidationError("not listed after review: \(missing.joined(separator: ", "))") }
    note("\(simulated.count) agencies listed: \(simulated.map(\.creditCode).joined(separator: ", "))")

    var plan: [PlannedActivity] = []
    for (index, listing) in listings.enumerated() {
      plan += ActivityPlanner(
        agency: listing.agency, index: index, from: listing.listedAt, days: days, perDay: perDay, violationShare: violations,
        reportDigest: listing.digest, seed: seed
      ).plan()
    }
    plan.sort { $0.fileAfter < $1.fileAfter }
    // A fast clock stops at real time: what would fall after now is not filed this run.
    if clockSpeed > 1 { plan = plan.filter { $0.fileAfter < Date().addingTimeInterval(-120) } }
    note("filing \(plan.count) activities (\(plan.filter { $0.violation != nil }.count) with a planted violation)")
    let tally = try await file(plan, clients: clients, clock: clock)
    print(tally.summary(plan))
    if tally.refused > 0 { throw ExitCode.failure }
    if let writeRequest {
      guard let clean = plan.first(where: { $0.violation == nil && $0.amendment == nil }) else {
        throw ValidationError("--write-request: no activity without a planted violation was filed")
      }
      let agency = simulated[clean.agency]
      try Data(clean.request.serializedBytes()).write(to: URL(fileURLWithPath: writeRequest))
      for (from, to) in [("\(agency.creditCode).pem", ".pem"), ("\(agency.creditCode)-key.pem", "-key.pem")] {
        try? FileManager.default.removeItem(atPath: writeRequest + to)
        try FileManager.default.copyItem(atPath: "\(workDir)/\(from)", toPath: writeRequest + to)
      }
      note("wrote \(clean.request.requestId) to \(writeRequest), its agency's certificate to \(writeRequest).pem")
    }
    if let bureauYear {
      try await Bureau(officer: officer, agencies: Array(zip(simulated, clients)), clock: clock, year: bureauYear, seed: seed).run()
    }
  }

  // MARK: - Enrolment and listing

  /// The agency's LIMS connection: enrolled now, or with the certificate of an earlier run.
  func enrolled(_ agency: SimulatedAgency, officer: Connection, clock: ServerClockEstimate) async throws -> Connection {
    let key = "\(workDir)/\(agency.creditCode)-key.pem", certificate = "\(workDir)/\(agency.creditCode).pem"
    if !FileManager.default.fileExists(atPath: certificate) {
      let csr = "\(workDir)/\(agency.creditCode).csr"
      try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key])
      try openssl(["req", "-new", "-key", key, "-subj", "/CN=lims-\(agency.number)", "-out", csr])
      let enrolled = try await Cqmon_V1_RegistryService.Client(wrapping: officer.client).enrollAgency(.with {
        $0.requestId = "sim-enrol-\(agency.creditCode)"; $0.creditCode = agency.creditCode; $0.name = agency.name
        $0.csrPem = try String(contentsOfFile: csr, encoding: .utf8)
      })
      clock.observe(enrolled.receipt)
      try enrolled.certificatePem.write(toFile: certificate, atomically: true, encoding: .utf8)
    }
    return try Connection.open(server: server, ca: ca, cert: certificate, key: key)
  }

  /// Lists the agency unless it is listed already: its report scan uploaded, its application
  /// submitted and approved. Returns when it was listed and the scan's digest.
  func listed(
    _ agency: SimulatedAgency, as connection: Connection, officer: Connection, clock: ServerClockEstimate
  ) async throws -> (agency: SimulatedAgency, listedAt: Date, digest: String) {
    let scan = Array("模拟监测报告 \(agency.creditCode)\n".utf8)
    let digest = try await Cqmon_V1_DocumentService.Client(wrapping: connection.client).upload(requestProducer: { writer in
      try await writer.write(.with { $0.metadata = .with { $0.requestId = "sim-scan-\(agency.creditCode)"; $0.fileName = "report.txt"; $0.mediaType = "text/plain" } })
      try await writer.write(.with { $0.chunk = scan })
    }).sha256
    let registry = Cqmon_V1_RegistryService.Client(wrapping: officer.client)
    var record = try await registry.getAgency(.with { $0.creditCode = agency.creditCode })
    if record.status != .listed {
      let today = CalendarDate(chinaTimeOf: Int64(clock.now().timeIntervalSince1970))
      let application = try await Cqmon_V1_RegistryService.Client(wrapping: connection.client).submitApplication(.with {
        $0.requestId = "sim-apply-\(agency.creditCode)"; $0.creditCode = agency.creditCode
        $0.materials = agency.materials(document: digest, on: today)
      })
      let reviewed = try await registry.reviewApplication(.with {
        $0.requestId = "sim-review-\(agency.creditCode)"; $0.applicationId = application.applicationId; $0.decision = .approve
      })
      clock.observe(reviewed.receipt)
      record = try await registry.getAgency(.with { $0.creditCode = agency.creditCode })
    }
    let listedAt = Date(timeIntervalSince1970: Double(record.listedAt?.seconds ?? Int64(clock.now().timeIntervalSince1970)))
    return (agency, listedAt, digest)
  }

  func openssl(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = arguments
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw ValidationError("openssl \(arguments[0]) failed") }
  }

  // MARK: - Filing

  func file(_ plan: [PlannedActivity], clients: [Connection], clock: ServerClockEstimate) async throws -> Tally {
    let shared = Shared()
    let pacer = Pacer(rate: rate)
    let started = ContinuousClock.now
    // A bar redrawn in place on a terminal; a line every five seconds into a log.
    let interactive = isatty(2) != 0
    let progress = Task {
      while !Task.isCancelled {
        try? await Task.sleep(for: .milliseconds(interactive ? 500 : 5000))
        let now = shared.tally.withLock { $0 }
        Self.progress(now, total: plan.count, since: started, interactive: interactive)
      }
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<min(concurrency, max(1, plan.count)) {
        group.addTask {
          while true {
            let index = shared.next.withLock { value -> Int in
              defer { value += 1 }
              return value
            }
            guard index < plan.count else { return }
            let planned = plan[index]
            // Not before the server's clock has passed it (with a minute to spare).
            while clock.now() < planned.fileAfter.addingTimeInterval(60) { try await Task.sleep(for: .milliseconds(20)) }
            try await pacer.wait()
            let filing = Cqmon_V1_FilingService.Client(wrapping: clients[planned.agency].client)
            do {
              var filed = try await filing.fileActivity(planned.request)
              clock.observe(filed.receipt)
              if var amendment = planned.amendment {
                amendment.activityId = filed.activityId
                filed = try await filing.amendActivity(amendment)
              }
              shared.tally.withLock { $0.filed(filed, planted: planned.violation) }
            } catch let error as RPCError {
              shared.tally.withLock { $0.refused(planned.request.requestId, error) }
            }
          }
        }
      }
      try await group.waitForAll()
    }
    progress.cancel()
    let final = shared.tally.withLock { $0 }
    Self.progress(final, total: plan.count, since: started, interactive: interactive)
    if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    return final
  }

  static func progress(_ tally: Tally, total: Int, since started: ContinuousClock.Instant, interactive: Bool) {
    let done = tally.filed + tally.refused
    let width = 30
    let filled = total == 0 ? width : width * done / total
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let line = String(
      format: "%@[%@%@] %d/%d  filed %d  refused %d  findings %d  %.0f/s%@", interactive ? "\r" : "", String(repeating: "#", count: filled),
      String(repeating: ".", count: width - filled), done, total, tally.filed, tally.refused, tally.findings, seconds > 0 ? Double(done) / seconds : 0,
      interactive ? "" : "\n")
    FileHandle.standardError.write(Data(line.utf8))
  }

  func note(_ text: String) {
    FileHandle.standardError.write(Data("lims-sim: \(text)\n".utf8))
  }
}

/// What the workers share: the next activity to file and the tally.
final class Shared: Sendable {
  let tally = Mutex(Tally())
  let next = Mutex(0)
}

/// What came back: filings, refusals, and the findings raised by rule.
struct Tally: Sendable {
  var filed = 0
  var refused = 0
  var findings = 0
  var raised: [String: Int] = [:]
  /// Planted violations whose rule the server raised on that very activity.
  var caught: [String: Int] = [:]
  var errors: [String] = []

  mutating func filed(_ activity: Cqmon_V1_Activity, planted: PlantedViolation?) {
    filed += 1
    findings += activity.findings.count
    for finding in activity.findings { raised[finding.rule, default: 0] += 1 }
    if let planted, activity.findings.contains(where: { $0.rule == planted.rule }) { caught[planted.rule, default: 0] += 1 }
  }

  mutating func refused(_ requestID: String, _ error: RPCError) {
    refused += 1
    if errors.count < 10 { errors.append("\(requestID): \(error.code): \(error.message)") }
  }

  /// The table printed at the end.
  func summary(_ plan: [PlannedActivity]) -> String {
    var planted: [String: Int] = [:]
    for item in plan { if let violation = item.violation { planted[violation.rule, default: 0] += 1 } }
    var lines = ["RULE                           PLANTED  CAUGHT  RAISED"]
    for rule in Set(planted.keys).union(raised.keys).sorted() {
      lines.append(
        rule.padding(toLength: 31, withPad: " ", startingAt: 0) + String(format: "%7d  %6d  %6d", planted[rule] ?? 0, caught[rule] ?? 0, raised[rule] ?? 0))
    }
    lines.append("filed \(filed), refused \(refused), findings \(findings)")
    lines += errors.map { "refused: \($0)" }
    return lines.joined(separator: "\n")
  }
}

/// The server's time as its receipts tell it: the latest receipt's time, advanced at the
/// clock's speed since, never past real time (a development clock stops there).
final class ServerClockEstimate: Sendable {
  private let anchor = Mutex<(server: Date, real: Date)?>(nil)
  let speed: Double

  init(speed: Double) {
    self.speed = speed
  }

  func observe(_ receipt: Cqmon_V1_Receipt?) {
    guard let seconds = receipt?.receivedAt?.seconds else { return }
    let server = Date(timeIntervalSince1970: Double(seconds) + Double(receipt?.receivedAt?.nanos ?? 0) / 1e9)
    anchor.withLock { anchor in
      if anchor == nil || server > anchor!.server { anchor = (server, Date()) }
    }
  }

  func now() -> Date {
    let real = Date()
    guard let anchor = anchor.withLock({ $0 }) else { return real }
    return min(real, anchor.server.addingTimeInterval(real.timeIntervalSince(anchor.real) * speed))
  }
}

/// At most `rate` calls a second, shared by every worker.
final class Pacer: Sendable {
  private let next = Mutex(ContinuousClock.now)
  let interval: Duration

  init(rate: Double) {
    interval = .microseconds(Int64(1_000_000 / rate))
  }

  func wait() async throws {
    let slot = next.withLock { next -> ContinuousClock.Instant in
      let slot = max(next, ContinuousClock.now)
      next = slot + interval
      return slot
    }
    if slot > ContinuousClock.now { try await Task.sleep(until: slot) }
  }
}

/// A client connected over mutual TLS, its connections run in a task of their own.
struct Connection: Sendable {
  let client: GRPCClient<HTTP2ClientTransport.Posix>
  let task: Task<Void, any Error>

  static func open(server: String, ca: String, cert: String, key: String) throws -> Connection {
    guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
      throw ValidationError("--server '\(server)' is not HOST:PORT")
    }
    let host = String(server[..<colon])
    let transport = try HTTP2ClientTransport.Posix(
      target: host.split(separator: ".").count == 4 && host.allSatisfy({ $0.isNumber || $0 == "." }) ? .ipv4(address: host, port: port) : .dns(host: host, port: port),
      transportSecurity: .mTLS(certificateChain: [.file(path: cert, format: .pem)], privateKey: .file(path: key, format: .pem)) { tls in
        tls.trustRoots = .certificates([.file(path: ca, format: .pem)])
      })
    let client = GRPCClient(transport: transport)
    return Connection(client: client, task: Task { try await client.runConnections() })
  }

  func close() {
    client.beginGracefulShutdown()
  }
}
