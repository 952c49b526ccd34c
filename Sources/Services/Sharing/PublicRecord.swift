import Foundation

/// What the bureau publishes to everyone (Art. 9(1), 17, 19, 21), read from the store and
/// never written: the published ratings of each year with their signed bulletins and later
/// revocations, the levels under publicity with the window to object in, the public notices
/// taken as measures, and the registry's public facts of each listed agency.
///
/// Nothing personal or unpublished is in it by construction: no person's name or ID number
/// (only an agency's name, credit code, district and accreditation scope), no complaint, no
/// draft evaluation, no finding that an officer has not decided on, and no free text an
/// officer wrote for the file.
public struct PublicSnapshot: Sendable {
  /// Years with published ratings, latest first.
  public var years: [PublishedYear]
  /// An evaluation under publicity (Art. 17), if one is.
  public var publicity: Publicity?
  /// Public notices (Art. 9(1) 公开通报), latest first.
  public var notices: [PublicNotice]
  /// Listed and removed agencies by credit code (enrolled, never listed: not in the registry).
  public var agencies: [String: PublicAgency]
  /// The agencies sorted by credit code, for lists.
  public var agencyCodes: [String]
  /// How many audit log entries the snapshot has seen: it is current while the log is this long.
  public var logSize: Int64
  /// Each agency's ratings by year, latest year first, in the order the year holds them.
  private let ratingsByAgency: [String: [(year: Int, rating: PublishedRating)]]
  /// Every agency's name in lower case, as UTF-8, in `agencyCodes` order, each followed by a
  /// NUL, and where each begins: a search by name is one pass of `memmem` over it.
  private let names: [UInt8]
  private let nameStarts: [Int]

  public init(
    years: [PublishedYear], publicity: Publicity?, notices: [PublicNotice], agencies: [String: PublicAgency], agencyCodes: [String], logSize: Int64
  ) {
    self.years = years
    self.publicity = publicity
    self.notices = notices
    self.agencies = agencies
    self.agencyCodes = agencyCodes
    self.logSize = logSize
    var byAgency: [String: [(year: Int, rating: PublishedRating)]] = [:]
    for year in years {
      for rating in year.ratings { byAgency[rating.creditCode, default: []].append((year.year, rating)) }
    }
    ratingsByAgency = byAgency
    var names: [UInt8] = [], starts: [Int] = []
    for code in agencyCodes {
      starts.append(names.count)
      names += (agencies[code]?.name.lowercased().utf8).map { $0.filter { $0 != 0 } } ?? []
      names.append(0)
    }
    self.names = names
    nameStarts = starts
  }

  public static let empty = PublicSnapshot(years: [], publicity: nil, notices: [], agencies: [:], agencyCodes: [], logSize: -1)

  /// The latest year whose evaluation is published.
  public var latest: PublishedYear? { years.first(where: \.isPublished) }

  public func year(_ year: Int) -> PublishedYear? { years.first { $0.year == year } }

  /// Agencies whose name contains `text`, or whose credit code starts with it (letters in
  /// either case), by credit code; at most `limit`.
  public func search(_ text: String, limit: Int) -> [PublicAgency] {
    let needle = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !needle.isEmpty else { return [] }
    // A credit code is 18 ASCII letters and digits: only such text can begin one.
    let code = needle.uppercased()
    let byCode = code.utf8.count <= 18 && code.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) }
    // UTF-8 keeps a character's bytes together, so a byte match is a match of whole characters.
    let text = Array(needle.lowercased().utf8)
    var byName = Set<Int>()
    if !text.contains(0) {
      names.withUnsafeBytes { haystack in
        text.withUnsafeBytes { needle in
          var offset = 0
          while offset < haystack.count, byName.count < limit,
            let hit = Self.find(needle, in: UnsafeRawBufferPointer(rebasing: haystack[offset...]))
          {
            let position = haystack.baseAddress!.distance(to: UnsafeRawPointer(hit))
            // The agency whose name holds the match, and on to the next name.
            var low = 0, high = nameStarts.count - 1
            while low < high {
              let middle = (low + high + 1) / 2
              if nameStarts[middle] <= position { low = middle } else { high = middle - 1 }
            }
            byName.insert(low)
            offset = low + 1 < nameStarts.count ? nameStarts[low + 1] : haystack.count
          }
        }
      }
    }
    // The codes are sorted: those that begin with the text are one run, found by bisection.
    var matches = byName
    if byCode {
      var low = 0, high = agencyCodes.count
      while low < high {
        let middle = (low + high) / 2
        if agencyCodes[middle] < code { low = middle + 1 } else { high = middle }
      }
      while low < agencyCodes.count, agencyCodes[low].hasPrefix(code), matches.count < byName.count + limit {
        matches.insert(low)
        low += 1
      }
    }
    // Each set holds its first `limit` in code order, so the union's first `limit` are right.
    return matches.sorted().prefix(limit).compactMap { agencies[agencyCodes[$0]] }
  }

  /// Where `needle` first occurs in `haystack` (`memchr` for its first byte, `memcmp` for the rest).
  static func find(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer) -> UnsafeRawPointer? {
    guard let first = needle.first, haystack.count >= needle.count, let base = haystack.baseAddress else { return nil }
    var start = base
    let end = base + (haystack.count - needle.count + 1)
    while start < end, let hit = memchr(start, Int32(first), end - start) {
      if memcmp(hit, needle.baseAddress!, needle.count) == 0 { return UnsafeRawPointer(hit) }
      start = UnsafeRawPointer(hit) + 1
    }
    return nil
  }

  /// An agency's ratings with their years, latest year first; within a year as the year holds
  /// them (a revoked rating before the direct E that replaced it).
  public func history(of creditCode: String) -> [(year: Int, rating: PublishedRating)] {
    ratingsByAgency[creditCode] ?? []
  }

  /// Art. 21: agencies rated A or B in the latest published year and not revoked since, still
  /// listed, by level then rank; in a district and with a parameter in scope if asked.
  public func preferred(districtCode: String, parameter: String) -> [(agency: PublicAgency, rating: PublishedRating)] {
    guard let latest else { return [] }
    let parameter = parameter.trimmingCharacters(in: .whitespaces)
    return latest.ratings.compactMap { rating in
      guard rating.status == "final", rating.level == "A" || rating.level == "B", let agency = agencies[rating.creditCode],
        agency.status == .listed, districtCode.isEmpty || agency.districtCode == districtCode,
        parameter.isEmpty || agency.parameters.contains(where: { $0.localizedCaseInsensitiveContains(parameter) })
      else { return nil }
      return (agency, rating)
    }
  }

  /// Every parameter in any listed agency's scope, sorted: the buyers' list filters on these.
  public var parameters: [String] {
    Set(agencies.values.filter { $0.status == .listed }.flatMap(\.parameters)).sorted()
  }

  public func notices(about creditCode: String) -> [PublicNotice] {
    notices.filter { $0.creditCode == creditCode }
  }
}

/// A year's published results (Art. 19), with what happened to them since.
public struct PublishedYear: Sendable {
  public var year: Int
  /// The evaluation published; empty for a year of direct E ratings only (Art. 16 acts at
  /// once, before the year's evaluation is published).
  public var evaluationID: String
  public var indicatorVersion: Int
  public var publishedAt: Date?
  /// By rank, then the direct E ratings; a rating revoked by a direct E says `revoked`.
  public var ratings: [PublishedRating]
  /// The signed bulletin: its bytes are exactly what the signature covers. Nil for a year of
  /// direct E ratings only.
  public var bulletin: SignedBulletin?
  /// Ratings revoked after publication (Art. 16), by credit code.
  public var revocations: [String: Revocation]

  /// A rating revoked by a direct E, and when.
  public struct Revocation: Sendable, Equatable {
    public var levelBefore: String
    public var revokedAt: Date
  }

  /// Whether the year's evaluation is published (not only direct E ratings).
  public var isPublished: Bool { bulletin != nil }

  /// Agencies at each level A to E with a rating in force; ratings revoked since by a direct
  /// E are left out (they are counted by `revokedCount`).
  public var counts: [(level: String, count: Int)] {
    let inForce = ratings.filter { $0.status == "final" }
    return ["A", "B", "C", "D", "E"].map { level in (level, inForce.filter { $0.level == level }.count) }
  }

  public var revokedCount: Int { ratings.filter { $0.status == "revoked" }.count }

  public func rating(of creditCode: String) -> PublishedRating? {
    ratings.last { $0.creditCode == creditCode }
  }
}

/// Levels under publicity (Art. 17): 15 working days for objections (Art. 18).
public struct Publicity: Sendable {
  public var year: Int
  public var evaluationID: String
  public var indicatorVersion: Int
  public var firstDay: CalendarDate
  public var lastDay: CalendarDate
  /// The levels as they stand, objections upheld included.
  public var ratings: [CreditEvaluation.Rating]
}

/// A public notice given as an Art. 9(1) measure.
public struct PublicNotice: Sendable, Equatable {
  public var inspectionID: String
  public var creditCode: String
  public var agencyName: String
  public var takenOn: CalendarDate
  /// The inspection's district; empty when the city inspected.
  public var districtCode: String
  /// The Art. 9 categories of the inspection's findings (1–6: 9(1)1–6; 7: 9(2)).
  public var categories: [Int]
}

/// An agency as the registry shows it to the public.
public struct PublicAgency: Sendable, Equatable {
  public var creditCode: String
  public var name: String
  public var status: AgencyRecord.Status
  public var version: Int64
  public var versionSince: Date
  public var districtCode: String
  public var listedAt: Date?
  public var removedAt: Date?
  /// The CMA certificate's number and validity, and its scope by category.
  public var cmaNumber: String
  public var cmaValidUntil: CalendarDate?
  public var scope: [(category: String, parameters: Int)]
  public var parameters: [String]

  public static func == (a: PublicAgency, b: PublicAgency) -> Bool {
    a.creditCode == b.creditCode && a.version == b.version && a.status == b.status
  }
}

/// Builds `PublicSnapshot`s from a store.
public struct PublicRecord: Sendable {
  let store: any Store

  public init(store: any Store) {
    self.store = store
  }

  /// The length of the audit log: every write adds to it, so a snapshot taken at this length
  /// is current until it grows.
  public func logSize() async throws -> Int64 {
    try await store.merkleTreeSize()
  }

  /// Everything public, as the store holds it now.
  public func snapshot() async throws -> PublicSnapshot {
    let size = try await logSize()
    let agencies = try await self.agencies()
    return PublicSnapshot(
      years: try await publishedYears(), publicity: try await publicity(), notices: try await notices(agencies), agencies: agencies,
      agencyCodes: agencies.keys.sorted(), logSize: size)
  }

  func publishedYears() async throws -> [PublishedYear] {
    var filter = RecordFilter(kind: .evaluation)
    filter.statuses = ["published"]
    let rows = try await store.allRecordVersions(filter, number: IDSequence.evaluation.number(of:))
    var byYear: [Int: EvaluationRecord] = [:]
    for row in rows {
      guard let record = Registry.decode(EvaluationRecord.self, row.content), byYear[record.year] == nil else { continue }
      byYear[record.year] = record
    }
    // The feed says what changed after publication: direct E ratings and the ratings they
    // revoked (a publication's own changes are its record's ratings already).
    var changes: [RatingChangeRow] = []
    var cursor: Int64 = 0
    while true {
      let page = try await store.ratingChanges(after: cursor, limit: 1000)
      changes += page
      guard page.count == 1000, let last = page.last else { break }
      cursor = last.cursor
    }
    var years: [Int: PublishedYear] = [:]
    for record in byYear.values {
      guard let bulletin = record.bulletin, let publishedAt = record.publishedAt else { continue }
      years[record.year] = PublishedYear(
        year: record.year, evaluationID: record.id, indicatorVersion: record.result.indicatorVersion, publishedAt: publishedAt,
        ratings: Credit.published(record), bulletin: bulletin, revocations: [:])
    }
    for change in changes where change.evaluationID != years[change.year]?.evaluationID {
      guard let rating = Registry.decode(PublishedRating.self, change.rating) else { continue }
      // A direct E in a year not yet published stands on its own until that year is.
      var year = years[change.year] ?? PublishedYear(
        year: change.year, evaluationID: "", indicatorVersion: 0, publishedAt: nil, ratings: [], bulletin: nil, revocations: [:])
      switch change.kind {
      case .revoked:
        if let index = year.ratings.lastIndex(where: { $0.creditCode == change.creditCode && $0.status == "final" }) {
          year.revocations[change.creditCode] = .init(levelBefore: year.ratings[index].level, revokedAt: change.changedAt)
          year.ratings[index].status = "revoked"
        }
      case .directE:
        year.ratings.append(rating)
      case .published:
        break
      }
      years[change.year] = year
    }
    return years.values.sorted { $0.year > $1.year }
  }

  func publicity() async throws -> Publicity? {
    guard let (latest, _) = try await Credit.latestEvaluation(store, year: nil, status: "publicity"),
      let first = latest.publicityStart, let last = latest.publicityEnd
    else { return nil }
    let record = try await Credit.reviewed(store, latest)
    return Publicity(
      year: record.year, evaluationID: record.id, indicatorVersion: record.result.indicatorVersion, firstDay: first, lastDay: last,
      ratings: record.ratings)
  }

  func notices(_ agencies: [String: PublicAgency]) async throws -> [PublicNotice] {
    let rows = try await store.allRecordVersions(RecordFilter(kind: .inspection), number: IDSequence.inspection.number(of:))
    var notices: [PublicNotice] = []
    for row in rows {
      guard let inspection = Registry.decode(InspectionRecord.self, row.content) else { continue }
      let input = inspection.input
      for measure in input.measures where measure.kind == 3 {
        guard let day = measure.takenOn else { continue }
        notices.append(PublicNotice(
          inspectionID: inspection.id, creditCode: input.creditCode, agencyName: agencies[input.creditCode]?.name ?? input.creditCode,
          takenOn: day, districtCode: input.districtCode, categories: Array(Set(input.findings.map(\.category))).sorted()))
      }
    }
    return notices.sorted { ($0.takenOn, $0.inspectionID) > ($1.takenOn, $1.inspectionID) }
  }

  func agencies() async throws -> [String: PublicAgency] {
    var agencies: [String: PublicAgency] = [:]
    var after: String?
    while true {
      let page = try await store.agencies(AgencyFilter(), after: after, limit: 1000)
      for listing in page {
        let agency = listing.agency
        guard agency.status != .enrolled, let current = listing.current else { continue }
        let materials = Registry.decode(ApplicationMaterials.self, current.record)
        let scope = materials?.cmaCertificate?.scope ?? []
        var byCategory: [String: Int] = [:]
        for entry in scope { byCategory[entry.category, default: 0] += 1 }
        agencies[agency.creditCode] = PublicAgency(
          creditCode: agency.creditCode, name: agency.name, status: agency.status, version: agency.version, versionSince: current.since,
          districtCode: agency.districtCode, listedAt: agency.listedAt, removedAt: agency.removedAt,
          cmaNumber: materials?.cmaCertificate?.number ?? "", cmaValidUntil: materials?.cmaCertificate?.validUntil,
          scope: byCategory.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, parameters: Array(Set(scope.map(\.parameter))).sorted())
      }
      guard page.count == 1000, let last = page.last else { break }
      after = last.agency.creditCode
    }
    return agencies
  }
}
