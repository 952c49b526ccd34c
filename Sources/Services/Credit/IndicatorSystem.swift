import Foundation

/// A version of the indicator system (Art. 14): the four dimensions' indicators, each with its
/// weight and how verified findings deduct from it, and the shares of Art. 15's levels. Points
/// are kept in hundredths (centipoints), so that scores add up exactly and ties are real.
public struct IndicatorSystem: Codable, Sendable, Equatable {
  /// A deduction per verified finding of a category, or of one rule of it.
  public struct Deduction: Codable, Sendable, Equatable {
    /// Art. 9 category number (1–6: 9(1)1–6; 7: 9(2)).
    public var category: Int
    public var centipoints: Int
    /// An off-site check rule, or empty for every finding of the category.
    public var rule: String

    public init(category: Int, centipoints: Int, rule: String = "") {
      self.category = category
      self.centipoints = centipoints
      self.rule = rule
    }
  }

  public struct Indicator: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    /// 1 basic quality, 2 business execution, 3 operations management, 4 integrity record.
    public var dimension: Int
    /// Its full points, in centipoints.
    public var weight: Int
    /// How it is scored, for people.
    public var rule: String
    public var deductions: [Deduction]

    public init(code: String, name: String, dimension: Int, weight: Int, rule: String, deductions: [Deduction] = []) {
      self.code = code
      self.name = name
      self.dimension = dimension
      self.weight = weight
      self.rule = rule
      self.deductions = deductions
    }

    /// What one verified finding deducts here: its rule's deduction if there is one, else its
    /// category's, else nothing.
    public func deduction(category: Int, rule: String) -> Int {
      if !rule.isEmpty, let specific = deductions.first(where: { $0.category == category && $0.rule == rule }) { return specific.centipoints }
      return deductions.first { $0.category == category && $0.rule.isEmpty }?.centipoints ?? 0
    }
  }

  /// Art. 15's shares of the ranked agencies given A, B and C, in basis points; the rest get D.
  public struct Shares: Codable, Sendable, Equatable {
    public var a: Int
    public var b: Int
    public var c: Int

    public init(a: Int, b: Int, c: Int) {
      self.a = a
      self.b = b
      self.c = c
    }
  }

  public var version: Int
  public var title: String
  public var sources: [String]
  public var indicators: [Indicator]
  public var shares: Shares
  public var createdAt: Date
  public var createdBy: String

  public init(
    version: Int, title: String, sources: [String], indicators: [Indicator], shares: Shares, createdAt: Date = Date(timeIntervalSince1970: 0),
    createdBy: String = ""
  ) {
    self.version = version
    self.title = title
    self.sources = sources
    self.indicators = indicators
    self.shares = shares
    self.createdAt = createdAt
    self.createdBy = createdBy
  }

  /// Full marks: every indicator's weight together.
  public static let fullMarks = 10_000

  /// What is wrong with a system as sent, every field at fault (paths under `system.`).
  public static func violations(_ system: IndicatorSystem) -> [FieldViolation] {
    var violations = Violations()
    violations.required("system.title", system.title, what: "the title")
    violations.length("system.title", system.title, max: 200, what: "the title")
    if system.sources.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
      violations.add("system.sources", "name at least one source of the indicators and points (a published provincial rule)", reason: "REQUIRED")
    }
    if system.indicators.isEmpty { violations.add("system.indicators", "at least one indicator", reason: "REQUIRED") }
    var codes = Set<String>()
    for (index, indicator) in system.indicators.enumerated() {
      let at = "system.indicators[\(index)]"
      if !(1...32).contains(indicator.code.count) || !indicator.code.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "-") }) {
        violations.add(at + ".code", "1 to 32 characters of A-Z, 0-9 and -", reason: "INDICATOR_CODE")
      } else if !codes.insert(indicator.code).inserted {
        violations.add(at + ".code", "\(indicator.code) is used by another indicator", reason: "DUPLICATE_CODE")
      }
      violations.required(at + ".name", indicator.name, what: "the name")
      violations.required(at + ".rule", indicator.rule, what: "how it is scored")
      if !(1...4).contains(indicator.dimension) {
        violations.add(at + ".dimension", "one of Art. 14's four dimensions", reason: "REQUIRED")
      }
      if indicator.weight <= 0 { violations.add(at + ".weight", "an indicator carries more than 0 points", reason: "WEIGHT") }
      for (number, deduction) in indicator.deductions.enumerated() {
        let path = at + ".finding_deductions[\(number)]"
        if !(1...7).contains(deduction.category) {
          violations.add(path + ".finding_category", "an Art. 9 category, 1 to 7", reason: "FINDING_CATEGORY")
        }
        if deduction.centipoints <= 0 { violations.add(path + ".points", "a deduction is more than 0 points", reason: "POINTS") }
      }
    }
    let total = system.indicators.reduce(0) { $0 + $1.weight }
    if !system.indicators.isEmpty, total != fullMarks {
      violations.add("system.indicators", "the weights sum to \(Double(total) / 100), not 100", reason: "WEIGHTS_NOT_100")
    }
    let missing = Set(1...4).subtracting(system.indicators.map(\.dimension))
    if !system.indicators.isEmpty, !missing.isEmpty {
      violations.add("system.indicators", "Art. 14's four dimensions each need an indicator; missing \(missing.sorted().map(String.init).joined(separator: ", "))", reason: "DIMENSION_MISSING")
    }
    for (field, share) in [("a_percent", system.shares.a), ("b_percent", system.shares.b), ("c_percent", system.shares.c)] where !(0...10_000).contains(share) {
      violations.add("system.level_shares.\(field)", "a share from 0 to 100", reason: "SHARE")
    }
    if system.shares.a + system.shares.b + system.shares.c > 10_000 {
      violations.add("system.level_shares", "A, B and C together are at most 100 %", reason: "SHARES_ABOVE_100")
    }
    return violations.all
  }

  /// Points given with at most two decimals, as centipoints; nil when they have more.
  public static func centipoints(_ points: Double) -> Int? {
    let scaled = (points * 100).rounded()
    guard points.isFinite, abs(scaled - points * 100) < 1e-6 else { return nil }
    return Int(scaled)
  }
}
