import Logging

/// One JSON object per line on standard error: `{"ts":…,"level":…,"msg":…,"logger":…, metadata…}`,
/// every value a string, written through `LogSink`.
public struct JSONLogHandler: LogHandler {
  public var logLevel: Logger.Level = .info
  public var metadata: Logger.Metadata = [:]
  private let label: String
  private let sink: LogSink

  public init(label: String, sink: LogSink = .standardError) {
    self.label = label
    self.sink = sink
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var line: [UInt8] = []
    line.reserveCapacity(256)
    line.append(contentsOf: #"{"ts":""#.utf8)
    LogTimestamp.append(to: &line)
    line.append(contentsOf: #"","level":"#.utf8)
    Self.append(string: event.level.rawValue, to: &line)
    line.append(contentsOf: #","msg":"#.utf8)
    Self.append(string: "\(event.message)", to: &line)
    line.append(contentsOf: #","logger":"#.utf8)
    Self.append(string: label, to: &line)
    for (key, value) in Logger.Metadata.merged(metadata, event.metadata) where !["ts", "level", "msg", "logger"].contains(key) {
      line.append(UInt8(ascii: ","))
      Self.append(string: key, to: &line)
      line.append(UInt8(ascii: ":"))
      Self.append(string: "\(value)", to: &line)
    }
    line.append(contentsOf: "}\n".utf8)
    sink.append(line, urgent: event.level >= .warning)
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
