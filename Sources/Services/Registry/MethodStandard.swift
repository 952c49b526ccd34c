/// A method standard citation such as `HJ 565-2010`, `GB 3838-2002` or `GB/T 16157-1996`.
///
/// Documents often print an em-dash (—) or en-dash (–) for the hyphen, and sometimes no space
/// after the prefix; both are accepted and stored in one form: `PREFIX NUMBER-YEAR`.
public enum MethodStandard {
  /// The prefixes of national (GB, GB/T), environmental (HJ, HJ/T) and other sector standards
  /// cited in CMA scopes.
  static let prefixes = ["GB/T", "GB/Z", "GB", "HJ/T", "HJ", "DB50/T", "DB50", "CJ/T", "SL", "DZ/T", "NY/T", "HG/T", "JJG", "ISO", "EPA"]

  /// Citations read before, with their normalised form: every filing checks each analysis's
  /// standard against the agency's scope, the same texts again and again.
  private static let known = BoundedCache<String, String?>(capacity: 4096)

  /// The normalised citation, or nil when `text` is not one.
  public static func normalised(_ text: String) -> String? {
    if let cached = known[text] { return cached }
    let result = parse(text)
    known.store(result, for: text)
    return result
  }

  private static func parse(_ text: String) -> String? {
    var rest = String(text.trimmingCharacters(in: .whitespaces))
    if rest.contains(where: { $0 == "—" || $0 == "–" || $0 == "－" }) {
      rest = rest.replacingAll("—", with: "-").replacingAll("–", with: "-").replacingAll("－", with: "-")
    }
    let upper = rest.uppercased()
    guard let prefix = prefixes.first(where: { upper.hasPrefix($0) }) else { return nil }
    rest = String(rest.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces).description
    let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 2, let number = parts.first, let year = parts.last,
      !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }),
      year.count == 4, year.allSatisfy(\.isNumber)
    else { return nil }
    return "\(prefix) \(number)-\(year)"
  }
}

extension String {
  func replacingAll(_ target: String, with replacement: String) -> String {
    split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
  }
}

extension Substring {
  var description: String { String(self) }
}
