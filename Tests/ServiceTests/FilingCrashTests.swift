import Foundation
import GRPCCore
import ProtoCodec
import Services
import Synchronization
import Testing

/// SIGKILL in the middle of a `FileActivities` stream: after a restart, every activity that got
/// a result is there exactly once with the receipt its LIMS holds, and the LIMS re-sending the
/// whole backlog with the same request ids creates nothing twice.
@Suite("Crashes in the middle of a filing stream", .serialized)
struct FilingCrashTests {
  static let backlog = 400

  /// The activity of FilingServiceTests, moved into the seconds after `listedAt`.
  static func request(_ number: Int, digest: String, listedAt: Date) -> Cqmon_V1_FileActivityRequest {
    var content = FilingServiceTests.activity(report: "CRASH-\(number)", digest: digest, now: Date())
    func at(_ seconds: Double) -> Google_Protobuf_Timestamp { .with { $0.seconds = Int64(listedAt.timeIntervalSince1970 + seconds) } }
    content.samplingEvents[0].startedAt = at(1)
    content.samplingEvents[0].endedAt = at(2)
    content.samplingEvents[0].sampleIds = ["C\(number)-1", "C\(number)-2"]
    for index in content.analyses.indices {
      content.analyses[index].sampleId = "C\(number)-\(index + 1)"
      content.analyses[index].startedAt = at(3)
      content.analyses[index].endedAt = at(4)
    }
    content.report?.issuedOn = Days.china(0, from: listedAt.addingTimeInterval(5))
    return .with { $0.requestId = "crash-\(number)"; $0.creditCode = "91500000MA5U7BCX7A"; $0.activity = content }
  }

  /// Results by request id, as they arrive.
  final class Results: Sendable {
    let state = Mutex<[String: Cqmon_V1_FileActivityResult]>([:])
    var all: [String: Cqmon_V1_FileActivityResult] { state.withLock { $0 } }
  }

  /// Streams `requests`, recording each result, until the stream ends or breaks.
  static func stream(_ requests: [Cqmon_V1_FileActivityRequest], to server: ServerProcess, into results: Results) async {
    try? await server.withClient(as: "agency") { client in
      try await Cqmon_V1_FilingService.Client(wrapping: client).fileActivities(requestProducer: { writer in
        for request in requests { try await writer.write(request) }
      }) { response in
        for try await result in response.messages { results.state.withLock { $0[result.requestId] = result } }
      }
    }
  }

  @Test("every activity with a result survives exactly once; the backlog again files only what is missing")
  func killMidStream() async throws {
    let first = try ServerProcess()
    first.keepsData = true
    try await first.waitUntilServing()
    try first.listExampleAgency()
    let listedAt = Date()
    let report = Array(try Data(contentsOf: ServerProcess.repository.appendingPathComponent("examples/documents/monitoring-report.txt")))
    let digest = try await first.withClient(as: "agency") { client in
      try await Cqmon_V1_DocumentService.Client(wrapping: client).upload(requestProducer: { writer in
        try await writer.write(.with { $0.metadata = .with { $0.requestId = "report"; $0.fileName = "report.txt"; $0.mediaType = "text/plain" } })
        try await writer.write(.with { $0.chunk = report })
      }).sha256
    }
    let requests = (0..<Self.backlog).map { Self.request($0, digest: digest, listedAt: listedAt) }

    // Kill once some results have come back, while the rest are in flight.
    let results = Results()
    async let streaming: Void = Self.stream(requests, to: first, into: results)
    for _ in 0..<500 where results.all.count < 40 { try await Task.sleep(for: .milliseconds(10)) }
    first.signal(SIGKILL)
    await streaming
    _ = await first.wait()
    let acknowledged = results.all
    #expect(acknowledged.count >= 40 && acknowledged.count < Self.backlog, "killed mid-stream: \(acknowledged.count) results")

    let second = try ServerProcess(directory: first.directory)
    second.keepsData = true
    try await second.waitUntilServing()
    let stored = try await second.withClient(as: "city") { client in
      var all: [Cqmon_V1_Activity] = []
      var token = ""
      repeat {
        let page = try await Cqmon_V1_FilingService.Client(wrapping: client).listActivities(.with { $0.pageSize = 1000; $0.pageToken = token })
        all += page.activities
        token = page.nextPageToken
      } while !token.isEmpty
      return all
    }
    let byReport = Dictionary(grouping: stored, by: { $0.content?.report?.reportNumber ?? "" })
    #expect(byReport.values.allSatisfy { $0.count == 1 }, "no activity twice")
    for (requestID, result) in acknowledged {
      guard case .activity(let activity)? = result.outcome else {
        Issue.record("\(requestID): \(String(describing: result.outcome))")
        continue
      }
      #expect(byReport[activity.content?.report?.reportNumber ?? ""]?.first?.receipt == activity.receipt, "\(requestID) is there with its receipt")
    }

    // The LIMS re-sends the whole backlog: what was filed comes back as it was, the rest is filed.
    let again = Results()
    await Self.stream(requests, to: second, into: again)
    let resent = again.all
    #expect(resent.count == Self.backlog)
    for (requestID, result) in acknowledged {
      guard case .activity(let before)? = result.outcome, case .activity(let now)? = resent[requestID]?.outcome else { continue }
      #expect(now.activityId == before.activityId && now.receipt == before.receipt, "\(requestID): the first result, nothing new")
    }
    let total = try await second.withClient(as: "city") { client in
      try await Cqmon_V1_FilingService.Client(wrapping: client).listActivities(.with { $0.pageSize = 1000 }).activities.count
    }
    #expect(total == Self.backlog)
    let audit = try await second.withClient(as: "city") { try await Cqmon_V1_AuditService.Client(wrapping: $0).verifyAuditLog(.init()) }
    #expect(audit.intact, "\(audit.problem)")
    second.signal(SIGTERM)
    _ = await second.wait()
    try? FileManager.default.removeItem(at: first.directory)
  }
}
