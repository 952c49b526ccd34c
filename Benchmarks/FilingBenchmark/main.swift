import Foundation
import GRPCCore
import GRPCInProcessTransport
import LIMSSimulation
import Logging
import ProtoCodec
import RPCServer
import Services
import StoragePostgres
import StorageSQLite
import Synchronization

// `make bench-filing`: durable filings per second through the real stack in process (codec,
// interceptors, handler, validation, every off-site check, the audit log with its Merkle tree
// and Ed25519 receipt, SQLite with every reply sent after its WAL is fsynced), with group
// commit and without it, in the same run:
// - a typical activity (2 sampling events, 6 analyses) and a large one (30 events, 60 analyses);
// - 64 concurrent unary callers for a few seconds (closed loop): filings/s, p50, p99;
// - one FileActivities stream pushing a backlog: filings/s;
// - open loops at 500 and 1,000 filings/s offered (typical, grouped): p50 and p99;
// - what one fdatasync costs this disk, which bounds what grouping can save;
// - how long each filing held SQLite's write lock, split into its body and the rest (the
//   savepoint, BEGIN and COMMIT, which grouping shares).
// With --postgres URL (make bench-filing passes a throwaway server), the same on PostgreSQL;
// --only sqlite or --only postgres runs one engine.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
  arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil } ?? fallback
}
let seconds = Double(option("--seconds", "4"))!
let postgresURL = option("--postgres", ProcessInfo.processInfo.environment["MONITORD_TEST_POSTGRES"] ?? "")
let only = option("--only", "")
let agency = "91500000MA5U7BCX7A"
let wang = "360426199101010071", li = "120103198806018241", zhang = "11010519491231002X"
/// Samplers take turns, two to an activity, as in a laboratory with a dozen of them: a
/// sampler's five-hour window holds what a real one's does, not every activity of the day.
let samplers = [wang, li] + (1...10).map { ResidentID.completing("50010319900101\(String(format: "%03d", $0))")! }
let signingKey = SigningKey.generate(name: "bench.cq-monitoring.local/audit")

/// The caller, switched between the city (setup) and the agency (filing).
final class Caller: IdentityResolver {
  let uri = Mutex("spiffe://cq-monitoring/bureau/city/bench")
  func principal(of context: ServerContext) throws(IdentityError) -> Principal { try Principal(uri: uri.withLock { $0 }) }
}

/// A certificate request for a new P-256 key, made with openssl.
func csr() throws -> String {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-csr-\(UUID())").path
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: directory) }
  for arguments in [
    ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", directory + "/key.pem"],
    ["req", "-new", "-key", directory + "/key.pem", "-subj", "/CN=lims", "-out", directory + "/req.pem"],
  ] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
  }
  return try String(contentsOfFile: directory + "/req.pem", encoding: .utf8)
}

/// Lists the agency through the real API: enrolment (a CSR made with openssl), an upload, an
/// application and its approval. Returns the report's digest.
func listAgency(_ client: GRPCClient<InProcessTransport.Client>, caller: Caller) async throws -> String {
  let registry = Cqmon_V1_RegistryService.Client(wrapping: client)
  _ = try await registry.enrollAgency(.with { $0.requestId = "enrol"; $0.creditCode = agency; $0.name = "x"; $0.csrPem = try csr() })
  caller.uri.withLock { $0 = "spiffe://cq-monitoring/agency/\(agency)" }
  let digest = try await Cqmon_V1_DocumentService.Client(wrapping: client).upload(requestProducer: { writer in
    try await writer.write(.with { $0.metadata = .with { $0.requestId = "scan"; $0.fileName = "scan.pdf"; $0.mediaType = "application/pdf" } })
    try await writer.write(.with { $0.chunk = Array("bench scans".utf8) })
  }).sha256
  let person = { (name: String, id: String) in Cqmon_V1_Person.with { $0.name = name; $0.idNumber = id } }
  let document = Cqmon_V1_DocumentRef.with { $0.sha256 = digest }
  let today = CalendarDate(chinaTimeOf: Int64(listedAt.timeIntervalSince1970))
  func date(_ day: CalendarDate) -> Cqmon_V1_Date { .with { $0.year = Int32(day.year); $0.month = Int32(day.month); $0.day = Int32(day.day) } }
  let application = try await registry.submitApplication(.with {
    $0.requestId = "apply"; $0.creditCode = agency
    $0.materials = .with {
      $0.commitmentLetter = .with { $0.signer = person("王强", wang); $0.capacity = .legalRepresentative; $0.signedOn = date(today); $0.document = document }
      $0.licence = .with { $0.kind = .businessLicence; $0.creditCode = agency; $0.name = "重庆某某检测技术有限公司"; $0.document = document }
      $0.cmaCertificate = .with {
        $0.number = "222212340345"; $0.issuedOn = date(today.adding(days: -1300)); $0.validUntil = date(today.adding(days: 1000))
        $0.issuer = "重庆市市场监督管理局"; $0.document = document
        $0.scope = ["化学需氧量", "氨氮", "总磷", "总氮", "石油类", "悬浮物"].map { parameter in
          .with { $0.category = "水和废水"; $0.parameter = parameter; $0.methodStandard = "HJ 828-2017" }
        }
      }
      $0.keyPersonnel = .with {
        $0.legalRepresentative = person("王强", wang); $0.topManager = person("王强", wang); $0.technicalLead = person("李娜", li)
        $0.qualityLead = person("张伟", zhang); $0.authorisedSignatories = [person("李娜", li)]
      }
      $0.staff = [("王强", wang), ("李娜", li), ("张伟", zhang)].map { entry in
        .with { $0.person = person(entry.0, entry.1); $0.roles = [.sampler, .analyst, .manager] }
      } + samplers.dropFirst(2).enumerated().map { index, id in
        .with { $0.person = person("采样员\(index + 1)", id); $0.roles = [.sampler] }
      }
      $0.equipment = (1...8).map { number in
        .with { $0.equipmentId = "EQ-\(number)"; $0.name = "仪器"; $0.model = "M"; $0.serialNumber = "S\(number)"; $0.calibrationValidUntil = date(today.adding(days: 500)) }
      }
      $0.address = .with { $0.districtCode = "500103"; $0.street = "解放碑" }
      $0.legalNature = .enterprise
    }
  })
  caller.uri.withLock { $0 = "spiffe://cq-monitoring/bureau/city/bench" }
  _ = try await registry.reviewApplication(.with { $0.requestId = "review"; $0.applicationId = application.applicationId; $0.decision = .approve })
  caller.uri.withLock { $0 = "spiffe://cq-monitoring/agency/\(agency)" }
  return digest
}

/// The agency is listed a year before the run (the registry's clock is set back), so a year of
/// activities can be filed: activity `number` is sampled `number` × 10 minutes after the
/// listing, its analyses a minute each on different instruments, as a working laboratory's
/// would be, so that the checks across activities read what a real agency's index holds.
let listedAt = Date().addingTimeInterval(-365 * 86_400)

/// Activity `number`: `events` sampling events with two samples each and `analyses` analyses.
func activity(_ number: Int, events: Int, analyses: Int, digest: String, at now: Date) -> Cqmon_V1_FileActivityRequest {
  let slot = listedAt.addingTimeInterval(3600 + Double(number) * 600)
  func at(_ offset: Double) -> Google_Protobuf_Timestamp { .with { $0.seconds = Int64(slot.timeIntervalSince1970 + offset) } }
  let base = 0.0
  return .with {
    $0.requestId = "bench-\(number)"
    $0.creditCode = agency
    $0.activity = .with {
      $0.client = .with { $0.name = "委托单位 \(number)" }
      $0.purpose = .selfMonitoring
      $0.projectNumber = "P-\(number)"
      $0.samplingEvents = (0..<events).map { event in
        .with {
          $0.eventId = "E\(event)"; $0.startedAt = at(base); $0.endedAt = at(base + 60); $0.siteName = "DW00\(event)"; $0.districtCode = "500103"
          $0.location = .with { $0.latitude = 29.557; $0.longitude = 106.577 }
          $0.medium = "废水"; $0.samplerIdNumbers = [samplers[(2 * number) % samplers.count], samplers[(2 * number + 1) % samplers.count]]; $0.sampleIds = ["N\(number)-\(event)-a", "N\(number)-\(event)-b"]
        }
      }
      $0.analyses = (0..<analyses).map { index in
        .with {
          $0.sampleId = "N\(number)-\(index % events)-\(index % 2 == 0 ? "a" : "b")"
          $0.parameter = ["化学需氧量", "氨氮", "总磷", "总氮", "石油类", "悬浮物"][index % 6]
          $0.methodStandard = "HJ 828-2017"; $0.analystIdNumber = zhang; $0.instrumentId = "EQ-\(index % 8 + 1)"
          $0.startedAt = at(base + 120 + Double(index / 8) * 61); $0.endedAt = at(base + 180 + Double(index / 8) * 61)
          $0.result = "\(number % 97 + index)"; $0.unit = "mg/L"
        }
      }
      $0.report = .with {
        $0.reportNumber = "R-\(number)"; $0.issuedOn = .with {
          let day = CalendarDate(chinaTimeOf: Int64(now.timeIntervalSince1970))
          $0.year = Int32(day.year); $0.month = Int32(day.month); $0.day = Int32(day.day)
        }
        $0.signatoryIdNumbers = [li]; $0.conclusion = "达标"; $0.document = .with { $0.sha256 = digest }
      }
    }
  }
}

/// The simulated server's clock, moved forward as activities are taken.
final class VirtualClock: Sendable {
  private let instant: Mutex<Date>
  init(_ start: Date) { instant = Mutex(start) }
  var now: Date { instant.withLock { $0 } }
  func advance(to later: Date) { instant.withLock { $0 = max($0, later) } }
}

final class Counter: Sendable {
  private let value: Mutex<Int>
  init(_ first: Int) { value = Mutex(first) }
  func next() -> Int {
    value.withLock { value in
      defer { value += 1 }
      return value
    }
  }
}

struct Figures {
  var rate = 0.0, p50 = 0.0, p99 = 0.0
}

func percentile(_ values: [Double], _ p: Double) -> Double {
  guard !values.isEmpty else { return 0 }
  let sorted = values.sorted()
  return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

extension Duration {
  /// In milliseconds, as the tables print them.
  var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}

/// `callers` callers filing back to back for `seconds`: each takes the next number from one
/// counter starting at `first` (so no two filings share a request id) and files it with
/// `file`, which says false when there is nothing left to file. Filings/s, p50, p99, and how
/// many were filed.
func closedLoop(callers: Int, first: Int, _ file: @escaping @Sendable (Int) async throws -> Bool) async throws -> (Figures, Int) {
  let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
  let start = ContinuousClock.now
  let counter = Counter(first)
  let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
    for _ in 0..<callers {
      group.addTask {
        var latencies: [Double] = []
        while ContinuousClock.now < deadline {
          let began = ContinuousClock.now
          guard try await file(counter.next()) else { break }
          latencies.append((ContinuousClock.now - began).milliseconds)
        }
        return latencies
      }
    }
    return try await group.reduce(into: []) { $0 += $1 }
  }
  let taken = (ContinuousClock.now - start).milliseconds / 1000
  return (Figures(rate: Double(latencies.count) / taken, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99)), latencies.count)
}

/// The typical or large activity, filed by `callers` callers back to back for `seconds`.
func closedLoop(_ client: GRPCClient<InProcessTransport.Client>, callers: Int, events: Int, analyses: Int, digest: String, first: Int) async throws -> (Figures, Int) {
  let filing = Cqmon_V1_FilingService.Client(wrapping: client)
  return try await closedLoop(callers: callers, first: first) { number in
    _ = try await filing.fileActivity(activity(number, events: events, analyses: analyses, digest: digest, at: Date()))
    return true
  }
}

/// One stream pushing `count` activities.
func stream(_ client: GRPCClient<InProcessTransport.Client>, count: Int, events: Int, analyses: Int, digest: String, first: Int) async throws -> Double {
  let start = ContinuousClock.now
  let results = try await Cqmon_V1_FilingService.Client(wrapping: client).fileActivities(requestProducer: { writer in
    for number in first..<(first + count) { try await writer.write(activity(number, events: events, analyses: analyses, digest: digest, at: Date())) }
  }) { response in
    var results = 0
    for try await _ in response.messages { results += 1 }
    return results
  }
  return Double(results) / ((ContinuousClock.now - start).milliseconds / 1000)
}

/// An open loop: one filing every 1/rate seconds, whatever the replies do.
func openLoop(_ client: GRPCClient<InProcessTransport.Client>, rate: Double, digest: String, first: Int) async throws -> Figures {
  let filing = Cqmon_V1_FilingService.Client(wrapping: client)
  let count = Int(rate * seconds)
  let start = ContinuousClock.now
  let latencies = try await withThrowingTaskGroup(of: Double.self) { group in
    for index in 0..<count {
      let due = start + .microseconds(Int64(Double(index) / rate * 1_000_000))
      try await Task.sleep(until: due)
      group.addTask {
        let began = ContinuousClock.now
        _ = try await filing.fileActivity(activity(first + index, events: 2, analyses: 6, digest: digest, at: Date()))
        return (ContinuousClock.now - began).milliseconds
      }
    }
    return try await group.reduce(into: []) { $0.append($1) }
  }
  return Figures(rate: rate, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99))
}

/// One caller, always the same principal.
struct FixedIdentity: IdentityResolver {
  let uri: String
  func principal(of context: ServerContext) throws(IdentityError) -> Principal { try Principal(uri: uri) }
}

/// What the in-process servers of one store share.
struct Services {
  let store: any Store
  let registry: Registry
  let documents: Documents
  let log: TransparencyLog
}

/// An in-process server for `identity` over `services` with `filing`, and a client of it.
func withServer(
  _ services: Services, filing: Filing, identity: any IdentityResolver, _ body: (GRPCClient<InProcessTransport.Client>) async throws -> Void
) async throws {
  var quiet = Logger(label: "bench")
  quiet.logLevel = .critical
  let components = MonitorServer.Components(
    registry: services.registry, documents: services.documents, filing: filing,
    supervision: Supervision(store: services.store, signingKey: signingKey), credit: Credit(store: services.store, registry: services.registry, signingKey: signingKey),
    log: services.log, store: services.store,
    identity: identity, logger: quiet, metrics: nil)
  let transport = InProcessTransport()
  let server = GRPCServer(transport: transport.server, services: components.services, interceptors: components.interceptors)
  try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    defer { server.beginGracefulShutdown() }
    try await withGRPCClient(transport: transport.client) { try await body($0) }
  }
}

/// Servers for each of `identities` at once; their clients in the same order.
func withServers(
  _ services: Services, filing: Filing, identities: [String], _ body: ([GRPCClient<InProcessTransport.Client>]) async throws -> Void
) async throws {
  func nest(_ index: Int, _ clients: [GRPCClient<InProcessTransport.Client>]) async throws {
    guard index < identities.count else { return try await body(clients) }
    try await withServer(services, filing: filing, identity: FixedIdentity(uri: identities[index])) { try await nest(index + 1, clients + [$0]) }
  }
  try await nest(0, [])
}

func withServer(_ store: any Store, _ body: (GRPCClient<InProcessTransport.Client>, Caller, Services) async throws -> Void) async throws {
  var quiet = Logger(label: "bench")
  quiet.logLevel = .critical
  let caller = Caller()
  let certs = FileManager.default.temporaryDirectory.appendingPathComponent("bench-ca-\(UUID())").path
  try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
  for arguments in [
    ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", certs + "/ca-key.pem"],
    ["req", "-x509", "-new", "-key", certs + "/ca-key.pem", "-subj", "/CN=bench CA", "-days", "30", "-out", certs + "/ca.pem",
     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = arguments
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    process.waitUntilExit()
  }
  let authority = CertificateAuthority(
    certificatePEM: try String(contentsOfFile: certs + "/ca.pem", encoding: .utf8), keyPEM: try String(contentsOfFile: certs + "/ca-key.pem", encoding: .utf8))
  let uploads = FileManager.default.temporaryDirectory.appendingPathComponent("bench-uploads-\(UUID())").path
  let services = Services(
    store: store, registry: Registry(store: store, authority: authority, signingKey: signingKey, now: { listedAt }),
    documents: try Documents(store: store, temporaryDirectory: uploads, maxBytes: 1 << 20, signingKey: signingKey),
    log: TransparencyLog(store: store, keys: SigningKeys(current: signingKey)))
  _ = quiet
  try await withServer(services, filing: Filing(store: store, signingKey: signingKey), identity: caller) { try await body($0, caller, services) }
}

/// The LIMS simulator's laboratories (`LIMSSimulation`): `count` agencies listed through the
/// API, and their year of activities (5 % with a planted violation) in filing order.
func simulatedPlan(_ client: GRPCClient<InProcessTransport.Client>, caller: Caller, count: Int) async throws -> [PlannedActivity] {
  let registry = Cqmon_V1_RegistryService.Client(wrapping: client)
  var plan: [PlannedActivity] = []
  for index in 0..<count {
    let agency = SimulatedAgency(number: index + 1)
    caller.uri.withLock { $0 = "spiffe://cq-monitoring/bureau/city/bench" }
    _ = try await registry.enrollAgency(.with {
      $0.requestId = "sim-enrol-\(index)"; $0.creditCode = agency.creditCode; $0.name = agency.name; $0.csrPem = try csr()
    })
    caller.uri.withLock { $0 = "spiffe://cq-monitoring/agency/\(agency.creditCode)" }
    let digest = try await Cqmon_V1_DocumentService.Client(wrapping: client).upload(requestProducer: { writer in
      try await writer.write(.with { $0.metadata = .with { $0.requestId = "sim-scan"; $0.fileName = "report.txt"; $0.mediaType = "text/plain" } })
      try await writer.write(.with { $0.chunk = Array("simulated report \(index)".utf8) })
    }).sha256
    let application = try await registry.submitApplication(.with {
      $0.requestId = "sim-apply-\(index)"; $0.creditCode = agency.creditCode
      $0.materials = agency.materials(document: digest, on: CalendarDate(chinaTimeOf: Int64(listedAt.timeIntervalSince1970)))
    })
    caller.uri.withLock { $0 = "spiffe://cq-monitoring/bureau/city/bench" }
    _ = try await registry.reviewApplication(.with { $0.requestId = "sim-review-\(index)"; $0.applicationId = application.applicationId; $0.decision = .approve })
    plan += ActivityPlanner(
      agency: agency, index: index, from: listedAt, days: 365, perDay: 4, violationShare: 0.05, reportDigest: digest, seed: 1
    ).plan()
  }
  caller.uri.withLock { $0 = "spiffe://cq-monitoring/agency/\(agency)" }
  return plan.sorted { $0.fileAfter < $1.fileAfter }
}

/// 64 callers filing the simulated laboratories' activities in order for `seconds`, the
/// server's clock moved to each activity's filing time as it is taken (so nothing is late or
/// in the future but what the simulator planted). Figures, and findings raised per filing.
func simulatedLoop(_ services: Services, plan: [PlannedActivity], agencies: Int) async throws -> (Figures, Double) {
  let clock = VirtualClock(listedAt)
  let filing = Filing(store: services.store, signingKey: signingKey, now: { clock.now })
  let identities = (0..<agencies).map { "spiffe://cq-monitoring/agency/\(SimulatedAgency(number: $0 + 1).creditCode)" }
  var result = (Figures(), 0.0)
  try await withServers(services, filing: filing, identities: identities) { clients in
    let findings = Counter(0)
    let (figures, filed) = try await closedLoop(callers: 64, first: 0) { index in
      guard index < plan.count else { return false }
      let planned = plan[index]
      clock.advance(to: planned.fileAfter)
      let reply = try await Cqmon_V1_FilingService.Client(wrapping: clients[planned.agency]).fileActivity(planned.request)
      for _ in reply.findings { _ = findings.next() }
      return true
    }
    result = (figures, Double(findings.next()) / Double(max(1, filed)))
  }
  return result
}

/// Where the write lock's time went in each closed loop (`Store.writeStatistics`).
let lockLines = Mutex(["| store | activity | lock held per filing, µs | its body, µs | the rest (savepoint, BEGIN, COMMIT), µs | filings a commit |", "|---|---|---|---|---|---|"])

func run(_ label: String, _ makeStore: () async throws -> any Store) async throws -> [String] {
  var lines: [String] = []
  let store = try await makeStore()
  try await withServer(store) { client, caller, services in
    let digest = try await listAgency(client, caller: caller)
    var next = 0
    for (name, events, analyses) in [("typical", 2, 6), ("large", 30, 60)] {
      let before = store.writeStatistics()
      let (closed, filed) = try await closedLoop(client, callers: 64, events: events, analyses: analyses, digest: digest, first: next)
      let lock = store.writeStatistics() - before
      if lock.turns > 0 {
        func perTurn(_ duration: Duration) -> Double { duration.milliseconds * 1000 / Double(lock.turns) }
        lockLines.withLock {
          $0.append(String(
            format: "| %@ | %@ | %.0f | %.0f | %.0f | %.1f |", label, name, perTurn(lock.held), perTurn(lock.bodies), perTurn(lock.held - lock.bodies),
            Double(lock.turns) / Double(max(1, lock.commits))))
        }
      }
      next += filed
      let count = name == "typical" ? 400 : 60
      let streamed = try await stream(client, count: count, events: events, analyses: analyses, digest: digest, first: next)
      next += count
      lines.append(String(format: "| %@ | %@ | %.0f | %.1f | %.1f | %.0f |", label, name, closed.rate, closed.p50, closed.p99, streamed))
    }
    let plan = try await simulatedPlan(client, caller: caller, count: 5)
    let (simulated, findings) = try await simulatedLoop(services, plan: plan, agencies: 5)
    lines.append(String(
      format: "| %@ | lims-sim's laboratories (5 agencies, %.2f findings a filing) | %.0f | %.1f | %.1f | - |", label, findings, simulated.rate,
      simulated.p50, simulated.p99))
    // The issue's open loops on SQLite; on PostgreSQL, at half its capacity and near it, with
    // grouping and without, to show what grouping costs a reply in latency.
    let rates: [Double] = label == "SQLite, grouped" ? [500, 1000] : label.hasPrefix("PostgreSQL") ? [100, 180] : []
    for rate in rates {
      let open = try await openLoop(client, rate: rate, digest: digest, first: next)
      next += Int(rate * seconds)
      lines.append(String(format: "| %@ | typical, %.0f/s offered (open loop) | - | %.1f | %.1f | - |", label, rate, open.p50, open.p99))
    }
  }
  return lines
}

/// What one durable commit costs this disk, however small: a 4 KiB write and fdatasync, the
/// median of 200. Grouping saves at most this per write it shares a commit with.
func fsyncMicroseconds(in directory: String) -> Double {
  let path = directory + "/fsync-probe"
  let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  defer {
    close(descriptor)
    unlink(path)
  }
  let page = [UInt8](repeating: 1, count: 4096)
  var times: [Double] = []
  for index in 0..<200 {
    let began = ContinuousClock.now
    _ = page.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, 4096, off_t(index * 4096)) }
    fdatasync(descriptor)
    let taken = ContinuousClock.now - began
    times.append(taken.milliseconds * 1000)
  }
  return percentile(times, 0.5)
}

var table = ["| store | activity | filings/s at c=64 | p50 ms | p99 ms | filings/s, one stream |", "|---|---|---|---|---|---|"]
for grouped in [true, false] where only != "postgres" {
  let label = "SQLite, " + (grouped ? "grouped" : "ungrouped")
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-filing-\(UUID())").path
  table += try await run(label) { try SQLiteStore(directory: directory, groupCommit: grouped) }
  try? FileManager.default.removeItem(atPath: directory)
  FileHandle.standardError.write(Data("\(label) done\n".utf8))
}
if !postgresURL.isEmpty, only != "sqlite", let slash = postgresURL.lastIndex(of: "/") {
  for grouped in [true, false] {
    // A database of its own on the given server.
    let name = "bench_filing_\(UInt32.random(in: 0...UInt32.max))"
    let admin = Process()
    admin.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    admin.arguments = ["psql", postgresURL, "-qc", "CREATE DATABASE \(name)"]
    try admin.run()
    admin.waitUntilExit()
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    let store = try await PostgresStore.connect(url: String(postgresURL[..<slash]) + "/" + name, logger: logger, groupCommit: grouped)
    table += try await run("PostgreSQL, " + (grouped ? "grouped" : "ungrouped")) { store }
    await store.shutdown()
  }
}
print(table.joined(separator: "\n"))
print("\nThe write lock in the closed loops at c=64:\n")
print(lockLines.withLock { $0 }.joined(separator: "\n"))
print(String(format: "\nOne 4 KiB write + fdatasync on this disk: %.0f µs (median of 200).", fsyncMicroseconds(in: FileManager.default.temporaryDirectory.path)))
