/// The home page's chart: agencies per level as bars, drawn on the server as SVG, with a title
/// and a description that say in words what the bars show.
enum LevelChart {
  static let colours = ["A": "#1a7f37", "B": "#4c9a2a", "C": "#9a6700", "D": "#bc4c00", "E": "#cf222e"]

  /// The SVG, and the same content as one sentence for the caption.
  static func render(counts: [(level: String, count: Int)], title: String, language: Language) -> (svg: String, text: String) {
    let text = counts.map { language == .zh ? "\($0.level) 级 \($0.count) 家" : "\($0.level): \($0.count)" }
      .joined(separator: language == .zh ? "，" : ", ")
    let width = 360, height = 220, top = 24, bottom = 28, left = 16
    let slot = (width - 2 * left) / max(counts.count, 1)
    let highest = max(counts.map(\.count).max() ?? 0, 1)
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="chart-title chart-desc">\
      <title id="chart-title">\(escape(title))</title><desc id="chart-desc">\(escape(text))</desc>
      """
    for (index, bar) in counts.enumerated() {
      let barHeight = (height - top - bottom) * bar.count / highest
      let x = left + index * slot + slot / 6
      let y = height - bottom - barHeight
      svg += """
        <rect x="\(x)" y="\(y)" width="\(slot * 2 / 3)" height="\(barHeight)" fill="\(colours[bar.level] ?? "#57606a")"/>\
        <text x="\(x + slot / 3)" y="\(y - 6)" text-anchor="middle" font-size="14" fill="#1b1f23">\(bar.count)</text>\
        <text x="\(x + slot / 3)" y="\(height - 8)" text-anchor="middle" font-size="16" font-weight="700" fill="#1b1f23">\(escape(bar.level))</text>
        """
    }
    return (svg + "</svg>", text)
  }

  static func escape(_ text: String) -> String {
    var escaped = ""
    for character in text {
      switch character {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"": escaped += "&quot;"
      default: escaped.append(character)
      }
    }
    return escaped
  }
}
