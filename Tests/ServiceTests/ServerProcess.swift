import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec
import StorageSQLite
import Services

/// The real `monitord` binary, started on a free port with test-made certificates.
final class ServerProcess: @unchecked Sendable {
  let process = Process()
  let port: Int
  let directory: URL
  let revocationList: URL
  /// The PostgreSQL database it runs on, when the service tests run on PostgreSQL; nil on SQLite.
  let database: String?
  private let output = Pipe()

  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The directory holding the built products (monitord, monctl) next to the test bundle.
  static let products: URL = {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("monitord").path) {
      let parent = url.deletingLastPathComponent()
      precondition(parent != url, "monitord is not built next to the tests")
      url = parent
    }
    return url
  }()

  /// Certificates for all tests of a run: made once.
  static let certificates: URL = {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cqmon-e2e-certs-\(getpid())")
    let maker = Process()
    maker.executableURL = repository.appendingPathComponent("Tests/ServiceTests/make-test-certs.sh")
    maker.arguments = [directory.path]
    try! maker.run()
    maker.waitUntilExit()
    precondition(maker.terminationStatus == 0, "make-test-certs.sh failed")
    return directory
  }()

  /// Starts monitord; on `directory` when given (a restart on the same data), else a new one;
  /// on the PostgreSQL `database` when given, on SQLite when it is ""; with `extra` flags.
  init(directory existing: URL? = nil, database given: String? = nil, extra: [String] = []) throws {
    directory = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("cqmon-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    revocationList = directory.appendingPathComponent("revoked.txt")
    if existing == nil { try "# revoked serials\n".write(to: revocationList, atomically: true, encoding: .utf8) }
    // On PostgreSQL, a database of its own, kept with the directory for a restart.
    let databaseFile = directory.appendingPathComponent("database.url")
    if let given {
      database = given.isEmpty ? nil : given
    } else if let existing = try? String(contentsOf: databaseFile, encoding: .utf8) {
      database = existing
    } else if Engine.forServiceTests == .postgres {
      database = try PostgresTestDatabase.create()
      try database!.write(to: databaseFile, atomically: true, encoding: .utf8)
    } else {
      database = nil
    }
    let certs = Self.certificates.path
    process.executableURL = Self.products.appendingPathComponent("monitord")
    process.arguments = [
      "--listen", "127.0.0.1:0", "--data-dir", directory.appendingPathComponent("data").path,
      "--tls-cert", "\(certs)/server.pem", "--tls-key", "\(certs)/server-key.pem", "--client-ca", "\(certs)/ca.pem",
      "--ca-key", "\(certs)/ca-key.pem", "--signing-key", "\(certs)/signing-key.pem",
      "--revocation-list", revocationList.path, "--metrics-listen", "off", "--log-level", "warning",
    ] + (database.map { ["--database", $0] } ?? []) + extra
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    // The first lines say where it listens: the API, and the public site when it is on.
    let wantsSite = extra.contains("--public-listen")
    var lines: [String] = []
    var pending = Data()
    func address(_ prefix: String) -> String? { lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
    while address("monitord listening on ") == nil || (wantsSite && address("monitord public site on ") == nil) {
      let chunk = output.fileHandleForReading.availableData
      guard !chunk.isEmpty else { throw ServerProcessError.exited(process.terminationStatus) }
      pending.append(chunk)
      while let newline = pending.firstIndex(of: 0x0A) {
        lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
        pending = Data(pending[(newline + 1)...])
      }
    }
    let text = address("monitord listening on ") ?? ""
    guard let port = text.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
      throw ServerProcessError.noAddress(text)
    }
    self.port = port
    siteURL = address("monitord public site on ")
  }

  /// The public site's address (`https://127.0.0.1:PORT/`), when it was turned on.
  private(set) var siteURL: String?

  /// Whether the data directory goes when this process object does (not when a restart will
  /// reuse it).
  var keepsData = false

  deinit {
    if process.isRunning { process.terminate() }
    if !keepsData { try? FileManager.default.removeItem(at: directory) }
  }

  /// monctl arguments to connect as `identity`.
  func monctl(as identity: String) -> [String] {
    let certs = Self.certificates.path
    return ["--server", "127.0.0.1:\(port)", "--ca", "\(certs)/ca.pem", "--cert", "\(certs)/\(identity).pem", "--key", "\(certs)/\(identity)-key.pem"]
  }

  func signal(_ signal: Int32) {
    kill(process.processIdentifier, signal)
  }

  /// Waits for the process to end; its exit status.
  func wait() async -> Int32 {
    while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    return process.terminationStatus
  }

  /// Calls `body` with a client presenting `identity` (a file stem in the test certificates:
  /// city, agency, expired, …), or no certificate at all when nil.
  func withClient<Result: Sendable>(
    as identity: String?, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    let certs = Self.certificates.path
    var tls = HTTP2ClientTransport.Posix.TransportSecurity.TLS.defaults { tls in
      tls.trustRoots = .certificates([.file(path: "\(certs)/ca.pem", format: .pem)])
    }
    if let identity {
      tls.certificateChain = [.file(path: "\(certs)/\(identity).pem", format: .pem)]
      tls.privateKey = .file(path: "\(certs)/\(identity)-key.pem", format: .pem)
    }
    let transport = try HTTP2ClientTransport.Posix(target: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .tls(tls))
    return try await withGRPCClient(transport: transport) { try await body($0) }
  }

  /// Waits until health says SERVING (the readiness loop runs every 2 s).
  func waitUntilServing() async throws {
    try await waitUntil(.serving, seconds: 10)
  }

  /// Waits until health reports `status`, for at most `seconds`.
  func waitUntil(_ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus, seconds: Int) async throws {
    for _ in 0..<(seconds * 10) {
      let now = try? await withClient(as: "city") { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init()).status
      }
      if now == status { return }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw ServerProcessError.notServing
  }

  /// Runs a built executable (monctl), or one given by absolute path, and returns its exit
  /// status, standard output and standard error.
  static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = executable.hasPrefix("/") ? URL(fileURLWithPath: executable) : products.appendingPathComponent(executable)
    process.arguments = arguments
    process.currentDirectoryURL = repository
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
  }
}



extension ServerProcess {
  /// A port nothing listens on now.
  static func freePort() -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// Runs monctl against this server as `identity`; its exit status (failures are printed).
  @discardableResult
  func monctl(as identity: String, _ arguments: [String]) throws -> Int32 {
    let result = try Self.run("monctl", arguments + monctl(as: identity))
    if result.status != 0 { print("monctl \(arguments.joined(separator: " ")): \(result.error)") }
    return result.status
  }

  /// Enrols the test agency, uploads the example documents and lists it with the example
  /// application, through monctl.
  func listExampleAgency() throws {
    let certs = Self.certificates.path
    let csr = FileManager.default.temporaryDirectory.appendingPathComponent("lims-\(UUID()).csr").path
    _ = try Self.run("/usr/bin/env", ["openssl", "req", "-new", "-key", "\(certs)/agency-key.pem", "-subj", "/CN=lims", "-out", csr])
    try monctl(as: "city", ["agencies", "enroll", "--credit-code", "91500000MA5U7BCX7A", "--name", "x", "--csr", csr])
    for name in ["commitment-letter", "business-licence", "cma-certificate"] {
      try monctl(as: "agency", ["documents", "upload", "examples/documents/\(name).txt"])
    }
    try monctl(as: "agency", ["registry", "apply", "-f", try Examples.dated("application.yaml")])
    try monctl(as: "city", ["applications", "review", "app-000001", "--decision", "approve"])
  }

  /// Runs SQL on the server's database behind its back (it should be stopped), on either engine.
  func tamper(_ sql: String) async throws {
    if let database {
      try PostgresTestDatabase.psql(database, sql)
    } else {
      let store = try SQLiteStore(directory: directory.appendingPathComponent("data").path)
      try await store.writer.write { try $0.execute(sql: sql) }
    }
  }
}

enum ServerProcessError: Error {
  case exited(Int32)
  case noAddress(String)
  case notServing
}

/// The example request files, dated relative to the wall clock the real server runs on: a copy
/// of `examples/NAME` with every date moved as far from today as the committed file has it
/// from the day it is dated for (2025-11-30, the walkthrough's), so the files never expire under the tests.
enum Examples {
  static let written = CalendarDate(year: 2025, month: 11, day: 30)!

  static func dated(_ name: String) throws -> String {
    let text = try String(contentsOf: ServerProcess.repository.appendingPathComponent("examples/\(name)"), encoding: .utf8)
    let today = CalendarDate(chinaTimeOf: Int64(Date().timeIntervalSince1970))
    var lines: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      var line = String(line)
      if let match = line.firstMatch(of: /(?<key>[a-z_]+(_on|_until)): (?<date>\d{4}-\d{2}-\d{2})$/), let date = CalendarDate(String(match.date)) {
        let moved = today.adding(days: date.dayNumber - written.dayNumber)
        line = line.replacingOccurrences(of: String(match.date), with: moved.description)
      }
      lines.append(line)
    }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("example-\(UUID())-\(name)")
    try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
    return file.path
  }
}

extension Examples {
  /// examples/activity.yaml for an agency listed at `listedAt`: its instants moved, in order,
  /// into the 30 seconds after the listing (the server refuses sampling before an agency was
  /// listed and anything in the future), its days to that day; with `replacing` applied.
  static func activity(listedAt: Date, replacing: [(String, String)] = []) throws -> String {
    var text = try String(contentsOf: ServerProcess.repository.appendingPathComponent("examples/activity.yaml"), encoding: .utf8)
    for (old, new) in replacing { text = text.replacingOccurrences(of: old, with: new) }
    let pattern = /(?<instant>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)/
    let instants = text.matches(of: pattern).compactMap { Timestamps.parse(String($0.instant)) }
    guard let first = instants.min(), let last = instants.max(), last > first else { return text }
    func moved(_ instant: Date) -> Date {
      listedAt.addingTimeInterval(1 + instant.timeIntervalSince(first) / last.timeIntervalSince(first) * 30)
    }
    text = text.replacing(pattern) { match in
      Timestamps.format(moved(Timestamps.parse(String(match.instant))!)).replacingOccurrences(of: ".000Z", with: "Z")
    }
    let reportDay = CalendarDate(chinaTimeOf: Int64(moved(last).timeIntervalSince1970.rounded(.up)))
    text = text.replacing(/issued_on: \d{4}-\d{2}-\d{2}/) { _ in "issued_on: \(reportDay)" }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("activity-\(UUID()).yaml")
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file.path
  }
}
