import Foundation

/// What a year's evaluation reads, gathered by the store in a few aggregate queries.
public struct EvaluationInputs: Sendable, Equatable {
  public struct Agency: Sendable, Equatable {
    public var creditCode: String
    public var name: String
    public var enrolledAt: Date
    public var listedAt: Date?
    public var removedAt: Date?
    /// Activities filed (not withdrawn) with sampling begun in the year.
    public var activities: Int

    public init(creditCode: String, name: String, enrolledAt: Date, listedAt: Date?, removedAt: Date?, activities: Int) {
      self.creditCode = creditCode
      self.name = name
      self.enrolledAt = enrolledAt
      self.listedAt = listedAt
      self.removedAt = removedAt
      self.activities = activities
    }
  }

  /// Verified findings raised in the year, counted by agency, category and rule.
  public struct Findings: Sendable, Equatable {
    public var creditCode: String
    public var category: Int
    public var rule: String
    public var count: Int

    public init(creditCode: String, category: Int, rule: String, count: Int) {
      self.creditCode = creditCode
      self.category = category
      self.rule = rule
      self.count = count
    }
  }

  /// Verified evidence of the year on an indicator.
  public struct Evidence: Sendable, Equatable {
    public var creditCode: String
    public var indicatorCode: String
    public var centipoints: Int

    public init(creditCode: String, indicatorCode: String, centipoints: Int) {
      self.creditCode = creditCode
      self.indicatorCode = indicatorCode
      self.centipoints = centipoints
    }
  }

  public var agencies: [Agency]
  public var findings: [Findings]
  public var evidence: [Evidence]
  /// The Art. 16 case decided in the year, by agency (the first, if several).
  public var art16Cases: [String: Int]

  public init(agencies: [Agency], findings: [Findings], evidence: [Evidence], art16Cases: [String: Int]) {
    self.agencies = agencies
    self.findings = findings
    self.evidence = evidence
    self.art16Cases = art16Cases
  }
}

/// A year's evaluation (Art. 13, 15, 16), as a pure function of its inputs: the same inputs,
/// indicator system and year always give the same result, byte for byte (`canonicalJSON`).
///
/// - Who: every agency listed at some time in the year with at least one activity filed in it
///   is rated; every other agency enrolled by the year's end is listed as not rated, with why.
/// - Score: each indicator's weight, less the deductions of the agency's verified findings of
///   the year, plus its verified evidence's points, kept between 0 and the weight; the score is
///   their sum, 0 to 100, in hundredths.
/// - Rank: by score, high to low; equal scores share a rank (1, 2, 2, 4).
/// - Level: with n agencies ranked, ranks 1 to ⌊n·A⌋ are A, to ⌊n·(A+B)⌋ B, to ⌊n·(A+B+C)⌋ C,
///   the rest D; a tie across a boundary takes the better level, so equal scores get equal
///   levels.
/// - E: an agency with an Art. 16 case decided in the year is E whatever its score, unranked.
public struct CreditEvaluation: Codable, Sendable, Equatable {
  public struct IndicatorResult: Codable, Sendable, Equatable {
    public var code: String
    public var points: Int
    public var findings: Int
    public var deducted: Int
    public var evidence: Int
  }

  public struct Rating: Codable, Sendable, Equatable {
    public var creditCode: String
    public var name: String
    /// `A` to `E`.
    public var level: String
    /// Centipoints, 0 to 10,000; 0 for a direct E.
    public var score: Int
    /// From 1; 0 for a direct E.
    public var rank: Int
    /// The Art. 16 case of a direct E; 0 otherwise.
    public var art16Case: Int
    public var indicators: [IndicatorResult]
  }

  public struct Exclusion: Codable, Sendable, Equatable {
    public static let noBusiness = 1, notListed = 2

    public var creditCode: String
    public var reason: Int
    public var detail: String
  }

  public var year: Int
  public var indicatorVersion: Int
  public var shares: IndicatorSystem.Shares
  /// The last rank of each level A, B and C.
  public var aThrough: Int
  public var bThrough: Int
  public var cThrough: Int
  /// By rank, ties by credit code; then the direct E ratings by credit code.
  public var ratings: [Rating]
  /// By credit code.
  public var excluded: [Exclusion]

  public init(year: Int, system: IndicatorSystem, inputs: EvaluationInputs) {
    let start = CreditYear.start(year), end = CreditYear.start(year + 1)
    let findings = Dictionary(grouping: inputs.findings, by: \.creditCode)
    let evidence = Dictionary(grouping: inputs.evidence, by: \.creditCode)
    var scored: [Rating] = []
    var direct: [Rating] = []
    var excluded: [Exclusion] = []
    for agency in inputs.agencies.sorted(by: { $0.creditCode < $1.creditCode }) where agency.enrolledAt < end {
      let listedInYear = agency.listedAt.map { $0 < end && (agency.removedAt.map { $0 >= start } ?? true) } ?? false
      if !listedInYear {
        excluded.append(Exclusion(creditCode: agency.creditCode, reason: Exclusion.notListed, detail: "not listed at any time in \(year)"))
        continue
      }
      if let art16 = inputs.art16Cases[agency.creditCode] {
        direct.append(Rating(creditCode: agency.creditCode, name: agency.name, level: "E", score: 0, rank: 0, art16Case: art16, indicators: []))
        continue
      }
      if agency.activities == 0 {
        excluded.append(Exclusion(
          creditCode: agency.creditCode, reason: Exclusion.noBusiness, detail: "no monitoring activity filed in \(year) (Art. 13)"))
        continue
      }
      let indicators = Self.score(system, findings: findings[agency.creditCode] ?? [], evidence: evidence[agency.creditCode] ?? [])
      scored.append(Rating(
        creditCode: agency.creditCode, name: agency.name, level: "", score: indicators.reduce(0) { $0 + $1.points }, rank: 0, art16Case: 0,
        indicators: indicators))
    }
    scored.sort { ($0.score, $1.creditCode) > ($1.score, $0.creditCode) }
    let n = scored.count
    aThrough = n * system.shares.a / 10_000
    bThrough = n * (system.shares.a + system.shares.b) / 10_000
    cThrough = n * (system.shares.a + system.shares.b + system.shares.c) / 10_000
    for index in scored.indices {
      scored[index].rank = index > 0 && scored[index].score == scored[index - 1].score ? scored[index - 1].rank : index + 1
      let rank = scored[index].rank
      scored[index].level = rank <= aThrough ? "A" : rank <= bThrough ? "B" : rank <= cThrough ? "C" : "D"
    }
    self.year = year
    indicatorVersion = system.version
    shares = system.shares
    ratings = scored + direct
    self.excluded = excluded
  }

  /// Each indicator's points for an agency's findings and evidence.
  static func score(_ system: IndicatorSystem, findings: [EvaluationInputs.Findings], evidence: [EvaluationInputs.Evidence]) -> [IndicatorResult] {
    system.indicators.map { indicator in
      var count = 0, deducted = 0
      for finding in findings {
        let each = indicator.deduction(category: finding.category, rule: finding.rule)
        if each > 0 {
          count += finding.count
          deducted += each * finding.count
        }
      }
      let added = evidence.filter { $0.indicatorCode == indicator.code }.reduce(0) { $0 + $1.centipoints }
      return IndicatorResult(
        code: indicator.code, points: min(max(indicator.weight - deducted + added, 0), indicator.weight), findings: count, deducted: deducted,
        evidence: added)
    }
  }

  /// The result's canonical bytes (`canonicalJSON(_:)`).
  public var canonicalJSON: Data { Credit.canonicalJSON(self) }

  public var sha256: String { Digest.sha256Hex(Array(canonicalJSON)) }
}
