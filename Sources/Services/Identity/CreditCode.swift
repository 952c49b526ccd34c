/// A unified social credit code (统一社会信用代码, GB 32100-2015): the identity of an agency.
///
/// 18 characters over a 31-symbol alphabet (digits and capitals without I, O, S, V, Z); the
/// last is a check character over the first 17. Construction validates, so a `CreditCode`
/// value is always well-formed.
public struct CreditCode: Hashable, Sendable, CustomStringConvertible, Comparable {
  public let rawValue: String

  /// The code, or the rule it breaks.
  public init(validating text: String) throws(CreditCodeError) {
    let characters = Array(text.utf8)
    guard characters.count == 18 else { throw .length(characters.count) }
    var sum = 0
    for (index, character) in characters.enumerated() {
      guard let value = Self.value(of: character) else { throw .character(position: index + 1) }
      if index < 17 {
        sum += value * Self.weights[index]
      } else {
        let expected = Self.alphabet[(31 - sum % 31) % 31]
        guard character == expected else {
          throw .checkCharacter(expected: Character(UnicodeScalar(expected)))
        }
      }
    }
    rawValue = text
  }

  public var description: String { rawValue }

  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

  /// The code made of these 17 characters and their check character (for generating data:
  /// simulators, benchmarks); nil when they are not 17 characters of the alphabet.
  public static func completing(_ first17: String) -> String? {
    let characters = Array(first17.utf8)
    guard characters.count == 17 else { return nil }
    var sum = 0
    for (index, character) in characters.enumerated() {
      guard let value = value(of: character) else { return nil }
      sum += value * weights[index]
    }
    return first17 + String(UnicodeScalar(alphabet[(31 - sum % 31) % 31]))
  }

  static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
  static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

  private static func value(of character: UInt8) -> Int? {
    alphabet.firstIndex(of: character)
  }
}

/// Why a text is not a unified social credit code (GB 32100-2015).
public enum CreditCodeError: Error, Hashable, Sendable, CustomStringConvertible {
  /// Not 18 characters.
  case length(Int)
  /// A character outside `0-9A-Z` less I, O, S, V, Z, at this 1-based position.
  case character(position: Int)
  /// The 18th character is not the check character of the first 17.
  case checkCharacter(expected: Character)

  /// A stable reason for `ErrorInfo`.
  public var reason: String {
    switch self {
    case .length: "CREDIT_CODE_LENGTH"
    case .character: "CREDIT_CODE_CHARACTER"
    case .checkCharacter: "CREDIT_CODE_CHECK_CHARACTER"
    }
  }

  public var description: String {
    switch self {
    case .length(let count):
      "a unified social credit code has 18 characters, not \(count) (GB 32100-2015)"
    case .character(let position):
      "character \(position) is not one of 0-9 and A-Z without I, O, S, V, Z (GB 32100-2015)"
    case .checkCharacter(let expected):
      "the check character does not match; the first 17 characters give \(expected) (GB 32100-2015)"
    }
  }
}
