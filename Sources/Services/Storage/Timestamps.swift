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
    let day = CalendarDate.civil(dayNumber: Int(days))
    let hour = Int(rest / 3_600_000), minute = Int(rest / 60_000 % 60), second = Int(rest / 1000 % 60), milli = Int(rest % 1000)
    guard (0...9999).contains(day.year) else {  // never for a real record, but not a crash
      return padded(day.year, 4) + "-" + padded(day.month, 2) + "-" + padded(day.day, 2) + "T" + padded(hour, 2) + ":"
        + padded(minute, 2) + ":" + padded(second, 2) + "." + padded(milli, 3) + "Z"
    }
    // Every field fits its width: the 24 bytes written in place, not a string per field.
    return String(unsafeUninitializedCapacity: 24) { buffer in
      var position = 0
      func put(_ value: Int, _ width: Int, _ separator: Unicode.Scalar) {
        var remaining = value
        for offset in stride(from: width - 1, through: 0, by: -1) {
          buffer[position + offset] = UInt8(48 + remaining % 10)
          remaining /= 10
        }
        buffer[position + width] = UInt8(ascii: separator)
        position += width + 1
      }
      put(day.year, 4, "-")
      put(day.month, 2, "-")
      put(day.day, 2, "T")
      put(hour, 2, ":")
      put(minute, 2, ":")
      put(second, 2, ".")
      put(milli, 3, "Z")
      return position
    }
  }

  /// Parses what `format` writes, and the same without the fraction; nil for anything else.
  public static func parse(_ text: String) -> Date? {
    var text = text
    return text.withUTF8 { parse(bytes: $0) }
  }

  private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
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

  private static func padded(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }

  private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
    var value = 0
    for byte in bytes[start..<start + count] {
      guard (48...57).contains(byte) else { return nil }
      value = value * 10 + Int(byte - 48)
    }
    return value
  }
}
