import Foundation
import Services
import Testing

/// The annual evaluation's rules without a store (Art. 13–16): scores, ranks and ties, the
/// shares and their rounding, who is rated and who not, direct E, and what a valid indicator
/// system is.
@Suite("Credit rules")
struct CreditRulesTests {
  static let year = 2025
  static let inYear = CreditYear.start(year).addingTimeInterval(86_400 * 30)

  /// Two indicators of 60 and 40 points; 9(1)2 findings deduct 10 from the first (15 for
  /// STAFF_OF_TWO_AGENCIES), 9(2) findings 40 from the second; shares A 20 %, B 30 %, C 30 %.
  static let system = IndicatorSystem(
    version: 3, title: "test", sources: ["test"],
    indicators: [
      .init(code: "BQ-01", name: "能力", dimension: 1, weight: 6000, rule: "r", deductions: [.init(category: 2, centipoints: 1000), .init(category: 2, centipoints: 1500, rule: "STAFF_OF_TWO_AGENCIES")]),
      .init(code: "BE-02", name: "真实性", dimension: 2, weight: 2000, rule: "r", deductions: [.init(category: 7, centipoints: 4000)]),
      .init(code: "OM-01", name: "运营", dimension: 3, weight: 1000, rule: "r"),
      .init(code: "IR-01", name: "诚信", dimension: 4, weight: 1000, rule: "r"),
    ],
    shares: .init(a: 2000, b: 3000, c: 3000))

  static func agency(_ code: String, activities: Int = 5, listed: Date? = inYear, removed: Date? = nil) -> EvaluationInputs.Agency {
    .init(creditCode: code, name: "机构\(code)", enrolledAt: inYear.addingTimeInterval(-86_400 * 400), listedAt: listed, removedAt: removed, activities: activities)
  }

  @Test("a score: each indicator's weight less its findings' deductions plus evidence, kept between 0 and the weight")
  func scoring() {
    let inputs = EvaluationInputs(
      agencies: [Self.agency("X")],
      findings: [
        .init(creditCode: "X", category: 2, rule: "", count: 2), .init(creditCode: "X", category: 2, rule: "STAFF_OF_TWO_AGENCIES", count: 1),
        .init(creditCode: "X", category: 7, rule: "", count: 1), .init(creditCode: "X", category: 5, rule: "LATE_CHANGE", count: 4),
      ],
      evidence: [.init(creditCode: "X", indicatorCode: "IR-01", centipoints: -350), .init(creditCode: "X", indicatorCode: "OM-01", centipoints: 500)],
      art16Cases: [:])
    let rating = CreditEvaluation(year: Self.year, system: Self.system, inputs: inputs).ratings[0]
    let byCode = Dictionary(uniqueKeysWithValues: rating.indicators.map { ($0.code, $0) })
    // 60 − 2×10 − 15 = 25; 20 − 40 → 0 (never below); 10 + 5 → 10 (never above); 10 − 3.5 = 6.5.
    #expect(byCode["BQ-01"].map { ($0.points, $0.findings, $0.deducted) } ?? (0, 0, 0) == (2500, 3, 3500))
    #expect(byCode["BE-02"]?.points == 0 && byCode["BE-02"]?.deducted == 4000)
    #expect(byCode["OM-01"]?.points == 1000 && byCode["OM-01"]?.evidence == 500, "a category no indicator deducts for costs nothing")
    #expect(byCode["IR-01"]?.points == 650)
    #expect(rating.score == 2500 + 0 + 1000 + 650)
  }

  @Test("ranks: high to low, equal scores share a rank; levels by cumulative shares, a tie taking the better level")
  func ranksAndTies() {
    // Ten agencies: scores 100, 90, 90, 80, 70, 70, 70, 60, 50, 40 (deductions of 10 points each).
    let deductions = [0, 1, 1, 2, 3, 3, 3, 4, 5, 6]
    let codes = (0..<10).map { "C\($0)" }
    let inputs = EvaluationInputs(
      agencies: codes.map { Self.agency($0) },
      findings: zip(codes, deductions).filter { $0.1 > 0 }.map { .init(creditCode: $0.0, category: 2, rule: "", count: $0.1) },
      evidence: [], art16Cases: [:])
    let result = CreditEvaluation(year: Self.year, system: Self.system, inputs: inputs)
    // n = 10: A through rank ⌊10·20%⌋ = 2, B through ⌊10·50%⌋ = 5, C through ⌊10·80%⌋ = 8.
    #expect((result.aThrough, result.bThrough, result.cThrough) == (2, 5, 8))
    #expect(result.ratings.map(\.rank) == [1, 2, 2, 4, 5, 5, 5, 8, 9, 10])
    #expect(result.ratings.map(\.level) == ["A", "A", "A", "B", "B", "B", "B", "C", "D", "D"], "C1 and C2 tie at rank 2: both A")
    #expect(result.ratings.map(\.creditCode) == ["C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"])
    // Equal scores, equal levels, whatever the order the agencies come in.
    let shuffled = CreditEvaluation(year: Self.year, system: Self.system, inputs: .init(agencies: inputs.agencies.shuffled(), findings: inputs.findings.shuffled(), evidence: [], art16Cases: [:]))
    #expect(shuffled == result)
    #expect(shuffled.canonicalJSON == result.canonicalJSON && shuffled.sha256 == result.sha256)
  }

  @Test(
    "shares: the boundaries are cumulative floors of n",
    arguments: [(0, 0, 0, 0), (1, 0, 0, 0), (3, 0, 1, 2), (4, 0, 2, 3), (5, 1, 2, 4), (7, 1, 3, 5), (100, 20, 50, 80), (10_001, 2000, 5000, 8000)])
  func shares(n: Int, a: Int, b: Int, c: Int) {
    let inputs = EvaluationInputs(agencies: (0..<n).map { Self.agency(String(format: "A%05d", $0)) }, findings: [], evidence: [], art16Cases: [:])
    let result = CreditEvaluation(year: Self.year, system: Self.system, inputs: inputs)
    #expect((result.aThrough, result.bThrough, result.cThrough) == (a, b, c))
    // All tied at 100: all take the best level there is room for.
    if n > 0 { #expect(Set(result.ratings.map(\.level)) == [a > 0 ? "A" : b > 0 ? "B" : c > 0 ? "C" : "D"]) }
  }

  @Test("who is rated: listed at some time in the year with an activity; the rest say why; an Art. 16 case is E")
  func whoIsRated() {
    let start = CreditYear.start(Self.year), end = CreditYear.start(Self.year + 1)
    let inputs = EvaluationInputs(
      agencies: [
        Self.agency("RATED"),
        Self.agency("IDLE", activities: 0),
        Self.agency("NEVER", listed: nil),
        Self.agency("LATER", listed: end.addingTimeInterval(3600)),
        Self.agency("GONE", removed: start.addingTimeInterval(-3600)),
        Self.agency("LEFT", removed: start.addingTimeInterval(3600)),
        Self.agency("FRAUD"),
        .init(creditCode: "NEW", name: "n", enrolledAt: end.addingTimeInterval(60), listedAt: nil, removedAt: nil, activities: 0),
      ],
      findings: [], evidence: [], art16Cases: ["FRAUD": 4])
    let result = CreditEvaluation(year: Self.year, system: Self.system, inputs: inputs)
    #expect(result.ratings.map { "\($0.creditCode) \($0.level) \($0.rank) \($0.art16Case)" } == ["LEFT B 1 0", "RATED B 1 0", "FRAUD E 0 4"], "n = 2: A through 0, B through 1")
    #expect(result.excluded.map { "\($0.creditCode) \($0.reason)" } == ["GONE 2", "IDLE 1", "LATER 2", "NEVER 2"], "not yet enrolled: not listed at all")
  }

  @Test("reproducible: the same inputs give the same bytes; another indicator version another result")
  func reproducible() {
    let inputs = EvaluationInputs(
      agencies: [Self.agency("X"), Self.agency("Y")], findings: [.init(creditCode: "Y", category: 7, rule: "", count: 1)], evidence: [],
      art16Cases: [:])
    let first = CreditEvaluation(year: Self.year, system: Self.system, inputs: inputs)
    #expect(CreditEvaluation(year: Self.year, system: Self.system, inputs: inputs).canonicalJSON == first.canonicalJSON)
    var other = Self.system
    other.version = 4
    #expect(CreditEvaluation(year: Self.year, system: other, inputs: inputs).sha256 != first.sha256)
    #expect(String(decoding: first.canonicalJSON, as: UTF8.self).hasPrefix("{\"aThrough\":0,\"bThrough\":1,"))
  }

  @Test("an indicator system: codes, weights summing to 100, the four dimensions, shares, sources")
  func validation() {
    #expect(IndicatorSystem.violations(Self.system).isEmpty)
    var bad = Self.system
    bad.title = ""
    bad.sources = [" "]
    bad.indicators[1].code = "BQ-01"
    bad.indicators[2].weight = 999
    bad.indicators[3].dimension = 1
    bad.indicators[0].deductions.append(.init(category: 9, centipoints: 0))
    bad.shares = .init(a: 5000, b: 5000, c: 100)
    #expect(IndicatorSystem.violations(bad).map(\.field) == [
      "system.title", "system.sources", "system.indicators[0].finding_deductions[2].finding_category",
      "system.indicators[0].finding_deductions[2].points", "system.indicators[1].code", "system.indicators", "system.indicators",
      "system.level_shares",
    ])
    #expect(IndicatorSystem.centipoints(12.5) == 1250 && IndicatorSystem.centipoints(0.01) == 1 && IndicatorSystem.centipoints(1.005) == nil)
  }
}
