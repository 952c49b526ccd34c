import Foundation

/// A calendar date (China Standard Time), with the arithmetic the rules need: whole days,
/// calendar months (Art. 5's one month) and years (Art. 20's bans).
public struct CalendarDate: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
  public let year: Int
  public let month: Int
  public let day: Int

  /// Nil unless the date exists (1 ≤ month ≤ 12, the day within the month, leap years kept).
  public init?(year: Int, month: Int, day: Int) {
    guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
      day <= Self.daysIn(month: month, year: year)
    else { return nil }
    self.year = year
    self.month = month
    self.day = day
  }

  public static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  public static func isLeap(_ year: Int) -> Bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
  }

  /// The same day `months` calendar months later; when that month is shorter, its last day
  /// (31 January + 1 month = 28 or 29 February).
  public func adding(months: Int) -> CalendarDate {
    let total = year * 12 + (month - 1) + months
    let newYear = total / 12
    let newMonth = total % 12 + 1
    return CalendarDate(year: newYear, month: newMonth, day: min(day, Self.daysIn(month: newMonth, year: newYear)))!
  }

  public func adding(years: Int) -> CalendarDate { adding(months: years * 12) }

  /// Days since 1970-01-01 (negative before).
  public var dayNumber: Int {
    // Howard Hinnant's days_from_civil.
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  public init(dayNumber: Int) {
    let civil = Self.civil(dayNumber: dayNumber)
    self.init(year: civil.year, month: civil.month, day: civil.day)!
  }

  /// The proleptic Gregorian date of a day number, for any day (year 0 and before, or after
  /// 9999, included, which `CalendarDate` itself does not hold).
  public static func civil(dayNumber: Int) -> (year: Int, month: Int, day: Int) {
    let z = dayNumber + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  public func adding(days: Int) -> CalendarDate { CalendarDate(dayNumber: dayNumber + days) }

  /// The date in China Standard Time (UTC+8) of an instant given in seconds since 1970.
  public init(chinaTimeOf seconds: Int64) {
    self.init(dayNumber: Int((seconds + 8 * 3600).floorDivided(by: 86_400)))
  }

  /// The date in China Standard Time (UTC+8) of an instant.
  public init(chinaDayOf instant: Date) {
    self.init(chinaTimeOf: Int64(instant.timeIntervalSince1970.rounded(.down)))
  }

  /// 1 Monday … 7 Sunday (ISO 8601).
  public var weekday: Int {
    // 1970-01-01 was a Thursday.
    let offset = (dayNumber + 3) % 7
    return (offset < 0 ? offset + 7 : offset) + 1
  }

  /// When this day begins in China Standard Time (UTC+8), in seconds since 1970.
  public var chinaMidnight: Int64 { Int64(dayNumber) * 86_400 - 8 * 3600 }

  /// `2026-01-31`; also the parse format.
  public var description: String {
    let m = month < 10 ? "0\(month)" : "\(month)"
    let d = day < 10 ? "0\(day)" : "\(day)"
    return "\(year)-\(m)-\(d)"
  }

  public init?(_ text: String) {
    let parts = text.split(separator: "-")
    guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else {
      return nil
    }
    self.init(year: y, month: m, day: d)
  }

  public static func < (lhs: Self, rhs: Self) -> Bool {
    (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
  }
}

extension Int64 {
  fileprivate func floorDivided(by divisor: Int64) -> Int64 {
    let quotient = self / divisor
    return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
  }
}
