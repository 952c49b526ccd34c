import Logging

/// One line per log event on standard error, written through `LogSink`: plain text
/// (`2026-12-07T11:12:09.123Z info monitord: call method=… status=ok`) or one JSON object
/// (`{"ts":…,"level":…,"msg":…,"logger":…, metadata…}`, every value a string). Metadata is
/// sorted by key, so that a line reads the same every time.
public struct LineLogHandler: LogHandler {
  public enum Format: Sendable { case text, json }

  public var logLevel: Logger.Level = .info
  public var metadata: Logger.Metadata = [:]
  private let label: String
  private let format: Format
  private let sink: LogSink

  public init(label: String, format: Format = .text, sink: LogSink = .standardError) {
    self.label = label
    self.format = format
    self.sink = sink
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    let fields = Logger.Metadata.merged(metadata, event.metadata)
    let line = switch format {
    case .text: Self.text(event, label: label, fields)
    case .json: Self.json(event, label: label, fields)
    }
    sink.append(line, urgent: event.level >= .warning)
  }

  static func text(_ event: LogEvent, label: String, _ fields: [(key: String, value: Logger.MetadataValue)]) -> [UInt8] {
    var line: [UInt8] = []
    line.reserveCapacity(192)
    LogTimestamp.append(to: &line)
    line.append(UInt8(ascii: " "))
    line.append(contentsOf: event.level.rawValue.utf8)
    line.append(UInt8(ascii: " "))
    line.append(contentsOf: label.utf8)
    line.append(contentsOf: ": ".utf8)
    line.append(contentsOf: "\(event.message)".utf8)
    for (key, value) in fields {
      line.append(UInt8(ascii: " "))
      line.append(contentsOf: key.utf8)
      line.append(UInt8(ascii: "="))
      line.append(contentsOf: "\(value)".utf8)
    }
    line.append(0x0A)
    return line
  }

  static func json(_ event: LogEvent, label: String, _ fields: [(key: String, value: Logger.MetadataValue)]) -> [UInt8] {
    var line: [UInt8] = []
    line.reserveCapacity(256)
    line.append(contentsOf: #"{"ts":""#.utf8)
    LogTimestamp.append(to: &line)
    line.append(contentsOf: #"","level":"#.utf8)
    append(string: event.level.rawValue, to: &line)
    line.append(contentsOf: #","msg":"#.utf8)
    append(string: "\(event.message)", to: &line)
    line.append(contentsOf: #","logger":"#.utf8)
    append(string: label, to: &line)
    for (key, value) in fields where !["ts", "level", "msg", "logger"].contains(key) {
      line.append(UInt8(ascii: ","))
      append(string: key, to: &line)
      line.append(UInt8(ascii: ":"))
      append(string: "\(value)", to: &line)
    }
    line.append(contentsOf: "}\n".utf8)
    return line
  }

  /// `text` as a JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped.
  static func append(string text: String, to line: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    line.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): line.append(contentsOf: #"\""#.utf8)
      case UInt8(ascii: "\\"): line.append(contentsOf: #"\\"#.utf8)
      case 0x0A: line.append(contentsOf: #"\n"#.utf8)
      case 0x0D: line.append(contentsOf: #"\r"#.utf8)
      case 0x09: line.append(contentsOf: #"\t"#.utf8)
      case 0..<0x20: line.append(contentsOf: #"\u00"#.utf8); line.append(hex[Int(byte >> 4)]); line.append(hex[Int(byte & 0xF)])
      default: line.append(byte)
      }
    }
    line.append(UInt8(ascii: "\""))
  }
}
