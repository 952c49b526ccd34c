import Foundation

/// Instants as stored: RFC 3339 in UTC with milliseconds (`2026-11-29T21:39:12.123Z`), which
/// sorts as text on every engine. Audit hashes and receipt signatures cover this text, so
/// `format(parse(text)) == text` for every text `format` wrote.
///
/// Written out by hand: `ISO8601DateFormatter` costs a formatter per call, and list pages
/// convert thousands of instants.
public enum Timestamps {
  public static func format(_ date: Date) -> String {
    let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    var days = milliseconds / 86_400_000
    var rest = milliseconds % 86_400_000
    if rest < 0 {
      days -= 1
      rest += 86_400_000
    }
    let day = CalendarDate(dayNumber: Int(days))
    let hour = rest / 3_600_000, minute = rest / 60_000 % 60, second = rest / 1000 % 60, milli = rest % 1000
    var text = ""
    text.reserveCapacity(24)
    append(day.year, width: 4, to: &text)
    text.append("-")
    append(day.month, width: 2, to: &text)
    text.append("-")
    append(day.day, width: 2, to: &text)
    text.append("T")
    append(Int(hour), width: 2, to: &text)
    text.append(":")
    append(Int(minute), width: 2, to: &text)
    text.append(":")
    append(Int(second), width: 2, to: &text)
    text.append(".")
    append(Int(milli), width: 3, to: &text)
    text.append("Z")
    return text
  }

  /// Parses what `format` writes, and the same without the fraction; nil for anything else.
  public static func parse(_ text: String) -> Date? {
    let bytes = Array(text.utf8)
    guard bytes.count == 24 || bytes.count == 20, bytes.last == UInt8(ascii: "Z"),
      bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
      bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
      let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let dayOfMonth = number(bytes, 8, 2),
      let hour = number(bytes, 11, 2), let minute = number(bytes, 14, 2), let second = number(bytes, 17, 2),
      hour < 24, minute < 60, second < 60,
      let day = CalendarDate(year: year, month: month, day: dayOfMonth)
    else { return nil }
    var milli = 0
    if bytes.count == 24 {
      guard bytes[19] == UInt8(ascii: "."), let fraction = number(bytes, 20, 3) else { return nil }
      milli = fraction
    }
    let total = Int64(day.dayNumber) * 86_400_000 + Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + milli)
    return Date(timeIntervalSince1970: Double(total) / 1000)
  }

  private static func append(_ value: Int, width: Int, to text: inout String) {
    let digits = String(value)
    if digits.count < width { text.append(String(repeating: "0", count: width - digits.count)) }
    text.append(digits)
  }

  private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
    var value = 0
    for byte in bytes[start..<start + count] {
      guard (48...57).contains(byte) else { return nil }
      value = value * 10 + Int(byte - 48)
    }
    return value
  }
}
