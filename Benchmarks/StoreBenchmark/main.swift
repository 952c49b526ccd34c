import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import ProtoCodec
import RPCServer
import Services
import StoragePostgres
import StorageSQLite

// `make bench-store`: the store layer on both engines with a million rows, release mode.
//
// The rows go into `application`, the table the coming activity table will copy: an id from a
// sequence, an audit entry per row in the same transaction, a JSON record of about 400 bytes,
// filtered and paged newest first on indexed columns. Each row is written the way a real
// write is (sequence number, audit append, insert), 1000 rows to a transaction while loading.
//
// What it reports, as ratios measured in the same run:
// - insert cost flat: the last 1000 rows of the load against the first 1000, and single-row
//   write transactions (what one RPC does) at 1000 rows against at the end;
// - paging flat: a filtered page of 100 deep in the table against the first page;
// - ListAgencies over 9,125 agencies with records of real size (the issue's measurement):
//   the whole RPC in process (codec, handler, domain, store), a page of 100 the first time
//   (records decoded) and again (decoded records cached by digest), and a district filter
//   that matches nothing.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
  arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil } ?? fallback
}
let rows = Int(option("--rows", "1000000"))!
let postgresURL = option("--postgres", ProcessInfo.processInfo.environment["MONITORD_TEST_POSTGRES"] ?? "")
let agencyCount = 9125
let batch = 1000

let base = Date(timeIntervalSince1970: 1_790_000_000)
let record = "{" + (0..<12).map { "\"field\($0)\":\"\(String(repeating: "x", count: 20))\"" }.joined(separator: ",") + "}"

func code(_ index: Int) -> String { String(format: "91500000BNCH%06d", index) }

/// A listed agency's record as big as a real one: its licence, 20 staff, 15 instruments, an address.
func agencyRecord(_ agency: Int) -> String {
  var materials = ApplicationMaterials()
  materials.licence = Licence()
  materials.licence?.kind = .businessLicence
  materials.licence?.creditCode = code(agency)
  materials.licence?.name = "机构 \(agency)"
  materials.address = Address(districtCode: "500103", street: "解放碑街道民族路 188 号")
  materials.legalNature = .enterprise
  materials.staff = (0..<20).map { index in
    var member = StaffMember()
    member.person = PersonRef(name: "员工 \(index)", idNumber: "11010519491231002X")
    member.roles = [.sampler, .analyst]
    member.qualifications = ["上岗证 \(index)"]
    return member
  }
  materials.equipment = (0..<15).map { index in
    var equipment = Equipment()
    equipment.equipmentId = "EQ-\(index)"
    equipment.name = "气相色谱仪"
    equipment.model = "Agilent 8890"
    equipment.serialNumber = "CN2024\(index)"
    return equipment
  }
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  return String(decoding: try! encoder.encode(materials), as: UTF8.self)
}

/// One write as a real one: the next number, an audit entry, the row.
let signingKey = SigningKey.generate(name: "bench.cq-monitoring.local/audit")

let officer = "spiffe://cq-monitoring/bureau/city/bench"

func write(_ tx: some RegistryTransaction, index: Int) async throws {
  let number = try await tx.nextNumber(in: .application)
  let actor = "spiffe://cq-monitoring/agency/\(code(index % agencyCount))"
  let entry = try await AuditLog.append(
    tx, key: signingKey, actor: actor, method: "cqmon.v1.RegistryService/SubmitApplication",
    requestSHA256: Digest.sha256Hex("request \(number)"), recordSHA256: Digest.sha256Hex(record), at: base.addingTimeInterval(Double(number)))
  try await tx.insertApplication(ApplicationRow(
    id: IDSequence.application.id(number), creditCode: code(index % agencyCount), status: number % 4 == 0 ? .approved : .rejected,
    materials: record, warnings: "[]", submittedAt: base.addingTimeInterval(Double(number)), submittedBy: actor, audit: entry))
}

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func median(_ runs: Int, _ body: () async throws -> Void) async throws -> Double {
  var times: [Double] = []
  for _ in 0..<runs { times.append(seconds(try await ContinuousClock().measure { try await body() })) }
  return times.sorted()[runs / 2]
}

struct Result {
  var engine: String
  var firstBatch = 0.0, lastBatch = 0.0
  var singleEarly = 0.0, singleLate = 0.0
  var firstPage = 0.0, deepPage = 0.0
  var agenciesCold = 0.0, agenciesWarm = 0.0, agenciesNoMatch = 0.0
  var loadSeconds = 0.0
  var verifySeconds = 0.0, verifyMiB = 0.0
  var verifiedEntries: Int64 = 0
}

/// The process's resident memory now (VmRSS) and its peak so far (VmHWM), in MiB.
func residentMiB() -> Double { status("VmRSS:") }
func residentPeakMiB() -> Double { status("VmHWM:") }
func status(_ field: String) -> Double {
  let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
  let line = text.split(separator: "\n").first { $0.hasPrefix(field) } ?? ""
  return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

func bench(_ engine: String, _ store: any Store) async throws -> Result {
  var result = Result(engine: engine)
  let registry = Registry(store: store, authority: nil, signingKey: signingKey, now: { base })
  // 9,125 agencies, listed in Yuzhong, each as the server makes one: enrolled with
  // a certificate, an application approved, its first registry version and its staff.
  try await store.writeRegistry { tx in
    for index in 0..<agencyCount {
      let agency = code(index), actor = "spiffe://cq-monitoring/agency/\(agency)"
      let fingerprint = Digest.sha256Hex("certificate \(index)"), agencyRecord = agencyRecord(index)
      let enrolled = try await AuditLog.append(
        tx, key: signingKey, actor: officer, method: "cqmon.v1.RegistryService/EnrollAgency", requestSHA256: Digest.sha256Hex("enrol \(index)"),
        recordSHA256: fingerprint, at: base)
      try await tx.insertAgency(AgencyRow(
        creditCode: agency, name: "机构 \(index)", status: .listed, districtCode: "500103", enrolledAt: base, listedAt: base, version: 1))
      try await tx.insertCertificate(CertificateRow(
        serial: String(format: "%032x", index + 1), creditCode: agency, subject: "CN=\(agency)", notBefore: base,
        notAfter: base.addingTimeInterval(365 * 86_400), sha256Fingerprint: fingerprint, issuedAt: base, audit: enrolled))
      let number = try await tx.nextNumber(in: .application)
      let submitted = try await AuditLog.append(
        tx, key: signingKey, actor: actor, method: "cqmon.v1.RegistryService/SubmitApplication",
        requestSHA256: Digest.sha256Hex("apply \(index)"), recordSHA256: Digest.sha256Hex(agencyRecord), at: base)
      // The review's entry, whose digest is of the id and the decision (no reasons).
      let reviewed = try JSONEncoder().encode([IDSequence.application.id(number), "approve"])
      _ = try await AuditLog.append(
        tx, key: signingKey, actor: officer, method: "cqmon.v1.RegistryService/ReviewApplication",
        requestSHA256: Digest.sha256Hex("review \(index)"), recordSHA256: Digest.sha256Hex(String(decoding: reviewed, as: UTF8.self)), at: base)
      try await tx.insertApplication(ApplicationRow(
        id: IDSequence.application.id(number), creditCode: agency, status: .approved, materials: agencyRecord, warnings: "[]",
        submittedAt: base, submittedBy: actor, decision: .approve, reasons: "[]", reviewedBy: officer, reviewedAt: base, audit: submitted))
      try await tx.insertAgencyVersion(AgencyVersionRow(
        creditCode: agency, version: 1, since: base, name: "机构 \(index)", status: .listed, record: agencyRecord,
        recordSHA256: Digest.sha256Hex(agencyRecord)))
      try await tx.replaceAgencyStaff(creditCode: agency, idNumbers: ["11010519491231002X"])
    }
  }
  // The agencies' record verified, as VerifyAuditLog does, before the million rows (which are
  // submissions decided without their review's entry, so do not verify): every entry, every
  // covered row, every derived table rebuilt; and the resident memory it took.
  // Writing 5 to clear_refs resets the peak (VmHWM) to the resident size now.
  try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
  let resident = residentMiB()
  var verification: AuditLog.Verification?
  result.verifySeconds = seconds(try await ContinuousClock().measure {
    verification = try await AuditLog.verifyRecord(store, registry: registry, filing: Filing(store: store, signingKey: signingKey))
  })
  result.verifyMiB = residentPeakMiB() - resident
  if let verification, !verification.intact {
    FileHandle.standardError.write(Data("\(engine): the benchmark's record does not verify: \(verification.problem ?? "") \(verification.mismatches.prefix(3))\n".utf8))
    exit(1)
  }
  result.verifiedEntries = verification?.entries ?? 0

  try await withInProcessServer(registry: registry, store: store) { client in
    let registry = Cqmon_V1_RegistryService.Client(wrapping: client)
    // Each cold page is one never read before: 80 pages of 100 cover 8,000 agencies.
    var token = ""
    var cold: [Double] = []
    for _ in 0..<21 {
      let page = token
      cold.append(seconds(try await ContinuousClock().measure {
        token = try await registry.listAgencies(.with { $0.pageSize = 100; $0.pageToken = page }).nextPageToken
      }))
    }
    result.agenciesCold = cold.sorted()[10]
    result.agenciesWarm = try await median(21) { _ = try await registry.listAgencies(.with { $0.pageSize = 100 }) }
    result.agenciesNoMatch = try await median(21) { _ = try await registry.listAgencies(.with { $0.pageSize = 100; $0.districtCode = "500199" }) }
  }

  func single() async throws -> Double {
    try await median(101) { try await store.writeRegistry { try await write($0, index: 0) } }
  }

  let started = ContinuousClock.now
  var written = 0
  while written < rows {
    let from = written
    let elapsed = try await ContinuousClock().measure {
      try await store.writeRegistry { tx in
        for index in from..<min(from + batch, rows) { try await write(tx, index: index) }
      }
    }
    written = min(from + batch, rows)
    if from == 0 {
      result.firstBatch = seconds(elapsed) / Double(batch)
      result.singleEarly = try await single()
    }
    if written >= rows { result.lastBatch = seconds(elapsed) / Double(written - from) }
    if written % 100_000 == 0 { FileHandle.standardError.write(Data("\(engine): \(written) rows\n".utf8)) }
  }
  result.loadSeconds = seconds(ContinuousClock.now - started)
  result.singleLate = try await single()

  // Newest first, approved only: the first page, and the page that starts 990,000 rows in.
  let filter = ApplicationFilter(status: .approved)
  let total = Int64(agencyCount + rows + 202)
  result.firstPage = try await median(51) { _ = try await store.applications(filter, before: nil, limit: 101) }
  result.deepPage = try await median(51) { _ = try await store.applications(filter, before: total - 990_000, limit: 101) }

  return result
}

/// A city officer, for every call of the in-process server.
struct CityOfficer: IdentityResolver {
  func principal(of context: ServerContext) throws(IdentityError) -> Principal {
    try Principal(uri: "spiffe://cq-monitoring/bureau/city/bench")
  }
}

/// The server's real stack — codec, interceptors, handlers — over the in-process transport.
func withInProcessServer(registry: Registry, store: any Store, _ body: (GRPCClient<InProcessTransport.Client>) async throws -> Void) async throws {
  var quiet = Logger(label: "bench")
  quiet.logLevel = .critical
  let uploads = FileManager.default.temporaryDirectory.appendingPathComponent("bench-uploads-\(UUID())").path
  let components = MonitorServer.Components(
    registry: registry, documents: try Documents(store: store, temporaryDirectory: uploads, maxBytes: 1 << 20, signingKey: signingKey),
    filing: Filing(store: store, signingKey: signingKey), supervision: Supervision(store: store, signingKey: signingKey),
    credit: Credit(store: store, registry: registry, signingKey: signingKey),
    log: TransparencyLog(store: store, keys: SigningKeys(current: signingKey)), store: store, identity: CityOfficer(), logger: quiet, metrics: nil)
  let transport = InProcessTransport()
  let server = GRPCServer(transport: transport.server, services: components.services, interceptors: components.interceptors)
  try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    defer { server.beginGracefulShutdown() }
    try await withGRPCClient(transport: transport.client) { try await body($0) }
  }
}

var logger = Logger(label: "bench")
logger.logLevel = .warning
var results: [Result] = []
results.append(try await bench("SQLite", try SQLiteStore.temporary()))
if !postgresURL.isEmpty {
  let store = try await PostgresStore.connect(url: postgresURL, logger: logger)
  results.append(try await bench("PostgreSQL", store))
  await store.shutdown()
} else {
  FileHandle.standardError.write(Data("no PostgreSQL (--postgres URL or MONITORD_TEST_POSTGRES): SQLite only\n".utf8))
}

func ms(_ value: Double) -> String { String(format: "%.3f ms", value * 1000) }
func ratio(_ a: Double, _ b: Double) -> String { String(format: "%.2f×", a / b) }
print("rows: \(rows), batches of \(batch); medians; ratios are later ÷ earlier (target ≤ 2×)\n")
print("| measure | " + results.map(\.engine).joined(separator: " | ") + " |")
print("|---|" + results.map { _ in "---:|" }.joined())
let table: [(String, (Result) -> String)] = [
  ("insert, rows 1–1000 (per row, in a batch)", { ms($0.firstBatch) }),
  ("insert, last 1000 rows (per row, in a batch)", { ms($0.lastBatch) }),
  ("  ratio last ÷ first", { ratio($0.lastBatch, $0.firstBatch) }),
  ("one-row write transaction at 1000 rows", { ms($0.singleEarly) }),
  ("one-row write transaction at the end", { ms($0.singleLate) }),
  ("  ratio end ÷ 1000", { ratio($0.singleLate, $0.singleEarly) }),
  ("filtered page of 100, first", { ms($0.firstPage) }),
  ("filtered page of 100, after 990,000 rows", { ms($0.deepPage) }),
  ("  ratio deep ÷ first", { ratio($0.deepPage, $0.firstPage) }),
  ("ListAgencies RPC, 9,125 agencies, a page of 100 read the first time", { ms($0.agenciesCold) }),
  ("ListAgencies RPC, the same page again", { ms($0.agenciesWarm) }),
  ("ListAgencies RPC, a district matching nothing", { ms($0.agenciesNoMatch) }),
  ("inserts per second while loading", { String(format: "%.0f", Double(rows) / $0.loadSeconds) }),
  ("VerifyAuditLog, the agencies' record (entries)", { "\($0.verifiedEntries)" }),
  ("VerifyAuditLog, seconds", { String(format: "%.1f s", $0.verifySeconds) }),
  ("VerifyAuditLog, µs per entry", { String(format: "%.1f µs", $0.verifySeconds * 1e6 / Double(max($0.verifiedEntries, 1))) }),
  ("VerifyAuditLog, resident memory it added (peak, MiB)", { String(format: "%.0f", $0.verifyMiB) }),
]
for (name, value) in table {
  print("| \(name) | " + results.map(value).joined(separator: " | ") + " |")
}
