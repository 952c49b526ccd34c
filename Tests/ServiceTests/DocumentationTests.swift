import Foundation
import Testing

/// The documents as a reader meets them: their shell blocks run against the real binaries, the
/// files and tests they name exist, and they speak of the product.
@Suite("Documentation: the walkthroughs run, the names exist", .serialized)
struct DocumentationTests {
  static let repository = ServerProcess.repository

  /// Every user-facing document: the README and the guides.
  static var documents: [String] {
    let guides = (try? FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("docs").path)) ?? []
    return ["README.md"] + guides.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
  }

  static func text(_ document: String) throws -> String {
    try String(contentsOf: repository.appendingPathComponent(document), encoding: .utf8)
  }

  @Test("each document's marked shell blocks run against the real binaries, with the output they show")
  func walkthroughs() throws {
    let documents = try Self.documents.map { name in
      let text = try Self.text(name)
      return (name: name, blocks: DocBlock.parse(text), continues: DocBlock.continues(text))
    }
    // A document that continues another runs after it, in the same directory and shell state.
    var scenarios: [[(name: String, blocks: [DocBlock], continues: String?)]] = []
    for document in documents where !document.blocks.isEmpty {
      if let earlier = document.continues {
        let index = try #require(scenarios.firstIndex { $0.contains { $0.name == earlier } }, "\(document.name) continues \(earlier), which has no blocks")
        scenarios[index].append(document)
      } else {
        scenarios.append([document])
      }
    }
    #expect(scenarios.contains { $0.first?.name == "README.md" }, "the README's walkthrough is marked")
    for scenario in scenarios {
      let blocks = scenario.flatMap { document in document.blocks.map { (document.name, $0) } }
      let run = try DocRun(blocks: blocks)
      let transcript = scenario.map(\.name).joined(separator: " + ")
      let tail = run.log.split(separator: "\n", omittingEmptySubsequences: false).suffix(60).joined(separator: "\n")
      #expect(run.status == 0, "\(transcript): the shell exited \(run.status); the end of its output:\n\(tail)")
      for problem in run.mismatches {
        Issue.record("\(transcript): \(problem)")
      }
    }
  }

  @Test("the regulation table names files, tests, RPCs and rules that exist")
  func regulationTable() throws {
    let table = try Self.text("docs/regulation.md")
    let tests = try Self.sources(under: "Tests")
    let sources = try Self.sources(under: "Sources")
    let protos = try Self.sources(under: "proto")
    var checked = 0
    for row in table.split(separator: "\n") where row.hasPrefix("| ") && !row.hasPrefix("| Article") && !row.hasPrefix("|---") {
      for match in row.matches(of: /`([^`]+)`/) {
        let name = String(match.1)
        checked += 1
        if name.contains("/") || name.hasSuffix(".swift") || name.hasSuffix(".py") || name.hasSuffix(".yaml") {
          let path = name.split(separator: ":").first.map(String.init) ?? name
          #expect(FileManager.default.fileExists(atPath: Self.repository.appendingPathComponent(path).path), "docs/regulation.md names \(path), which does not exist")
        } else if name.hasSuffix("Tests") {
          #expect(tests.contains("struct \(name)"), "docs/regulation.md names the suite \(name), which does not exist")
        } else if name.hasPrefix("test_") {
          #expect(tests.contains("def \(name)("), "docs/regulation.md names the Python test \(name), which does not exist")
        } else if let dot = name.firstIndex(of: "."), name.first?.isUppercase == true {
          let service = name[..<dot], method = name[name.index(after: dot)...]
          #expect(protos.contains("service \(service) {") && protos.contains("rpc \(method)("), "docs/regulation.md names \(name), which is no RPC of proto/")
        } else if name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) {
          #expect(sources.contains(name), "docs/regulation.md names the rule \(name), which no source mentions")
        } else {
          Issue.record("docs/regulation.md names \(name), which is none of a file, suite, Python test, RPC or rule id")
        }
      }
    }
    #expect(checked > 80, "the table names what implements each article")
    for article in 4...22 {
      #expect(table.contains("| Art. \(article) |"), "docs/regulation.md has no row for Art. \(article)")
    }
  }

  @Test("no document speaks of how the product was made: issues, sessions, targets, what was tried")
  func productTerms() throws {
    let history = try [
      #"(?i)\b(the|this|that|an|each|open) issues?\b"#, #"(?i)\bsessions?\b"#, #"(?i)\b(the|a|its|our) targets?\b"#, #"(?i)\(target"#,
      #"(?i)\btarget (was|is|of)\b"#, #"(?i)\bwas tried\b"#, #"(?i)\bbefore this work\b"#, #"(?i)\bthe seed (sets|says|leaves|gives)\b"#,
      #"(?i)\bnot yet (built|rebuilt)\b"#, #"(?i)\bfor now\b"#, #"(?i)\bwe took\b"#,
    ].map { try Regex($0) }
    for document in Self.documents {
      let lines = try Self.text(document).split(separator: "\n", omittingEmptySubsequences: false)
      for (number, line) in lines.enumerated() {
        for pattern in history where line.contains(pattern) {
          Issue.record("\(document):\(number + 1) speaks of the product's making: \(line)")
        }
      }
    }
    let readme = try Self.text("README.md")
    #expect(readme.split(separator: "\n", omittingEmptySubsequences: false).count <= 200, "the README stays short: the rest is in docs/")
  }

  @Test("every relative link of every document leads to a file of the repository")
  func links() throws {
    for document in Self.documents {
      let base = URL(fileURLWithPath: document).deletingLastPathComponent().relativePath
      for match in try Self.text(document).matches(of: /\]\(([^)#:]+)(#[^)]*)?\)/) {
        let target = base == "." ? String(match.1) : "\(base)/\(match.1)"
        #expect(FileManager.default.fileExists(atPath: Self.repository.appendingPathComponent(target).path), "\(document) links to \(match.1), which does not exist")
      }
    }
  }

  /// The text of every file under `directory`, joined: what the names are looked for in.
  static func sources(under directory: String) throws -> String {
    let root = repository.appendingPathComponent(directory)
    guard let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return "" }
    var text = ""
    for case let file as URL in files where ["swift", "py", "proto"].contains(file.pathExtension) {
      text += (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }
    return text
  }
}

/// A shell block of a document marked `<!-- doc-test -->`: commands, each followed by the output
/// it shows as comment lines indented three spaces (`#   …`); a comment indented further goes
/// on with the prose of the one before.
struct DocBlock {
  struct Command {
    var text: String
    var expected: [String]
  }

  var commands: [Command]

  /// The document that `text` continues (`<!-- doc-test: continues FILE -->`), if any.
  static func continues(_ text: String) -> String? {
    text.firstMatch(of: /<!-- doc-test: continues (\S+) -->/).map { String($0.1) }
  }

  static func parse(_ text: String) -> [DocBlock] {
    var blocks: [DocBlock] = []
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
    while let marker = lines.firstIndex(of: "<!-- doc-test -->") {
      lines = lines[(marker + 1)...]
      guard lines.first == "```sh" else { continue }
      let body = lines.dropFirst().prefix { $0 != "```" }
      lines = lines.dropFirst(body.count + 1)
      var commands: [Command] = []
      var pending = ""
      for line in body {
        if !pending.isEmpty {
          pending += "\n" + line
        } else if line.hasPrefix("#   ") && line.dropFirst(4).first != " " {
          commands[commands.count - 1].expected.append(String(line.dropFirst(4)))
          continue
        } else if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty {
          continue
        } else {
          pending = line
        }
        // A command goes on past a trailing backslash and until its braces close.
        let open = pending.filter { $0 == "{" }.count - pending.filter { $0 == "}" }.count
        if !pending.hasSuffix("\\") && open <= 0 {
          commands.append(Command(text: pending, expected: []))
          pending = ""
        }
      }
      blocks.append(DocBlock(commands: commands))
    }
    return blocks
  }

  /// Whether `actual` shows `expected`: cell by cell (cells are separated by two spaces or more),
  /// with instants and hexadecimal digests standing for any of their kind.
  static func matches(_ expected: String, _ actual: String) -> Bool {
    func cells(_ line: String) -> [String] {
      line.trimmingCharacters(in: .whitespaces).split(separator: /\s{2,}/).map { cell in
        String(cell)
          .replacing(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/, with: "<instant>")
          .replacing(/\b[0-9a-f]{8,}\b/, with: "<hex>")
      }
    }
    return cells(expected) == cells(actual)
  }
}

/// The blocks run in order by one bash in a directory of their own, set up as `make run` leaves
/// a checkout: development certificates in `certs/dev`, the repository's `examples/`, `config/`
/// `scripts/` and `proto/`, the built binaries on the PATH, `monctl` (and any command naming the
/// default address) pointed at a free port.
struct DocRun {
  let status: Int32
  let log: String
  let mismatches: [String]

  init(blocks: [(document: String, block: DocBlock)]) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cqmon-doc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for linked in ["examples", "config", "scripts", "proto"] {
      try FileManager.default.createSymbolicLink(
        at: directory.appendingPathComponent(linked), withDestinationURL: DocumentationTests.repository.appendingPathComponent(linked))
    }
    let certs = try ServerProcess.run("/bin/bash", [DocumentationTests.repository.appendingPathComponent("certs/dev-certs.sh").path, directory.appendingPathComponent("certs/dev").path])
    precondition(certs.status == 0, "certs/dev-certs.sh: \(certs.error)")
    let port = ServerProcess.freePort()
    try "current-context: doc\ncontexts:\n  doc:\n    server: 127.0.0.1:\(port)\n".write(
      to: directory.appendingPathComponent("monctl.yaml"), atomically: true, encoding: .utf8)

    // Each command's output follows a line of its own number, so that it can be told apart.
    let commands = blocks.flatMap { entry in entry.block.commands.map { (entry.document, $0) } }
    var script = "set -euo pipefail\ntrap 'status=$?; kill $(jobs -p) 2>/dev/null || true; wait || true; exit $status' EXIT\n"
    for (index, (_, command)) in commands.enumerated() {
      // The documents name the default address; this run's server listens elsewhere.
      let text = command.text.replacingOccurrences(of: "127.0.0.1:8443", with: "127.0.0.1:\(port)")
      script += "printf '\\n\u{1E}\(index)\\n'\n{\n\(text)\n} 2>&1\n"
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    process.currentDirectoryURL = directory
    // The caller's environment (its Python, its HOME) without any server or monctl settings.
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MONITORD_") && !$0.key.hasPrefix("MONCTL_") }
    environment["PATH"] = "\(ServerProcess.products.path):\(environment["PATH"] ?? "/usr/bin:/bin")"
    environment["TZ"] = "UTC"
    environment["MONCTL_CONFIG"] = directory.appendingPathComponent("monctl.yaml").path
    environment["MONITORD_LISTEN"] = "127.0.0.1:\(port)"
    environment["MONITORD_METRICS_LISTEN"] = "off"
    environment["MONITORD_LOG_LEVEL"] = "warning"
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    status = process.terminationStatus
    log = String(decoding: data, as: UTF8.self)

    var outputs: [Int: [String]] = [:]
    var current = -1
    for line in log.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("\u{1E}"), let index = Int(line.dropFirst()) {
        current = index
        outputs[index] = []
      } else if current >= 0 {
        outputs[current, default: []].append(String(line))
      }
    }
    var mismatches: [String] = []
    for (index, (document, command)) in commands.enumerated() where !command.expected.isEmpty {
      var lines = (outputs[index] ?? [])[...]
      for expected in command.expected where expected != "..." {
        guard let found = lines.firstIndex(where: { DocBlock.matches(expected, $0) }) else {
          mismatches.append("\(document): `\(command.text)` did not show\n  \(expected)\nit showed:\n\((outputs[index] ?? []).joined(separator: "\n"))")
          break
        }
        lines = lines[(found + 1)...]
      }
    }
    self.mismatches = mismatches
    if status == 0 { try? FileManager.default.removeItem(at: directory) }
  }
}
