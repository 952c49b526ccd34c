import Foundation

/// One year's public holidays and adjusted working days (调休), from the State Council's
/// yearly notice.
public struct HolidayCalendar: Sendable, Equatable, Codable {
  public var year: Int
  /// Weekdays off.
  public var daysOff: Set<CalendarDate>
  /// Saturdays and Sundays worked.
  public var workingWeekendDays: Set<CalendarDate>

  public init(year: Int, daysOff: Set<CalendarDate>, workingWeekendDays: Set<CalendarDate>) {
    self.year = year
    self.daysOff = daysOff
    self.workingWeekendDays = workingWeekendDays
  }

  enum CodingKeys: String, CodingKey {
    case year, daysOff, workingWeekendDays
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    year = try container.decode(Int.self, forKey: .year)
    daysOff = Set(try container.decode([CalendarDate].self, forKey: .daysOff))
    workingWeekendDays = Set(try container.decode([CalendarDate].self, forKey: .workingWeekendDays))
  }

  /// Days in order, so that the same calendar always encodes to the same bytes.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(year, forKey: .year)
    try container.encode(daysOff.sorted(), forKey: .daysOff)
    try container.encode(workingWeekendDays.sorted(), forKey: .workingWeekendDays)
  }

  /// Whether `day` (of this year) is a working day.
  public func isWorkingDay(_ day: CalendarDate) -> Bool {
    if workingWeekendDays.contains(day) { return true }
    if daysOff.contains(day) { return false }
    return day.weekday <= 5
  }
}

/// Chinese working days (weekends and public holidays off, adjusted weekend days on), for the
/// years whose calendar is known. A count that runs into a year with no calendar has no answer:
/// it is never guessed.
public struct WorkingDays: Sendable, Equatable {
  public var calendars: [Int: HolidayCalendar]

  public init(_ calendars: [HolidayCalendar]) {
    self.calendars = Dictionary(calendars.map { ($0.year, $0) }, uniquingKeysWith: { _, last in last })
  }

  /// The calendars shipped with the server, 2023–2026, from the State Council's notices
  /// (`../shared/domain.md`).
  public static let shipped = WorkingDays(ShippedHolidays.all)

  /// A count ran into a year whose calendar is not loaded.
  public struct MissingCalendar: Error, Sendable, Equatable {
    public var year: Int

    public init(year: Int) {
      self.year = year
    }
  }

  /// The `count`th working day after `day` (counting from the day after).
  public func adding(_ count: Int, after day: CalendarDate) throws(MissingCalendar) -> CalendarDate {
    var current = day
    var remaining = count
    while remaining > 0 {
      current = current.adding(days: 1)
      guard let calendar = calendars[current.year] else { throw MissingCalendar(year: current.year) }
      if calendar.isWorkingDay(current) { remaining -= 1 }
    }
    return current
  }
}

/// The State Council's holiday notices for 2023–2026.
enum ShippedHolidays {
  static let all: [HolidayCalendar] = [
    calendar(
      2023, off: ["01-01...01-02", "01-21...01-27", "04-05", "04-29...05-03", "06-22...06-24", "09-29...10-06"],
      work: ["01-28", "01-29", "04-23", "05-06", "06-25", "10-07", "10-08"]),
    calendar(
      2024, off: ["01-01", "02-10...02-17", "04-04...04-06", "05-01...05-05", "06-10", "09-15...09-17", "10-01...10-07"],
      work: ["02-04", "02-18", "04-07", "04-28", "05-11", "09-14", "09-29", "10-12"]),
    calendar(
      2025, off: ["01-01", "01-28...02-04", "04-04...04-06", "05-01...05-05", "05-31...06-02", "10-01...10-08"],
      work: ["01-26", "02-08", "04-27", "09-28", "10-11"]),
    calendar(
      2026, off: ["01-01...01-03", "02-15...02-23", "04-04...04-06", "05-01...05-05", "06-19...06-21", "09-25...09-27", "10-01...10-07"],
      work: ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"]),
  ]

  /// Days given as `MM-DD` or ranges `MM-DD...MM-DD`. Weekend days inside a range are off
  /// anyway; they are kept, harmlessly.
  private static func calendar(_ year: Int, off: [String], work: [String]) -> HolidayCalendar {
    func day(_ text: Substring) -> CalendarDate { CalendarDate("\(year)-\(text)")! }
    var daysOff = Set<CalendarDate>()
    for item in off {
      let bounds = item.split(separator: ".", omittingEmptySubsequences: true)
      let first = day(bounds[0])
      let last = bounds.count > 1 ? day(bounds[1]) : first
      for number in first.dayNumber...last.dayNumber { daysOff.insert(CalendarDate(dayNumber: number)) }
    }
    return HolidayCalendar(year: year, daysOff: daysOff, workingWeekendDays: Set(work.map { day(Substring($0)) }))
  }
}
