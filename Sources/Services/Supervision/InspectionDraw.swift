import Foundation

/// The random draw of agencies and inspectors (Art. 22, 双随机一公开), version `cqmon-draw-v1`.
/// Deterministic: the same inputs always give the same plan, so that anyone holding a plan's
/// inputs (the plan carries them all) re-runs it and gets the same agencies and inspectors.
/// docs/officers.md ("The random draw") states the algorithm in words; this is the one place it is
/// written in code, and `monctl inspections verify-plan` runs this same code on the plan it
/// reads. `InspectionDrawTests` pins it with a known-answer vector.
///
/// 1. Each candidate falls in one stratum: its level if D or E; else `COMPLAINT` if a complaint
///    about it was verified in the last 12 months; else `UNRATED` if it has no level; else its
///    level A, B or C.
/// 2. Each stratum draws k of its n candidates, its share s in basis points (1/100 %):
///    A, B, C round down, k = ⌊n·s/10000⌋ (Art. 22's shares are maxima); the others round up,
///    k = ⌈n·s/10000⌉ (their shares are a minimum of extra scrutiny); D and E take all.
/// 3. A stratum's candidates are ranked by HMAC-SHA256(seed, "agency|" + credit code), as lower
///    case hex, lowest first; the first k are drawn.
/// 4. For each agency drawn, in credit-code order, the inspectors of the pool without a
///    declared conflict with it are ranked by HMAC-SHA256(seed, "inspector|" + credit code +
///    "|" + inspector id); the first two are sent.
public struct InspectionDraw: Sendable, Equatable {
  public static let algorithm = "cqmon-draw-v1"
  /// Inspectors sent to each agency (国办发〔2015〕58号: at least two).
  public static let inspectorsPerAgency = 2
  /// The order strata are reported in.
  public static let strata = ["A", "B", "C", "D", "E", "UNRATED", "COMPLAINT"]

  /// An agency the draw could pick.
  public struct Candidate: Sendable, Equatable, Codable {
    public var creditCode: String
    /// `A` to `E`; nil when unrated.
    public var level: String?
    /// A complaint about it was verified in the 12 months before the draw.
    public var verifiedComplaint: Bool

    public init(creditCode: String, level: String?, verifiedComplaint: Bool) {
      self.creditCode = creditCode
      self.level = level
      self.verifiedComplaint = verifiedComplaint
    }

    /// Step 1.
    public var stratum: String {
      if let level, level == "D" || level == "E" { return level }
      if verifiedComplaint { return "COMPLAINT" }
      return level ?? "UNRATED"
    }
  }

  /// An inspector the draw could send.
  public struct Inspector: Sendable, Equatable, Codable {
    public var id: String
    /// Credit codes of the agencies they declared a conflict with.
    public var conflicts: [String]

    public init(id: String, conflicts: [String]) {
      self.id = id
      self.conflicts = conflicts.sorted()
    }
  }

  /// Shares per stratum in basis points (500 = 5 %).
  public struct Shares: Sendable, Equatable, Codable {
    public var a: Int
    public var b: Int
    public var c: Int
    public var unrated: Int
    public var complaint: Int

    /// Art. 22's maxima for A, B and C; the project's defaults for the others (docs/officers.md).
    public static let defaults = Shares(a: 500, b: 1000, c: 3000, unrated: 3000, complaint: 5000)

    public init(a: Int, b: Int, c: Int, unrated: Int, complaint: Int) {
      self.a = a
      self.b = b
      self.c = c
      self.unrated = unrated
      self.complaint = complaint
    }

    /// The share of a stratum, and whether its count rounds up.
    public func of(_ stratum: String) -> (basisPoints: Int, roundsUp: Bool) {
      switch stratum {
      case "A": (a, false)
      case "B": (b, false)
      case "C": (c, false)
      case "UNRATED": (unrated, true)
      case "COMPLAINT": (complaint, true)
      default: (10_000, true)
      }
    }
  }

  /// Everything the draw depends on.
  public struct Inputs: Sendable, Equatable {
    public var seed: [UInt8]
    /// `YYYY-MM-DD`.
    public var periodStart: String
    public var periodEnd: String
    /// Empty for the city.
    public var districtCode: String
    public var shares: Shares
    public var candidates: [Candidate]
    public var pool: [Inspector]

    public init(
      seed: [UInt8], periodStart: String, periodEnd: String, districtCode: String, shares: Shares, candidates: [Candidate], pool: [Inspector]
    ) {
      self.seed = seed
      self.periodStart = periodStart
      self.periodEnd = periodEnd
      self.districtCode = districtCode
      self.shares = shares
      self.candidates = candidates.sorted { $0.creditCode < $1.creditCode }
      self.pool = pool.sorted { $0.id < $1.id }
    }

    /// The canonical text whose SHA-256 is the plan's `inputs_sha256`: one field per line,
    /// each line ended by `\n`, candidates by credit code and inspectors by id.
    public var canonicalText: String {
      var lines = [
        InspectionDraw.algorithm,
        "seed \(Digest.hex(seed))",
        "period \(periodStart) \(periodEnd)",
        "district \(districtCode.isEmpty ? "city" : districtCode)",
      ]
      for stratum in InspectionDraw.strata { lines.append("share \(stratum) \(shares.of(stratum).basisPoints)") }
      for candidate in candidates {
        lines.append("candidate \(candidate.creditCode) \(candidate.level ?? "-") \(candidate.verifiedComplaint ? 1 : 0)")
      }
      for inspector in pool {
        lines.append("inspector \(inspector.id) \(inspector.conflicts.isEmpty ? "-" : inspector.conflicts.joined(separator: ","))")
      }
      return lines.map { $0 + "\n" }.joined()
    }

    public var sha256: String { Digest.sha256Hex(canonicalText) }
  }

  /// One stratum's draw.
  public struct Stratum: Sendable, Equatable, Codable {
    public var name: String
    public var population: Int
    public var basisPoints: Int
    public var roundsUp: Bool
    public var drawn: Int
  }

  /// An agency drawn, with its inspectors.
  public struct Drawn: Sendable, Equatable, Codable {
    public var creditCode: String
    public var stratum: String
    public var inspectorIDs: [String]
  }

  /// Agencies drawn for which the pool has too few inspectors without a conflict.
  public struct Shortfall: Error, Sendable, Equatable {
    public var creditCodes: [String]

    public init(creditCodes: [String]) {
      self.creditCodes = creditCodes
    }
  }

  public var strata: [Stratum]
  /// Sorted by credit code.
  public var drawn: [Drawn]
  /// Each candidate's rank (step 3), by credit code.
  public var ranks: [String: String]

  /// Runs the draw.
  public init(_ inputs: Inputs) throws(Shortfall) {
    let byStratum = Dictionary(grouping: inputs.candidates, by: \.stratum)
    var ranks: [String: String] = [:]
    for candidate in inputs.candidates {
      ranks[candidate.creditCode] = Self.rank(seed: inputs.seed, "agency|" + candidate.creditCode)
    }
    var strata: [Stratum] = []
    var drawn: [(code: String, stratum: String)] = []
    for name in Self.strata {
      let members = byStratum[name] ?? []
      let (basisPoints, roundsUp) = inputs.shares.of(name)
      let count = Self.count(population: members.count, basisPoints: basisPoints, roundsUp: roundsUp)
      strata.append(Stratum(name: name, population: members.count, basisPoints: basisPoints, roundsUp: roundsUp, drawn: count))
      let ranked = members.map(\.creditCode).sorted { ranks[$0]! < ranks[$1]! }
      drawn += ranked.prefix(count).map { ($0, name) }
    }
    var result: [Drawn] = []
    var short: [String] = []
    for (code, stratum) in drawn.sorted(by: { $0.code < $1.code }) {
      let eligible = inputs.pool.filter { !$0.conflicts.contains(code) }
      let chosen = eligible.map { (id: $0.id, rank: Self.rank(seed: inputs.seed, "inspector|\(code)|\($0.id)")) }
        .sorted { $0.rank < $1.rank }.prefix(Self.inspectorsPerAgency).map(\.id)
      if chosen.count < Self.inspectorsPerAgency { short.append(code) }
      result.append(Drawn(creditCode: code, stratum: stratum, inspectorIDs: chosen))
    }
    if !short.isEmpty { throw Shortfall(creditCodes: short) }
    self.strata = strata
    self.drawn = result
    self.ranks = ranks
  }

  /// Step 2, in integers: no rounding error whatever the population.
  public static func count(population: Int, basisPoints: Int, roundsUp: Bool) -> Int {
    let scaled = population * basisPoints
    return roundsUp ? (scaled + 9_999) / 10_000 : scaled / 10_000
  }

  /// Steps 3 and 4: HMAC-SHA256(seed, message) as lower-case hex.
  public static func rank(seed: [UInt8], _ message: String) -> String {
    Digest.hex(Digest.hmacSHA256(key: seed, Array(message.utf8)))
  }
}
