import Foundation
import GRPCCore
import ProtoCodec
import Services
import Testing

/// What the contract says of its methods, read from `proto/`: the writes are the methods whose
/// request carries a `request_id`.
enum Contract {
  struct Method: Hashable {
    /// `cqmon.v1.FilingService/FileActivity`.
    var name: String
    var request: String
    var streamingRequest: Bool
  }

  static var protoDirectory: URL { ServerProcess.repository.appendingPathComponent("proto/cqmon/v1") }

  /// The text of every API proto file, by file name.
  static func files() throws -> [String: String] {
    let names = try FileManager.default.contentsOfDirectory(atPath: protoDirectory.path).filter { $0.hasSuffix(".proto") }
    return Dictionary(uniqueKeysWithValues: try names.map { ($0, try String(contentsOf: protoDirectory.appendingPathComponent($0), encoding: .utf8)) })
  }

  /// Every rpc of every service.
  static func methods() throws -> [Method] {
    var methods: [Method] = []
    let service = /service\s+(\w+)\s*\{/
    let rpc = /rpc\s+(\w+)\s*\(\s*(stream\s+)?([\w.]+)\s*\)/
    for text in try files().values {
      var current = ""
      for line in text.split(separator: "\n") {
        if let match = line.firstMatch(of: service) { current = String(match.1) }
        if let match = line.firstMatch(of: rpc) {
          methods.append(Method(name: "cqmon.v1.\(current)/\(match.1)", request: String(match.3), streamingRequest: match.2 != nil))
        }
      }
    }
    return methods
  }

  /// The body of message `name`, from its `message NAME {` to the brace that closes it.
  static func message(_ name: String, in texts: [String: String]) -> String? {
    for text in texts.values {
      guard let start = text.range(of: "message \(name) {") else { continue }
      var depth = 0
      for index in text[start.lowerBound...].indices {
        if text[index] == "{" { depth += 1 }
        if text[index] == "}" {
          depth -= 1
          if depth == 0 { return String(text[start.lowerBound...index]) }
        }
      }
    }
    return nil
  }

  static func writeMethods() throws -> [Method] {
    let texts = try files()
    return try methods().filter { message($0.request, in: texts)?.contains("string request_id = 1;") ?? false }
  }

  /// Comment text as one line: the `//` lines joined, their markers and runs of spaces gone.
  static func joined(_ lines: [Substring]) -> String {
    lines.map { $0.trimmingCharacters(in: .whitespaces).dropFirst(2).trimmingCharacters(in: .whitespaces) }
      .joined(separator: " ")
  }

  /// The comment directly above the first line of `text` matching `line`.
  static func comment(in text: String, above line: (Substring) -> Bool) -> String? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let index = lines.firstIndex(where: line) else { return nil }
    var start = index
    while start > 0, lines[start - 1].trimmingCharacters(in: .whitespaces).hasPrefix("//") { start -= 1 }
    return joined(Array(lines[start..<index]))
  }

  /// The package's conventions: the leading comment of common.proto.
  static func conventions() throws -> String {
    let text = try files()["common.proto"] ?? ""
    return joined(text.split(separator: "\n").prefix { $0.hasPrefix("//") })
  }

  /// The comment of rpc `method` (`FilingService/FileActivity`).
  static func comment(ofRPC method: String) throws -> String {
    let name = method.split(separator: "/").last.map(String.init) ?? method
    for text in try files().values {
      if let found = comment(in: text, above: { $0.contains("rpc \(name)(") }) { return found }
    }
    throw ContractError("no rpc \(method) in proto/")
  }

  /// The comment of field `field` of message `message`.
  static func comment(ofField field: String, in message: String) throws -> String {
    guard let body = self.message(message, in: try files()) else { throw ContractError("no message \(message) in proto/") }
    let declares = { (line: Substring) -> Bool in
      let words = line.split(separator: " ")
      return words.firstIndex(of: "=").map { $0 > 0 && words[$0 - 1] == field } ?? false
    }
    guard let found = comment(in: body, above: declares) else { throw ContractError("no field \(message).\(field)") }
    return found
  }

  /// What `pattern` captures in `text`; fails the test, saying what the contract no longer says.
  static func says<Output>(_ text: String, _ pattern: Regex<Output>, _ what: String) throws -> Output {
    guard let match = text.firstMatch(of: pattern) else { throw ContractError("the contract no longer says \(what): \(text)") }
    return match.output
  }

  /// A status code by its name in the contract (`NOT_FOUND`).
  static func code(_ name: some StringProtocol) throws -> RPCError.Code {
    let codes: [String: RPCError.Code] = [
      "INVALID_ARGUMENT": .invalidArgument, "NOT_FOUND": .notFound, "ALREADY_EXISTS": .alreadyExists,
      "PERMISSION_DENIED": .permissionDenied, "FAILED_PRECONDITION": .failedPrecondition, "ABORTED": .aborted,
      "UNAUTHENTICATED": .unauthenticated, "UNAVAILABLE": .unavailable, "OUT_OF_RANGE": .outOfRange,
    ]
    guard let code = codes[String(name)] else { throw ContractError("\(name) is not a status code") }
    return code
  }
}

struct ContractError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// The contract's own words against the server: each test reads what a comment in `proto/`
/// states (a status code, a reason, a default) and checks the server does exactly that, on
/// every engine. A comment that changes without the behaviour, or the reverse, fails here.
@Suite("What proto/ says, the server does")
struct ContractTests {
  static let agencyB = "spiffe://cq-monitoring/agency/91110000600037341L"
  static let jiangbei = "spiffe://cq-monitoring/bureau/district/500105/zhao-lei"

  @Test("page sizes: one default and one limit, stated alike everywhere and kept", arguments: Engine.all)
  func pageSizes(engine: Engine) async throws {
    let rule = /0 for the default of (\d+); more than (\d+) is clamped to (\d+)/
    let conventions = try Contract.says(try Contract.conventions(), rule, "the page size's default and limit")
    var stated: Set<[String]> = [[String(conventions.1), String(conventions.2), String(conventions.3)]]
    let texts = try Contract.files()
    var fields = 0
    for text in texts.values {
      for request in text.matches(of: /message (\w+Request) \{/).map({ String($0.1) }) {
        guard let body = Contract.message(request, in: texts), body.contains(" page_size = ") else { continue }
        let said = try Contract.says(try Contract.comment(ofField: "page_size", in: request), rule, "\(request).page_size's default")
        stated.insert([String(said.1), String(said.2), String(said.3)])
        fields += 1
      }
    }
    #expect(fields >= 10, "every List request has a page_size")
    #expect(stated.count == 1, "page sizes are stated differently: \(stated)")
    let (defaultSize, limit) = (Int(conventions.1)!, Int(conventions.2)!)
    #expect(Int(conventions.3) == limit)

    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        h.as(Identities.city)
        let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
        try await withThrowingTaskGroup(of: Void.self) { group in
          for lane in 0..<8 {
            group.addTask {
              for index in stride(from: lane, through: limit, by: 8) {
                _ = try await inspection.addInspector(.with { $0.requestId = "i\(index)"; $0.name = "检查员\(index)"; $0.badgeNumber = "CQ-\(index)" })
              }
            }
          }
          try await group.waitForAll()
        }
        let first = try await inspection.listInspectors(.init())
        #expect(first.inspectors.count == defaultSize && !first.nextPageToken.isEmpty, "page_size 0 gives the default")
        let clamped = try await inspection.listInspectors(.with { $0.pageSize = Int32(limit * 5) })
        #expect(clamped.inspectors.count == limit && !clamped.nextPageToken.isEmpty, "more than the limit is clamped, not refused")
        let rest = try await inspection.listInspectors(.with { $0.pageSize = Int32(limit); $0.pageToken = clamped.nextPageToken })
        #expect(rest.inspectors.count == 1 && rest.nextPageToken.isEmpty, "the last page has an empty token")
        let negative = await failure { _ = try await inspection.listInspectors(.with { $0.pageSize = -1 }) }
        let stated = try Contract.says(try Contract.conventions(), /negative is ([A-Z_]+)\)/, "what a negative page size gets")
        #expect(negative?.code == (try Contract.code(stated.1)) && negative?.fields == ["page_size"])
      }
    }
  }

  @Test("request ids: the stated refusals of a malformed key and of a key reused for another request", arguments: Engine.all)
  func requestIDs(engine: Engine) async throws {
    let conventions = try Contract.conventions()
    let malformed = try Contract.says(conventions, /\(([A-Z_]+), reason ([A-Z_]+), otherwise\)/, "how a malformed request_id is refused")
    let reused = try Contract.says(
      conventions, /a different request under a used `request_id` is ([A-Z_]+), reason ([A-Z_]+)/, "how a reused request_id is refused")
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let digest = try await FilingServiceTests.listedAgency(h, clock: clock)
        let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
        let content = FilingServiceTests.activity(digest: digest, now: clock.now)
        let bad = await failure { _ = try await filing.fileActivity(.with { $0.requestId = "no spaces!"; $0.creditCode = Materials.applicant; $0.activity = content }) }
        #expect(bad?.code == (try Contract.code(malformed.1)) && bad?.reason == String(malformed.2) && bad?.fields == ["request_id"])
        let first = try await filing.fileActivity(.with { $0.requestId = "k1"; $0.creditCode = Materials.applicant; $0.activity = content })
        var other = content
        other.projectNumber = "P-2"
        let again = await failure { _ = try await filing.fileActivity(.with { $0.requestId = "k1"; $0.creditCode = Materials.applicant; $0.activity = other }) }
        #expect(again?.code == (try Contract.code(reused.1)) && again?.reason == String(reused.2) && again?.fields == ["request_id"])
        #expect(try await filing.fileActivity(.with { $0.requestId = "k1"; $0.creditCode = Materials.applicant; $0.activity = content }) == first)
      }
    }
  }

  @Test("a record not the caller's answers as one that does not exist; PERMISSION_DENIED only for what the request names", arguments: Engine.all)
  func visibility(engine: Engine) async throws {
    let conventions = try Contract.conventions()
    let hidden = try Contract.code(try Contract.says(
      conventions, /may not see .*? is ([A-Z_]+), the same answer, message and reason as an id that does not exist/,
      "what a record the caller may not see answers").1)
    let denied = try Contract.says(
      conventions, /PERMISSION_DENIED depends only on .*?\(([A-Z_]+)\), a credit code or district that is not its own \(([A-Z_]+), ([A-Z_]+)\)/,
      "when PERMISSION_DENIED is answered")
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let digest = try await FilingServiceTests.listedAgency(h, clock: clock)
        let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
        let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
        var alone = FilingServiceTests.activity(digest: digest, now: clock.now)
        alone.samplingEvents[0].samplerIdNumbers = [FilingServiceTests.wang]
        let filed = try await filing.fileActivity(.with { $0.requestId = "f1"; $0.creditCode = Materials.applicant; $0.activity = alone })
        let finding = try #require(filed.findings.first?.findingId)
        let application = try #require(try await h.registry.listApplications(.init()).applications.first?.applicationId)

        typealias Read = @Sendable (String) async throws -> Void
        let reads: [(what: String, id: String, absent: String, callers: [String], read: Read)] = [
          ("activity", filed.activityId, "act-000999", [Self.agencyB, Self.jiangbei], { id in _ = try await filing.getActivity(.with { $0.activityId = id }) }),
          ("finding", finding, "fnd-000999", [Self.agencyB, Self.jiangbei], { id in _ = try await inspection.getFinding(.with { $0.findingId = id }) }),
          ("application", application, "app-000999", [Self.agencyB], { id in _ = try await h.registry.getApplication(.with { $0.applicationId = id }) }),
        ]
        for read in reads {
          for caller in read.callers {
            h.as(caller)
            let hiddenError = await failure { try await read.read(read.id) }
            let absentError = await failure { try await read.read(read.absent) }
            #expect(hiddenError?.code == hidden, "\(read.what) as \(caller)")
            #expect(absentError?.code == hidden && absentError?.reason == hiddenError?.reason, "\(read.what) as \(caller)")
            #expect(absentError?.message == hiddenError?.message.replacingOccurrences(of: read.id, with: read.absent), "\(read.what) as \(caller)")
          }
        }
        // PERMISSION_DENIED: from the caller's kind and the scope the request names, whatever is stored.
        h.as(Identities.partner)
        let partner = await failure { _ = try await filing.getActivity(.with { $0.activityId = "act-000999" }) }
        #expect(partner?.code == .permissionDenied && partner?.reason == String(denied.1))
        h.as(Self.agencyB)
        let agency = await failure { _ = try await filing.listActivities(.with { $0.creditCode = Materials.applicant }) }
        #expect(agency?.code == .permissionDenied && agency?.reason == String(denied.2))
        h.as(Self.jiangbei)
        let district = await failure { _ = try await filing.listActivities(.with { $0.districtCode = "500103" }) }
        #expect(district?.code == .permissionDenied && district?.reason == String(denied.3))
      }
    }
  }

  @Test("filing: one sampler is accepted with the stated finding; the listing day; findings filters cover every version", arguments: Engine.all)
  func filingWords(engine: Engine) async throws {
    let samplers = try Contract.comment(ofField: "sampler_id_numbers", in: "SamplingEvent")
    _ = try Contract.says(samplers, /at least one/, "that one sampler is enough to be accepted")
    let pairRule = String(try Contract.says(samplers, /raises a ([A-Z_]+) finding/, "which finding one sampler raises").1)
    let file = try Contract.comment(ofRPC: "FilingService/FileActivity")
    let notListed = String(try Contract.says(
      file, /on the day a sampling event started .*? the registry as it stood at the end of that day \(([A-Z_]+),/,
      "which day the listing is checked on").1)
    let presence = try Contract.comment(ofField: "findings", in: "ListActivitiesRequest")
    _ = try Contract.says(presence, /raised on any version/, "which versions the findings filter reads")

    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      let listedAt = clock.now
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let digest = try await FilingServiceTests.listedAgency(h, clock: clock)
        let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
        // One sampler: accepted, with the finding the comment names; none: refused.
        var alone = FilingServiceTests.activity(report: "R-1", digest: digest, now: clock.now)
        alone.samplingEvents[0].samplerIdNumbers = [FilingServiceTests.wang]
        let filed = try await filing.fileActivity(.with { $0.requestId = "f1"; $0.creditCode = Materials.applicant; $0.activity = alone })
        #expect(filed.findings.map(\.rule) == [pairRule])
        var nobody = alone
        nobody.samplingEvents[0].samplerIdNumbers = []
        let refused = await failure { _ = try await filing.fileActivity(.with { $0.requestId = "f2"; $0.creditCode = Materials.applicant; $0.activity = nobody }) }
        #expect(refused?.code == .invalidArgument && refused?.fields == ["activity.sampling_events[0].sampler_id_numbers"])

        // The listing day counts from its first second; the day before does not.
        let dayStart = Date(timeIntervalSince1970: ((listedAt.timeIntervalSince1970 + 8 * 3600) / 86_400).rounded(.down) * 86_400 - 8 * 3600)
        for (report, sampled, expected) in [("R-2", dayStart.addingTimeInterval(1), nil), ("R-3", dayStart.addingTimeInterval(-3600), notListed)] as [(String, Date, String?)] {
          var content = FilingServiceTests.activity(report: report, digest: digest, now: clock.now)
          content.samplingEvents[0].sampleIds = ["\(report)-1", "\(report)-2"]
          content.analyses = content.analyses.enumerated().map { index, analysis in
            var analysis = analysis
            analysis.sampleId = "\(report)-\(index + 1)"
            // Six hours before R-1's, so that the instrument runs alone.
            analysis.startedAt?.seconds -= 6 * 3600
            analysis.endedAt?.seconds -= 6 * 3600
            return analysis
          }
          content.samplingEvents[0].startedAt = .with { $0.seconds = Int64(sampled.timeIntervalSince1970) }
          content.samplingEvents[0].endedAt = .with { $0.seconds = Int64(sampled.timeIntervalSince1970) + 1800 }
          let error = await failure { _ = try await filing.fileActivity(.with { $0.requestId = report; $0.creditCode = Materials.applicant; $0.activity = content }) }
          #expect(error?.reason == expected, "sampled at \(sampled), listed at \(listedAt): \(String(describing: error))")
        }

        // Withdrawn, its last version raises nothing, yet the activity lists WITH findings.
        let withdrawn = try await filing.withdrawActivity(.with { $0.requestId = "w1"; $0.activityId = filed.activityId; $0.reason = "错报" })
        #expect(withdrawn.findings.isEmpty && withdrawn.version == 2)
        let with = try await filing.listActivities(.with { $0.findings = .with }).activities
        #expect(with.map(\.activityId) == [filed.activityId] && with.first?.findings.isEmpty == true,
                "\(with.map { ($0.activityId, $0.findings.map(\.rule)) })")
        let without = try await filing.listActivities(.with { $0.findings = .without }).activities.map(\.activityId)
        #expect(!without.isEmpty && !without.contains(filed.activityId), "\(without)")
      }
    }
  }
}
