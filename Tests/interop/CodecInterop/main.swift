// The Swift side of the codec interoperability test (Tests/interop/test_codec_interop.py).
//
//   CodecInterop encode DIR   writes each case, encoded by ProtoCodec, to DIR/<case>.bin
//   CodecInterop check DIR    decodes DIR/<case>.bin (made by Python protobuf) and compares it
//                             with the case's expected value; prints one line per case
//   CodecInterop json DIR     writes each case's proto3 JSON (`jsonString()`) to DIR/<case>.json
//   CodecInterop read-json DIR  reads DIR/<case>.json (Python's json_format) through ProtoTree
//                             and compares it with the case's expected value
//   CodecInterop seeds DIR    writes the fuzzer's corpora: DIR/<selector>-<type>/ for every type
//                             of FuzzTypes, seeded with an empty, a filled and any golden encoding,
//                             each prefixed with the selector byte
//
// The Python test builds the same values with Google's protobuf, independently.

import Foundation
import ProtoCodec
import ProtoFixtures
import Yams

struct Case {
  let name: String
  let type: any ProtoMessage.Type
  let encode: () throws -> [UInt8]
  let matches: ([UInt8]) throws -> Bool
  let json: () throws -> String
  let matchesJSON: (String) throws -> Bool
}

func makeCase<M: ProtoMessage>(_ name: String, _ value: M) -> Case {
  Case(
    name: name,
    type: M.self,
    encode: { try value.serializedBytes() },
    matches: { try M(serializedBytes: $0) == value },
    json: { try value.jsonString() },
    matchesJSON: { text in
      guard let node = try Yams.compose(yaml: text) else { return false }
      return try M(tree: tree(node)) == value
    }
  )
}

func tree(_ node: Node) -> ProtoTree {
  switch node {
  case .scalar(let scalar): .scalar(scalar.string)
  case .sequence(let sequence): .list(sequence.map(tree))
  case .mapping(let mapping): .map(mapping.map { ($0.key.string ?? "", tree($0.value)) })
  case .alias: .scalar("")
  }
}

let cases: [Case] = [
  makeCase("scalars", ShapeSamples.scalars),
  makeCase("tree", ShapeSamples.tree),
  makeCase("presence_zero", Cqmon_Testing_Presence.with { $0.count = 0 }),
  makeCase("presence_unset", Cqmon_Testing_Presence()),
  makeCase("oneof_empty_label", Cqmon_Testing_Tree.with { $0.label = "" }),
  makeCase("unknown_enum", Cqmon_Testing_Scalars.with { $0.colour = .init(rawValue: 12345); $0.rColour = [.init(rawValue: -9), .red] }),
  makeCase("empty", Cqmon_Testing_Empty()),
  makeCase("activity", ActivityFixture.request(events: 30, analyses: 60)),
]

let arguments = CommandLine.arguments
guard arguments.count == 3, ["encode", "check", "json", "read-json", "seeds"].contains(arguments[1]) else {
  FileHandle.standardError.write(Data("usage: CodecInterop encode|check|json|read-json|seeds DIR\n".utf8))
  exit(2)
}
let directory = URL(fileURLWithPath: arguments[2])
if arguments[1] == "seeds" {
  for (selector, type) in FuzzTypes.all.enumerated() {
    let corpus = directory.appendingPathComponent("\(selector)-\(type.protoMessageName)")
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    var seeds = ["empty": [UInt8](), "sample": FuzzTypes.sample(type)]
    for item in cases where ObjectIdentifier(item.type) == ObjectIdentifier(type) { seeds[item.name] = try item.encode() }
    for (name, bytes) in seeds {
      try Data([UInt8(selector)] + bytes).write(to: corpus.appendingPathComponent("seed-\(name)"))
    }
  }
  exit(0)
}
var failed = false
for item in cases {
  let file = directory.appendingPathComponent(item.name + ".bin")
  let jsonFile = directory.appendingPathComponent(item.name + ".json")
  do {
    if arguments[1] == "encode" {
      try Data(try item.encode()).write(to: file)
    } else if arguments[1] == "json" {
      try Data(try item.json().utf8).write(to: jsonFile)
    } else if arguments[1] == "read-json" {
      guard FileManager.default.fileExists(atPath: jsonFile.path) else { continue }
      let ok = try item.matchesJSON(String(contentsOf: jsonFile, encoding: .utf8))
      print("\(item.name): \(ok ? "equal" : "DIFFERENT")")
      failed = failed || !ok
    } else {
      let ok = try item.matches([UInt8](try Data(contentsOf: file)))
      print("\(item.name): \(ok ? "equal" : "DIFFERENT")")
      failed = failed || !ok
    }
  } catch {
    print("\(item.name): ERROR \(error)")
    failed = true
  }
}
exit(failed ? 1 : 0)
