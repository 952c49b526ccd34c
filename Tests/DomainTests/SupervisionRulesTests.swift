import Foundation
import Services
import Testing

/// The rules of supervision that need no store: the random draw (Art. 22), the working-day
/// calendar, complaint deadlines and the masking of a complainant's contact.
@Suite("Supervision rules")
struct SupervisionRulesTests {
  // MARK: - The draw

  /// The known-answer vector: 28 candidates over every stratum, a pool of four with conflicts.
  /// The expected values were computed by an independent implementation (Python's `hmac`
  /// module, following docs/officers.md's description), not by this code.
  static let vector: InspectionDraw.Inputs = {
    var candidates: [InspectionDraw.Candidate] = []
    candidates += (1...4).map { .init(creditCode: "A\($0)", level: "A", verifiedComplaint: false) }
    candidates += (1...10).map { .init(creditCode: String(format: "B%02d", $0), level: "B", verifiedComplaint: false) }
    candidates += (1...5).map { .init(creditCode: "C\($0)", level: "C", verifiedComplaint: false) }
    candidates += [
      .init(creditCode: "D1", level: "D", verifiedComplaint: false), .init(creditCode: "E1", level: "E", verifiedComplaint: true),
      .init(creditCode: "K1", level: "A", verifiedComplaint: true), .init(creditCode: "K2", level: nil, verifiedComplaint: true),
    ]
    candidates += (1...4).map { .init(creditCode: "U\($0)", level: nil, verifiedComplaint: false) }
    return InspectionDraw.Inputs(
      seed: Array(0..<32), periodStart: "2026-01-01", periodEnd: "2026-06-30", districtCode: "500103", shares: .defaults,
      candidates: candidates.reversed(),
      pool: [
        .init(id: "ipr-000004", conflicts: []), .init(id: "ipr-000002", conflicts: ["E1", "D1"]), .init(id: "ipr-000001", conflicts: ["D1"]),
        .init(id: "ipr-000003", conflicts: []),
      ])
  }()

  @Test("the known-answer vector: inputs digest, strata, agencies and inspectors")
  func knownAnswer() throws {
    let inputs = Self.vector
    #expect(inputs.sha256 == "4f0779aa8341f3abf1dd24d309625d2e68a8f36bc25f5914b19fda0ef43e93d9")
    let draw = try InspectionDraw(inputs)
    #expect(draw.strata.map { "\($0.name) \($0.population) \($0.drawn)" } == [
      "A 4 0", "B 10 1", "C 5 1", "D 1 1", "E 1 1", "UNRATED 4 2", "COMPLAINT 2 1",
    ])
    #expect(draw.drawn.map { "\($0.creditCode) \($0.stratum) \($0.inspectorIDs.joined(separator: ","))" } == [
      "B06 B ipr-000004,ipr-000003", "C3 C ipr-000004,ipr-000001", "D1 D ipr-000003,ipr-000004", "E1 E ipr-000004,ipr-000001",
      "K1 COMPLAINT ipr-000004,ipr-000003", "U3 UNRATED ipr-000004,ipr-000001", "U4 UNRATED ipr-000004,ipr-000002",
    ])
    #expect(draw.ranks["A1"] == "5dea95d94e7799cb04a4ae2b9a72a42460421e26a9c83389458e836aaeeb038c")
  }

  @Test("the same inputs always give the same plan; another seed another")
  func reproducible() throws {
    let first = try InspectionDraw(Self.vector)
    // The order the candidates and the pool arrive in does not matter.
    var shuffled = Self.vector
    shuffled = InspectionDraw.Inputs(
      seed: shuffled.seed, periodStart: shuffled.periodStart, periodEnd: shuffled.periodEnd, districtCode: shuffled.districtCode,
      shares: shuffled.shares, candidates: shuffled.candidates.shuffled(), pool: shuffled.pool.shuffled())
    #expect(try InspectionDraw(shuffled) == first)
    #expect(shuffled.sha256 == Self.vector.sha256)
    var reseeded = Self.vector
    reseeded.seed = Array(repeating: 7, count: 32)
    #expect(try InspectionDraw(reseeded).drawn != first.drawn)
    #expect(reseeded.sha256 != Self.vector.sha256)
  }

  @Test(
    "counts: A, B, C round down (Art. 22's maxima), the rest round up, in integers",
    arguments: [
      (0, 500, false, 0), (19, 500, false, 0), (20, 500, false, 1), (39, 500, false, 1), (40, 500, false, 2), (10, 1000, false, 1),
      (9, 1000, false, 0), (7, 3000, false, 2), (10, 3000, false, 3), (1, 3000, true, 1), (4, 3000, true, 2), (10, 3000, true, 3),
      (3, 5000, true, 2), (5, 10_000, true, 5), (0, 10_000, true, 0), (1_000_003, 500, false, 50_000),
    ])
  func counts(population: Int, basisPoints: Int, roundsUp: Bool, expected: Int) {
    #expect(InspectionDraw.count(population: population, basisPoints: basisPoints, roundsUp: roundsUp) == expected)
  }

  @Test("proportions: the share drawn never exceeds Art. 22's maximum for A, B and C")
  func proportions() throws {
    for population in 0...60 {
      for (level, maximum) in [("A", 500), ("B", 1000), ("C", 3000)] {
        let inputs = InspectionDraw.Inputs(
          seed: Array(repeating: UInt8(population), count: 32), periodStart: "2026-01-01", periodEnd: "2026-12-31", districtCode: "",
          shares: .defaults, candidates: (0..<population).map { .init(creditCode: "\(level)\($0)", level: level, verifiedComplaint: false) },
          pool: [.init(id: "ipr-1", conflicts: []), .init(id: "ipr-2", conflicts: [])])
        let drawn = try InspectionDraw(inputs).drawn.count
        #expect(drawn * 10_000 <= population * maximum)
        #expect((drawn + 1) * 10_000 > population * maximum, "the most the share allows")
      }
    }
  }

  @Test("strata: D and E whatever the complaints, then COMPLAINT, then UNRATED, then the level")
  func strata() {
    #expect(InspectionDraw.Candidate(creditCode: "x", level: "E", verifiedComplaint: true).stratum == "E")
    #expect(InspectionDraw.Candidate(creditCode: "x", level: "D", verifiedComplaint: false).stratum == "D")
    #expect(InspectionDraw.Candidate(creditCode: "x", level: "A", verifiedComplaint: true).stratum == "COMPLAINT")
    #expect(InspectionDraw.Candidate(creditCode: "x", level: nil, verifiedComplaint: true).stratum == "COMPLAINT")
    #expect(InspectionDraw.Candidate(creditCode: "x", level: nil, verifiedComplaint: false).stratum == "UNRATED")
    #expect(InspectionDraw.Candidate(creditCode: "x", level: "B", verifiedComplaint: false).stratum == "B")
  }

  @Test("conflicts: an inspector is never sent to an agency they declared a conflict with; too few left is refused")
  func conflicts() throws {
    let candidates = (1...30).map { InspectionDraw.Candidate(creditCode: "D\($0)", level: "D", verifiedComplaint: false) }
    let pool = (1...4).map { index in
      InspectionDraw.Inspector(id: "ipr-\(index)", conflicts: candidates.indices.filter { $0 % 4 == index - 1 }.map { candidates[$0].creditCode })
    }
    let inputs = InspectionDraw.Inputs(
      seed: Array(repeating: 1, count: 32), periodStart: "2026-01-01", periodEnd: "2026-12-31", districtCode: "", shares: .defaults,
      candidates: candidates, pool: pool)
    let draw = try InspectionDraw(inputs)
    #expect(draw.drawn.count == 30)
    for drawn in draw.drawn {
      #expect(drawn.inspectorIDs.count == 2 && Set(drawn.inspectorIDs).count == 2)
      for id in drawn.inspectorIDs { #expect(!pool.first { $0.id == id }!.conflicts.contains(drawn.creditCode)) }
    }
    // Three of the four in conflict with D1: one is left, and the draw says which agency lacks.
    var short = inputs
    short.pool = [
      .init(id: "ipr-1", conflicts: ["D1"]), .init(id: "ipr-2", conflicts: ["D1"]), .init(id: "ipr-3", conflicts: ["D1"]),
      .init(id: "ipr-4", conflicts: []),
    ]
    #expect(throws: InspectionDraw.Shortfall(creditCodes: ["D1"])) { try InspectionDraw(short) }
  }

  @Test("the canonical text: one line per field, candidates by code, inspectors by id")
  func canonicalText() {
    let inputs = InspectionDraw.Inputs(
      seed: [0xAB] + Array(repeating: 0, count: 31), periodStart: "2026-01-01", periodEnd: "2026-03-31", districtCode: "",
      shares: InspectionDraw.Shares(a: 250, b: 1000, c: 3000, unrated: 3000, complaint: 5000),
      candidates: [.init(creditCode: "Z", level: "C", verifiedComplaint: false), .init(creditCode: "M", level: nil, verifiedComplaint: true)],
      pool: [.init(id: "ipr-2", conflicts: ["Z", "M"]), .init(id: "ipr-1", conflicts: [])])
    #expect(inputs.canonicalText == """
      cqmon-draw-v1
      seed ab\(String(repeating: "0", count: 62))
      period 2026-01-01 2026-03-31
      district city
      share A 250
      share B 1000
      share C 3000
      share D 10000
      share E 10000
      share UNRATED 3000
      share COMPLAINT 5000
      candidate M - 1
      candidate Z C 0
      inspector ipr-1 -
      inspector ipr-2 M,Z

      """)
  }

  // MARK: - Working days and complaint deadlines

  @Test(
    "working days: the three worked examples of domain.md, and weekends, holidays and adjusted working days",
    arguments: [
      ("2025-09-26", 15, "2025-10-23"), ("2024-09-27", 15, "2024-10-23"), ("2026-02-09", 15, "2026-03-06"),
      // Friday + 3 working days: the next Wednesday.
      ("2025-03-07", 3, "2025-03-12"),
      // Before the 2025 National Day holiday (Oct 1–8 off, Sat Oct 11 worked).
      ("2025-09-30", 3, "2025-10-11"),
      // Sunday 2025-09-28 is an adjusted working day.
      ("2025-09-26", 1, "2025-09-28"),
      // Across the new year: 2025-12-31 Wednesday; 2026-01-01 to 03 off, Sunday 2026-01-04 worked.
      ("2025-12-31", 1, "2026-01-04"),
      ("2023-01-20", 3, "2023-01-30"),
    ])
  func workingDays(start: String, count: Int, expected: String) throws {
    #expect(try WorkingDays.shipped.adding(count, after: CalendarDate(start)!) == CalendarDate(expected)!)
  }

  @Test("a count that runs into a year without a calendar is refused, never guessed")
  func missingYear() throws {
    #expect(throws: WorkingDays.MissingCalendar(year: 2027)) { try WorkingDays.shipped.adding(3, after: CalendarDate("2026-12-30")!) }
    #expect(throws: WorkingDays.MissingCalendar(year: 2022)) { try WorkingDays.shipped.adding(1, after: CalendarDate("2022-06-01")!) }
    #expect(try WorkingDays.shipped.adding(1, after: CalendarDate("2026-12-30")!) == CalendarDate("2026-12-31")!)
  }

  @Test("weekdays: ISO numbering from the day number")
  func weekdays() {
    #expect(CalendarDate("1970-01-01")!.weekday == 4)
    #expect(CalendarDate("2026-11-30")!.weekday == 1)
    #expect(CalendarDate("1969-12-28")!.weekday == 7)
  }

  static func complaint(status: ComplaintRecord.Status, acceptBy: String?, concludeBy: String?) -> ComplaintRecord {
    ComplaintRecord(
      id: "cmp-000001", channel: 1, creditCode: "91500000MA5U7XXXXX", districtCode: "500103", receivedAt: Date(timeIntervalSince1970: 0),
      content: "x", channelReference: "", complainantContact: "13812345678", attachments: [], status: status,
      acceptBy: acceptBy.flatMap(CalendarDate.init), acceptedAt: nil, concludeBy: concludeBy.flatMap(CalendarDate.init), extension_: nil,
      resolution: nil, handledBy: "", recordedAt: Date(timeIntervalSince1970: 0), recordedBy: "")
  }

  @Test("overdue: past the day of its next decision, and only while undecided")
  func overdue() {
    let today = CalendarDate("2025-06-10")!
    #expect(!Self.complaint(status: .received, acceptBy: "2025-06-10", concludeBy: nil).isOverdue(on: today), "due today is not late")
    #expect(Self.complaint(status: .received, acceptBy: "2025-06-09", concludeBy: nil).isOverdue(on: today))
    #expect(Self.complaint(status: .open, acceptBy: "2025-01-01", concludeBy: "2025-06-09").isOverdue(on: today))
    #expect(!Self.complaint(status: .open, acceptBy: "2025-01-01", concludeBy: "2025-06-11").isOverdue(on: today))
    #expect(!Self.complaint(status: .verified, acceptBy: "2025-01-01", concludeBy: "2025-01-02").isOverdue(on: today))
    #expect(!Self.complaint(status: .received, acceptBy: nil, concludeBy: nil).isOverdue(on: today), "no calendar: no day to be late for")
  }

  @Test("a complainant's contact is masked: the ends kept, the middle starred")
  func masking() {
    #expect(ComplaintRecord.mask("13812345678") == "138****5678")
    #expect(ComplaintRecord.mask("wang@example.cn") == "wan********e.cn")
    #expect(ComplaintRecord.mask("12345") == "1***5")
    #expect(ComplaintRecord.mask("ab") == "**")
    #expect(ComplaintRecord.mask("") == "")
  }
}
