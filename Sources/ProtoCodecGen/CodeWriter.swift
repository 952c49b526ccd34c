/// Indented text, with doc comments made from proto comments.
struct CodeWriter {
  private(set) var text = ""
  private var depth = 0

  mutating func line(_ string: String = "") {
    text += string.isEmpty ? "\n" : String(repeating: "  ", count: depth) + string + "\n"
  }

  mutating func block(_ opening: String, _ body: (inout CodeWriter) -> Void) {
    line(opening + " {")
    depth += 1
    body(&self)
    depth -= 1
    line("}")
  }

  mutating func doc(_ comment: String) {
    var lines = comment.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.hasPrefix(" ") ? String($0.dropFirst()) : String($0)
    }
    while lines.last?.isEmpty == true { lines.removeLast() }
    for text in lines { line(text.isEmpty ? "///" : "/// " + text) }
  }
}
