import Foundation
import GRDB
import Services
import StorageSQLite
import Synchronization

// `make bench-site`, its data: a monitord data directory holding 10,000 listed agencies across
// the city's districts, each with a scope of real size, and the year 2024 evaluated, put to
// publicity and published as the domain does it (the evaluation, publicity and publication are
// Credit's own writes, signed with the key monitord is then started with, so the bulletins
// verify). Registry rows and the year's activities go in through the store and GRDB: the site
// reads the registry as it stands and the evaluation only counts activities.
//
//   SiteBenchmark --data-dir DIR --signing-key PEM [--agencies 10000]
//
// The credit codes go to DIR/codes.txt, for the load generator.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String? = nil) -> String {
  guard let value = arguments.firstIndex(of: name).flatMap({ arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }) ?? fallback else {
    FileHandle.standardError.write(Data("SiteBenchmark: \(name) is required\n".utf8))
    exit(64)
  }
  return value
}
let directory = option("--data-dir")
let agencies = Int(option("--agencies", "10000"))!
let key = try SigningKey(name: option("--signing-name", "dev.cq-monitoring.local/audit"), pem: String(contentsOfFile: option("--signing-key")))
let year = 2024

/// The bench's clock: set to each day the bureau acts on.
final class Clock: Sendable {
  private let instant = Mutex(Date())
  func set(_ day: CalendarDate, hour: Int = 10) { instant.withLock { $0 = Date(timeIntervalSince1970: Double(day.chinaMidnight + Int64(hour) * 3600)) } }
  func now() -> Date { instant.withLock { $0 } }
}
let clock = Clock()
let store = try SQLiteStore(directory: directory)
let registry = Registry(store: store, authority: nil, signingKey: key, now: clock.now)
let credit = Credit(store: store, registry: registry, signingKey: key, now: clock.now)
func context(_ id: String) -> WriteContext {
  WriteContext(actor: "spiffe://cq-monitoring/bureau/city/bench", method: "bench/\(id)", requestID: id, requestSHA256: Digest.sha256Hex(id))
}

let codes = (0..<agencies).map { CreditCode.completing(String(format: "91500000WEB%06d", $0))! }
let parameters = [
  ("水和废水", "化学需氧量", "HJ 828-2017"), ("水和废水", "氨氮", "HJ 535-2009"), ("水和废水", "总磷", "GB 11893-1989"),
  ("水和废水", "总氮", "HJ 636-2012"), ("水和废水", "悬浮物", "GB 11901-1989"), ("环境空气和废气", "二氧化硫", "HJ 57-2017"),
  ("环境空气和废气", "氮氧化物", "HJ 693-2014"), ("环境空气和废气", "颗粒物", "HJ 836-2017"), ("噪声", "工业企业厂界环境噪声", "GB 12348-2008"),
  ("土壤和沉积物", "铅", "GB/T 17141-1997"), ("土壤和沉积物", "镉", "GB/T 17141-1997"), ("土壤和沉积物", "汞", "HJ 680-2013"),
]
func record(_ index: Int) -> String {
  var materials = ApplicationMaterials()
  var cma = CmaCertificate()
  cma.number = String(format: "2222%08d", index)
  cma.validUntil = CalendarDate(year: 2028, month: 6, day: 30)
  cma.scope = (0..<8).map { parameters[(index + $0 * 5) % parameters.count] }.map { ScopeEntry(category: $0.0, parameter: $0.1, methodStandard: $0.2) }
  materials.cmaCertificate = cma
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  return String(decoding: try! encoder.encode(materials), as: UTF8.self)
}

let started = ContinuousClock.now
let listedOn = Date(timeIntervalSince1970: Double(CalendarDate(year: year - 1, month: 6, day: 1)!.chinaMidnight))
func list(_ codes: [String], in store: any Store) async throws {
  let districts = District.all.map(\.code)
  try await store.writeRegistry { tx in
    for (index, code) in codes.enumerated() {
      let name = "重庆\(["环科", "渝检", "山城", "长江", "嘉陵"][index % 5])监测技术有限公司\(index)"
      try await tx.insertAgency(AgencyRow(
        creditCode: code, name: name, status: .listed, districtCode: districts[index % districts.count], enrolledAt: listedOn,
        listedAt: listedOn, version: 1))
      let content = record(index)
      try await tx.insertAgencyVersion(AgencyVersionRow(
        creditCode: code, version: 1, since: listedOn, name: name, status: .listed, record: content, recordSHA256: Digest.sha256Hex(content)))
    }
  }
}
try await list(codes, in: store)
// Each agency did business in the year; a share has confirmed findings, so the levels differ.
let yearStart = CreditYear.start(year)
try store.writer.write { db in
  let activity = try db.makeStatement(sql: """
    INSERT INTO activity (id, number, credit_code, status, version, filed_at, report_number, client_name, sampled_from, sampled_until)
    VALUES (?, ?, ?, 'filed', 1, ?, ?, '客户', ?, ?)
    """)
  let finding = try db.makeStatement(sql: """
    INSERT INTO finding (id, credit_code, category, source, source_id, description, raised_at, verified, rule, fields, status, number)
    VALUES (?, ?, ?, 3, 'act', 'x', ?, 1, '', '[]', 'confirmed', ?)
    """)
  var findings = 0
  for (index, code) in codes.enumerated() {
    let sampled = yearStart.addingTimeInterval(Double(index % 300 + 10) * 86_400)
    try activity.execute(arguments: [
      IDSequence.activity.id(Int64(index + 1)), index + 1, code, Timestamps.format(sampled.addingTimeInterval(7200)), "R-\(index)",
      Timestamps.format(sampled), Timestamps.format(sampled.addingTimeInterval(3600)),
    ])
    for k in 0..<(index * 7919 % 7) {
      findings += 1
      try finding.execute(arguments: [IDSequence.finding.id(Int64(findings)), code, (index + k * 3) % 7 + 1, Timestamps.format(sampled), findings])
    }
  }
}

clock.set(CalendarDate(year: year + 1, month: 1, day: 6)!)
let system = IndicatorSystem(
  version: 0, title: "基准测试指标", sources: ["bench"],
  indicators: [
    .init(code: "BQ-01", name: "资质", dimension: 1, weight: 2000, rule: "r", deductions: [.init(category: 2, centipoints: 500)]),
    .init(code: "BE-01", name: "规范", dimension: 2, weight: 2500, rule: "r", deductions: [.init(category: 1, centipoints: 300), .init(category: 3, centipoints: 300)]),
    .init(code: "BE-02", name: "真实", dimension: 2, weight: 2500, rule: "r", deductions: [.init(category: 7, centipoints: 2500)]),
    .init(code: "OM-01", name: "运营", dimension: 3, weight: 1500, rule: "r", deductions: [.init(category: 5, centipoints: 300), .init(category: 6, centipoints: 300), .init(category: 4, centipoints: 1500)]),
    .init(code: "IR-01", name: "诚信", dimension: 4, weight: 1500, rule: "r"),
  ],
  shares: .init(a: 1500, b: 3500, c: 3500))
_ = try await credit.putIndicators(system, context: context("indicators"))
let (draft, _) = try await credit.evaluate(year: year, indicatorVersion: nil, context: context("evaluate"))
let (publicity, _) = try await credit.startPublicity(
  evaluationID: draft.id, startsOn: CalendarDate(year: year + 1, month: 1, day: 7), context: context("publicity"))
clock.set(publicity.publicityEnd!.adding(days: 1))
let (published, _) = try await credit.publish(evaluationID: draft.id, context: context("publish"))
let levels = Dictionary(grouping: published.result.ratings, by: \.level).mapValues(\.count).sorted { $0.key < $1.key }
let elapsed = ContinuousClock.now - started
try codes.joined(separator: "\n").write(toFile: (directory as NSString).appendingPathComponent("codes.txt"), atomically: true, encoding: .utf8)
print("SiteBenchmark: \(agencies) agencies listed, \(year) published (\(levels.map { "\($0.key) \($0.value)" }.joined(separator: ", "))) in \(elapsed.components.seconds) s")
