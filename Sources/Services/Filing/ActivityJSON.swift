import Foundation

/// The JSON an activity's content is stored as, written field by field: byte for byte what
/// `Registry.json` (Foundation's `JSONEncoder`, sorted keys) writes for the same content, at a
/// small part of the cost. Profiles of `make bench-filing` found the encoder's generic,
/// reflective path costing more CPU per filing than every statement of the write together.
/// `ActivityJSONTests` hold the two equal, fields in sorted order and all.
extension ActivityContent {
  public var json: String {
    var writer = JSONWriter()
    write(to: &writer)
    return writer.text
  }
}

/// A value written as JSON the way `JSONEncoder` writes its synthesised `Codable`: keys in
/// byte order, nil optionals left out.
protocol JSONWritable {
  func write(to writer: inout JSONWriter)
}

/// Writes JSON as `JSONEncoder` does: integral doubles without ".0", `/` escaped, control
/// characters as `\uXXXX` (lowercase hex) but for the five with short escapes.
struct JSONWriter {
  private(set) var bytes: [UInt8] = []
  /// Whether the next value or key follows another in the same object or array.
  private var separatorDue = false

  init() { bytes.reserveCapacity(4096) }

  var text: String { String(decoding: bytes, as: UTF8.self) }

  mutating func object(_ members: (inout JSONWriter) -> Void) {
    beginValue()
    bytes.append(UInt8(ascii: "{"))
    separatorDue = false
    members(&self)
    bytes.append(UInt8(ascii: "}"))
    separatorDue = true
  }

  mutating func array<S: Sequence>(_ elements: S, _ element: (inout JSONWriter, S.Element) -> Void) {
    beginValue()
    bytes.append(UInt8(ascii: "["))
    separatorDue = false
    for value in elements { element(&self, value) }
    bytes.append(UInt8(ascii: "]"))
    separatorDue = true
  }

  mutating func key(_ name: StaticString) {
    if separatorDue { bytes.append(UInt8(ascii: ",")) }
    bytes.append(UInt8(ascii: "\""))
    name.withUTF8Buffer { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    separatorDue = false
  }

  mutating func string(_ value: String) {
    beginValue()
    bytes.append(UInt8(ascii: "\""))
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
      case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
      case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
      default: bytes.append(byte)
      }
    }
    bytes.append(UInt8(ascii: "\""))
    separatorDue = true
  }

  mutating func number(_ value: Int) {
    beginValue()
    bytes.append(contentsOf: String(value).utf8)
    separatorDue = true
  }

  /// As `JSONEncoder` writes a finite double: its shortest description, "1.0" as "1".
  mutating func number(_ value: Double) {
    beginValue()
    let text = value.description
    bytes.append(contentsOf: text.hasSuffix(".0") ? text.utf8.dropLast(2) : text.utf8[...])
    separatorDue = true
  }

  private mutating func beginValue() {
    if separatorDue { bytes.append(UInt8(ascii: ",")) }
  }

  // Members, each written only when present (as `encodeIfPresent` does).

  mutating func field(_ name: StaticString, _ value: String) {
    key(name)
    string(value)
  }

  mutating func field(_ name: StaticString, _ value: Int) {
    key(name)
    number(value)
  }

  mutating func field(_ name: StaticString, _ value: Double) {
    key(name)
    number(value)
  }

  /// A date as `Date`'s own `Codable` has it: seconds since 2001-01-01.
  mutating func field(_ name: StaticString, _ value: Date?) {
    guard let value else { return }
    field(name, value.timeIntervalSinceReferenceDate)
  }

  mutating func field(_ name: StaticString, _ values: [String]) {
    key(name)
    array(values) { $0.string($1) }
  }

  mutating func field(_ name: StaticString, _ value: (some JSONWritable)?) {
    guard let value else { return }
    key(name)
    value.write(to: &self)
  }

  mutating func field(_ name: StaticString, _ values: [some JSONWritable]) {
    key(name)
    array(values) { writer, value in value.write(to: &writer) }
  }
}

// Each type's members in the byte order of their names, as `.sortedKeys` puts them.

extension ActivityContent: JSONWritable {
  func write(to writer: inout JSONWriter) {
    writer.object { w in
      w.field("analyses", analyses)
      w.field("client", client)
      w.field("projectNumber", projectNumber)
      w.field("purpose", purpose.rawValue)
      w.field("report", report)
      w.field("samplingEvents", samplingEvents)
    }
  }
}

extension ClientInfo: JSONWritable {
  func write(to writer: inout JSONWriter) {
    writer.object { w in
      w.field("address", address)
      w.field("contactName", contactName)
      w.field("contactPhone", contactPhone)
      w.field("contractNumber", contractNumber)
      w.field("creditCode", creditCode)
      w.field("name", name)
    }
  }
}

extension SamplingEvent: JSONWritable {
  func write(to writer: inout JSONWriter) {
    writer.object { w in
      w.field("districtCode", districtCode)
      w.field("endedAt", endedAt)
      w.field("eventID", eventID)
      w.field("location", location)
      w.field("medium", medium)
      w.field("records", records)
      w.field("sampleIDs", sampleIDs)
      w.field("samplerIDNumbers", samplerIDNumbers)
      w.field("siteName", siteName)
      w.field("startedAt", startedAt)
    }
  }
}

extension Analysis: JSONWritable {
  func write(to writer: inout JSONWriter) {
    writer.object { w in
      w.field("analystIDNumber", analystIDNumber)
      w.field("detectionLimit", detectionLimit)
      w.field("endedAt", endedAt)
      w.field("instrumentID", instrumentID)
      w.field("methodStandard", methodStandard)
      w.field("parameter", parameter)
      w.field("rawRecord", rawRecord)
      w.field("result", result)
      w.field("sampleID", sampleID)
      w.field("startedAt", startedAt)
      w.field("unit", unit)
    }
  }
}

extension ReportInfo: JSONWritable {
  func write(to writer: inout JSONWriter) {
    writer.object { w in
      w.field("conclusion", conclusion)
      w.field("document", document)
      w.field("issuedOn", issuedOn)
      w.field("reportNumber", reportNumber)
      w.field("signatoryIDNumbers", signatoryIDNumbers)
    }
  }
}

extension GeoPoint: JSONWritable {
  func write(to writer: inout JSONWriter) {
    writer.object { w in
      w.field("latitude", latitude)
      w.field("longitude", longitude)
    }
  }
}

extension DocumentRef: JSONWritable {
  func write(to writer: inout JSONWriter) {
    writer.object { w in
      w.field("sha256", sha256)
      w.field("title", title)
    }
  }
}

extension CalendarDate: JSONWritable {
  func write(to writer: inout JSONWriter) {
    writer.object { w in
      w.field("day", day)
      w.field("month", month)
      w.field("year", year)
    }
  }
}
