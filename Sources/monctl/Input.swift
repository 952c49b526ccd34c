import Foundation
import ProtoCodec
import Services
import Yams

/// Request files (`-f FILE`): YAML (or JSON, which YAML reads too) turned into a message
/// through the API's descriptors.
enum RequestFile {
  static func read<Message: ProtoMessage>(_ path: String, as type: Message.Type) throws(CLIError) -> Message {
    let text: String
    do {
      text = path == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw CLIError(.usage, "cannot read \(path)")
    }
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      throw CLIError(.usage, "\(path) is not valid YAML or JSON: \(error)")
    }
    guard let node else { throw CLIError(.usage, "\(path) is empty") }
    do {
      return try Message(tree: tree(node))
    } catch {
      throw CLIError(.invalid, "\(path): \(error)")
    }
  }

  static func tree(_ node: Node) -> ProtoTree {
    switch node {
    case .scalar(let scalar): .scalar(scalar.string)
    case .sequence(let sequence): .list(sequence.map(tree))
    case .mapping(let mapping): .map(mapping.map { ($0.key.string ?? "", tree($0.value)) })
    case .alias: .scalar("")
    }
  }

  /// A fresh request id, for writes the user did not name one for.
  static func requestID(_ given: String?) -> String {
    given ?? "monctl-" + UUID().uuidString.lowercased()
  }
}

extension RequestFile {
  /// A day given as `YYYY-MM-DD` on the command line.
  static func day(_ text: String, option: String) throws(CLIError) -> Cqmon_V1_Date {
    guard let day = CalendarDate(text) else { throw CLIError(.usage, "\(option) is a date YYYY-MM-DD, not '\(text)'") }
    return .with { $0.year = Int32(day.year); $0.month = Int32(day.month); $0.day = Int32(day.day) }
  }

  /// An instant given in RFC 3339 (`2026-11-30T09:30:00+08:00`) on the command line.
  static func instant(_ text: String, option: String) throws(CLIError) -> Google_Protobuf_Timestamp {
    let formatter = ISO8601DateFormatter()
    guard let date = formatter.date(from: text) else {
      throw CLIError(.usage, "\(option) is an instant in RFC 3339, e.g. 2026-11-30T09:30:00+08:00, not '\(text)'")
    }
    return .with { $0.seconds = Int64(date.timeIntervalSince1970) }
  }
}

extension Cqmon_V1_Date {
  var text: String {
    year == 0 ? "" : String(format: "%04d-%02d-%02d", year, month, day)
  }
}

extension Google_Protobuf_Timestamp {
  var text: String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
  }
}

extension ProtoEnum {
  /// The value's name without the enum's prefix: `LISTED` for `AGENCY_STATUS_LISTED`.
  var shortName: String {
    guard let name else { return String(rawValue) }
    let parts = name.split(separator: "_")
    let prefixes = Self.knownValues.compactMap(\.name).map { $0.split(separator: "_") }
    var common = 0
    while prefixes.allSatisfy({ $0.count > common && $0[common] == parts[common] }) { common += 1 }
    return parts.dropFirst(common).joined(separator: "_")
  }
}
