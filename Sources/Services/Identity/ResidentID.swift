/// A resident identity card number (公民身份号码, GB 11643-1999): 17 digits and a check
/// character (a digit or `X`); digits 7 to 14 are the birth date.
///
/// Personal data: `masked` is what logs and other agencies see; the full number is stored and
/// shown only to the filing agency and officers.
public struct ResidentID: Hashable, Sendable, Codable, CustomStringConvertible {
  public let rawValue: String

  public init(validating text: String) throws(ResidentIDError) {
    let bytes = Array(text.utf8)
    guard bytes.count == 18 else { throw .length(bytes.count) }
    var sum = 0
    for index in 0..<17 {
      guard let digit = Self.digit(bytes[index]) else { throw .character(position: index + 1) }
      sum += digit * Self.weights[index]
    }
    let expected = Self.checks[sum % 11]
    guard bytes[17] == expected || (expected == UInt8(ascii: "X") && bytes[17] == UInt8(ascii: "x")) else {
      if bytes[17] != UInt8(ascii: "X"), Self.digit(bytes[17]) == nil { throw .character(position: 18) }
      throw .checkCharacter(expected: Character(UnicodeScalar(expected)))
    }
    let year = Self.number(bytes[6..<10])
    let month = Self.number(bytes[10..<12])
    let day = Self.number(bytes[12..<14])
    guard let birth = CalendarDate(year: year, month: month, day: day), year >= 1900 else {
      throw .birthDate(String(decoding: bytes[6..<14], as: UTF8.self))
    }
    self.birthDate = birth
    rawValue = String(decoding: bytes[0..<17] + [expected], as: UTF8.self)
  }

  /// The birth date the number encodes.
  public let birthDate: CalendarDate

  /// `3604**********0071`: the region's first four digits and the last four.
  public var masked: String {
    String(rawValue.prefix(4)) + String(repeating: "*", count: 10) + String(rawValue.suffix(4))
  }

  public var description: String { masked }

  /// The masked form of any ID number as given (valid or not), for explanations and logs.
  public static func masked(_ idNumber: String) -> String {
    guard idNumber.count > 8 else { return String(repeating: "*", count: idNumber.count) }
    return String(idNumber.prefix(4)) + String(repeating: "*", count: idNumber.count - 8) + String(idNumber.suffix(4))
  }

  /// The number made of these 17 digits and their check character (for generating data:
  /// simulators, benchmarks); nil when `digits` is not 17 digits.
  public static func completing(_ digits: String) -> String? {
    let bytes = Array(digits.utf8)
    guard bytes.count == 17 else { return nil }
    var sum = 0
    for index in 0..<17 {
      guard let digit = digit(bytes[index]) else { return nil }
      sum += digit * weights[index]
    }
    return digits + String(UnicodeScalar(checks[sum % 11]))
  }

  private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  private static let checks = Array("10X98765432".utf8)

  private static func digit(_ byte: UInt8) -> Int? {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
  }

  private static func number(_ bytes: ArraySlice<UInt8>) -> Int {
    bytes.reduce(0) { $0 * 10 + (digit($1) ?? 0) }
  }
}

/// Why a text is not a resident ID number (GB 11643-1999).
public enum ResidentIDError: Error, Hashable, Sendable, CustomStringConvertible {
  case length(Int)
  case character(position: Int)
  case checkCharacter(expected: Character)
  case birthDate(String)

  public var reason: String {
    switch self {
    case .length: "ID_NUMBER_LENGTH"
    case .character: "ID_NUMBER_CHARACTER"
    case .checkCharacter: "ID_NUMBER_CHECK_CHARACTER"
    case .birthDate: "ID_NUMBER_BIRTH_DATE"
    }
  }

  public var description: String {
    switch self {
    case .length(let count): "a resident ID number has 18 characters, not \(count) (GB 11643-1999)"
    case .character(let position): "character \(position) must be a digit (the 18th may be X) (GB 11643-1999)"
    case .checkCharacter(let expected): "the check character does not match; the first 17 digits give \(expected) (GB 11643-1999)"
    case .birthDate(let text): "digits 7 to 14 (\(text)) are not a real birth date (GB 11643-1999)"
    }
  }
}
