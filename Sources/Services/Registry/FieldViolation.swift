/// One thing wrong with a request: the field's path in the API's names (e.g.
/// `materials.staff[3].id_number`), what is wrong citing the rule, and a stable reason.
public struct FieldViolation: Hashable, Sendable, CustomStringConvertible {
  public var field: String
  public var description: String
  public var reason: String

  public init(_ field: String, _ description: String, reason: String) {
    self.field = field
    self.description = description
    self.reason = reason
  }
}

/// Collects violations under a path prefix.
struct Violations {
  private(set) var all: [FieldViolation] = []
  private(set) var warnings: [String] = []

  mutating func add(_ field: String, _ description: String, reason: String) {
    all.append(FieldViolation(field, description, reason: reason))
  }

  mutating func warn(_ text: String) {
    warnings.append(text)
  }

  /// Adds "required" when `value` is empty.
  mutating func required(_ field: String, _ value: String, what: String) {
    if value.isBlank {
      add(field, "\(what) is required", reason: "REQUIRED")
    }
  }

  mutating func length(_ field: String, _ value: String, max: Int, what: String) {
    if value.count > max { add(field, "\(what) is at most \(max) characters, not \(value.count)", reason: "TOO_LONG") }
  }

  /// A document referred to at `field`: present when `required`, its digest 64 lower-case hex
  /// characters. Returns the digest, or nil when there is none to look up.
  mutating func document(_ document: DocumentRef?, at field: String, required: Bool, what: String) -> String? {
    guard let document else {
      if required { add(field, "\(what) is required (upload it with DocumentService.Upload)", reason: "REQUIRED") }
      return nil
    }
    let digest = document.sha256
    guard digest.count == 64, digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
      add(field + ".sha256", "a document is referred to by its SHA-256: 64 lower-case hexadecimal characters", reason: "DOCUMENT_DIGEST")
      return nil
    }
    return digest
  }
}

extension String {
  /// Empty, or nothing but the whitespace `trimmingCharacters(in: .whitespaces)` removes: read
  /// scalar by scalar, stopping at the first other, as every required field of every filing is.
  var isBlank: Bool {
    unicodeScalars.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\u{3000}" }
  }

  func trimmingCharacters(in set: Set<Character>) -> Substring {
    var slice = self[...]
    while let first = slice.first, set.contains(first) { slice.removeFirst() }
    while let last = slice.last, set.contains(last) { slice.removeLast() }
    return slice
  }
}

extension Set where Element == Character {
  static let whitespaces: Set<Character> = [" ", "\t", "\u{3000}"]
}
