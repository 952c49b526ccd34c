import ArgumentParser
import Foundation
import ProtoCodec

/// How results are shown: `-o table` (aligned columns under a header) or `-o json`: the
/// replies' messages in the proto3 JSON mapping (typed numbers, booleans, nested objects), one
/// object for a single result, an array for a list.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, json
}

struct OutputOptions: ParsableArguments {
  @Option(name: .shortAndLong, help: "Output format: table or json.")
  var output: OutputFormat = .table
}

/// Rows of named columns, rendered as a table or as JSON. Every command prints through one.
struct Printer {
  let format: OutputFormat

  /// `columns` are the headers (and JSON keys, lower-cased with `_`); each row has one value
  /// per column. `single` prints JSON as one object rather than an array.
  func render(columns: [String], rows: [[String]], single: Bool = false) -> String {
    switch format {
    case .table:
      let widths = columns.indices.map { column in
        ([columns[column]] + rows.map { $0[column] }).map(Self.width).max() ?? 0
      }
      return ([columns] + rows).map { row in
        row.enumerated().map { column, value in
          column == row.count - 1 ? value : value + String(repeating: " ", count: widths[column] - Self.width(value) + 2)
        }.joined()
      }.joined(separator: "\n") + "\n"
    case .json:
      let keys = columns.map { $0.lowercased().replacingOccurrences(of: " ", with: "_") }
      let objects = rows.map { row in Dictionary(uniqueKeysWithValues: zip(keys, row)) }
      let value: Any = single && objects.count == 1 ? objects[0] : objects
      let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])) ?? Data()
      return String(decoding: data, as: UTF8.self) + "\n"
    }
  }

  /// The messages as proto3 JSON when the format is JSON; otherwise the table.
  func render<Message: ProtoMessage>(_ messages: [Message], single: Bool = false, table: () -> String) -> String {
    guard format == .json else { return table() }
    return Self.json(messages, single: single)
  }

  static func json<Message: ProtoMessage>(_ messages: [Message], single: Bool = false) -> String {
    let objects = messages.map { (try? $0.jsonString()) ?? "{}\n" }
    if single, objects.count == 1 { return objects[0] }
    guard !objects.isEmpty else { return "[]\n" }
    // Each object indented one level inside the array.
    let items = objects.map { "  " + $0.dropLast().replacingOccurrences(of: "\n", with: "\n  ") }
    return "[\n" + items.joined(separator: ",\n") + "\n]\n"
  }

  /// Display width: CJK characters take two columns in a terminal.
  static func width(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { total, scalar in
      total + ((0x1100...0x115F).contains(scalar.value) || (0x2E80...0xA4CF).contains(scalar.value)
        || (0xAC00...0xD7A3).contains(scalar.value) || (0xF900...0xFAFF).contains(scalar.value)
        || (0xFE30...0xFE4F).contains(scalar.value) || (0xFF00...0xFF60).contains(scalar.value)
        || (0xFFE0...0xFFE6).contains(scalar.value) ? 2 : 1)
    }
  }
}
