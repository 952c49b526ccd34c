/// Spelling rules: Swift names in the style of swift-protobuf, C names exactly as protoc-c
/// spells them (protoc-c's `FullNameToC`, `FullNameToLower` and `FieldName`).
enum Names {
  /// `cqmon.v1` → `Cqmon_V1_`.
  static func swiftPrefix(package: String) -> String {
    guard !package.isEmpty else { return "" }
    return package.split(separator: ".").map { upperCamel(String($0)) }.joined(separator: "_") + "_"
  }

  /// protoc-c `ToCamel` per dotted piece, joined by `__`.
  static func cType(_ fullName: String) -> String {
    fullName.split(separator: ".").map { cToCamel(String($0)) }.joined(separator: "__")
  }

  /// protoc-c `CamelToLower` per dotted piece, joined by `__`.
  static func cLower(_ fullName: String) -> String {
    fullName.split(separator: ".").map { cCamelToLower(String($0)) }.joined(separator: "__")
  }

  /// protoc-c `FieldName`: lower case, with `_` appended to C keywords.
  static func cField(_ name: String) -> String {
    let lower = name.lowercased()
    return cKeywords.contains(lower) ? lower + "_" : lower
  }

  /// `sampling_events` → `samplingEvents`, escaped when it is a Swift keyword.
  static func swiftProperty(_ name: String) -> String {
    escape(lowerCamel(name))
  }

  static func lowerCamel(_ name: String) -> String {
    let camel = upperCamel(name)
    return camel.prefix(1).lowercased() + camel.dropFirst()
  }

  static func upperCamel(_ name: String) -> String {
    var result = ""
    var upperNext = true
    for char in name {
      if char == "_" {
        upperNext = true
      } else if upperNext {
        result += char.uppercased()
        upperNext = false
      } else {
        result.append(char)
        upperNext = char.isNumber
      }
    }
    return result
  }

  /// An enum value's Swift name: the enum's UPPER_SNAKE prefix dropped, then lowerCamel.
  static func enumCase(_ value: String, enumName: String) -> String {
    let prefix = screamingSnake(enumName) + "_"
    var stripped = value
    if value.hasPrefix(prefix), let next = value.dropFirst(prefix.count).first, !next.isNumber {
      stripped = String(value.dropFirst(prefix.count))
    }
    return escape(lowerCamel(stripped.lowercased()))
  }

  /// `ServingStatus` → `SERVING_STATUS`.
  static func screamingSnake(_ name: String) -> String {
    var result = ""
    for (index, char) in name.enumerated() {
      if char.isUppercase, index > 0 { result += "_" }
      result += char.uppercased()
    }
    return result
  }

  static func escape(_ name: String) -> String {
    swiftKeywords.contains(name) ? "`\(name)`" : name
  }

  private static func cToCamel(_ name: String) -> String {
    var result = ""
    var upperNext = true
    for char in name {
      if char == "_" {
        upperNext = true
      } else if upperNext {
        result += char.uppercased()
        upperNext = false
      } else {
        result.append(char)
      }
    }
    return result
  }

  private static func cCamelToLower(_ name: String) -> String {
    var result = ""
    var wasUpper = true
    for char in name {
      let isUpper = char.isASCII && char.isUppercase
      if isUpper {
        if !wasUpper { result += "_" }
        result += char.lowercased()
      } else {
        result.append(char)
      }
      wasUpper = isUpper
    }
    return result
  }

  private static let cKeywords: Set<String> = [
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "int", "long", "register", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile",
    "while", "inline", "restrict", "_Bool", "_Complex", "_Imaginary",
  ]

  private static let swiftKeywords: Set<String> = [
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows",
    "static", "struct", "subscript", "typealias", "var", "break", "case", "continue", "default",
    "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch",
    "where", "while", "as", "catch", "false", "is", "nil", "super", "self", "Self", "throw",
    "throws", "true", "try", "Type", "Protocol", "any", "some",
  ]
}
