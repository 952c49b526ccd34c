import Foundation
import LIMSSimulation
@testable import Services
import Testing

/// An activity's stored JSON is written field by field (`ActivityContent.json`); it must be
/// byte for byte what `JSONEncoder` wrote before, or the digests of new versions would differ
/// in kind from the old and readers would meet two spellings of one content.
@Suite("Activity JSON: the hand-written encoder writes JSONEncoder's bytes")
struct ActivityJSONTests {
  @Test("the filing rules' activity, an empty one, and one with every optional absent")
  func fixedContents() {
    var sparse = FilingRulesTests.activity()
    sparse.client = nil
    sparse.report = nil
    sparse.samplingEvents[0].location = nil
    sparse.samplingEvents[0].startedAt = nil
    sparse.analyses[0].rawRecord = nil
    for content in [FilingRulesTests.activity(), ActivityContent(), sparse] {
      #expect(content.json == Registry.json(content))
    }
  }

  @Test("strings needing escapes, non-ASCII text and numbers of every shape")
  func awkwardValues() {
    var content = FilingRulesTests.activity()
    content.projectNumber = "a\"b\\c/d\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f} é 中文 \u{2028} 😀"
    content.client?.name = "重庆市\"某某\"公司 / 分部"
    content.samplingEvents[0].location = GeoPoint(latitude: 29, longitude: 106.55)
    content.samplingEvents[0].startedAt = Date(timeIntervalSinceReferenceDate: 0)
    content.samplingEvents[0].endedAt = Date(timeIntervalSinceReferenceDate: 1e16)
    content.analyses[0].startedAt = Date(timeIntervalSinceReferenceDate: -0.5)
    content.analyses[0].endedAt = Date(timeIntervalSinceReferenceDate: 1.25e-7)
    #expect(content.json == Registry.json(content))
  }

  @Test("two hundred generated contents (a fixed seed)")
  func generated() {
    var random = SimulationRandom(seed: 20_261_130)
    for _ in 0..<200 {
      let content = Self.content(&random)
      #expect(content.json == Registry.json(content))
      #expect(Registry.decode(ActivityContent.self, content.json) == content)
    }
  }

  static func content(_ random: inout SimulationRandom) -> ActivityContent {
    func text() -> String {
      let pieces = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\u{1}", "é", "中", "😀", "mg/L", "HJ 828-2017"]
      return (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }
    func date() -> Date? {
      Bool.random(using: &random) ? nil : Date(timeIntervalSinceReferenceDate: Double.random(in: -1e9...2e9, using: &random).rounded(.down)
        + [0, 0.5, 0.125, 0.001].randomElement(using: &random)!)
    }
    func document() -> DocumentRef? { Bool.random(using: &random) ? nil : DocumentRef(sha256: text(), title: text()) }
    var content = ActivityContent()
    content.purpose = MonitoringPurpose(rawValue: Int.random(in: 0...7, using: &random))!
    content.projectNumber = text()
    if Bool.random(using: &random) {
      var client = ClientInfo()
      client.name = text()
      client.creditCode = text()
      client.contactName = text()
      client.contactPhone = text()
      client.address = text()
      client.contractNumber = text()
      content.client = client
    }
    for _ in 0..<Int.random(in: 0...3, using: &random) {
      var event = SamplingEvent()
      event.eventID = text()
      event.startedAt = date()
      event.endedAt = date()
      event.siteName = text()
      event.districtCode = text()
      event.location = Bool.random(using: &random)
        ? GeoPoint(latitude: Double.random(in: 28...33, using: &random), longitude: Double.random(in: 105...111, using: &random).rounded()) : nil
      event.medium = text()
      event.samplerIDNumbers = (0..<Int.random(in: 0...2, using: &random)).map { _ in text() }
      event.sampleIDs = (0..<Int.random(in: 0...3, using: &random)).map { _ in text() }
      event.records = (0..<Int.random(in: 0...2, using: &random)).compactMap { _ in document() }
      content.samplingEvents.append(event)
    }
    for _ in 0..<Int.random(in: 0...4, using: &random) {
      var analysis = Analysis()
      analysis.sampleID = text()
      analysis.parameter = text()
      analysis.methodStandard = text()
      analysis.analystIDNumber = text()
      analysis.instrumentID = text()
      analysis.startedAt = date()
      analysis.endedAt = date()
      analysis.result = text()
      analysis.unit = text()
      analysis.detectionLimit = text()
      analysis.rawRecord = document()
      content.analyses.append(analysis)
    }
    if Bool.random(using: &random) {
      var report = ReportInfo()
      report.reportNumber = text()
      report.issuedOn = Bool.random(using: &random) ? CalendarDate(year: 2024, month: Int.random(in: 1...12, using: &random), day: 9)! : nil
      report.signatoryIDNumbers = (0..<Int.random(in: 0...2, using: &random)).map { _ in text() }
      report.conclusion = text()
      report.document = document()
      content.report = report
    }
    return content
  }
}
