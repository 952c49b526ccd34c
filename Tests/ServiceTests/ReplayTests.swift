import Foundation
import GRPCCore
import ProtoCodec
import Services
import Synchronization
import Testing

/// A retry returns the first result (common.proto): every write of the services' own scenarios
/// is sent again, with its request id, after everything the scenario wrote after it, and its
/// reply must be the first reply's bytes exactly. Together the scenarios make every unary write
/// the contract names; the test fails when one is left out.
@Suite("A retry gets the first reply back, byte for byte, after later writes")
struct ReplayTests {
  typealias Scenario = (name: String, clock: @Sendable () -> TestClock, run: @Sendable (RegistryHarness, TestClock) async throws -> Void)

  /// The scenarios, each on a fresh store, with the clock each starts from.
  static let scenarios: [Scenario] = [
    ("registry: changes and removal", { TestClock(Date(timeIntervalSince1970: 1_795_883_400)) }, { h, clock in try await RegistryServiceTests.changesAndRemoval(h, clock: clock) }),
    ("registry: certificates", FilingServiceTests.start, { h, _ in try await RegistryMoreTests.certificates(h) }),
    ("filing: amended and withdrawn", FilingServiceTests.start, { h, clock in _ = try await FilingServiceTests.amendAndWithdraw(h, clock: clock) }),
    ("supervision: decisions on findings", FilingServiceTests.start, { h, clock in try await SupervisionServiceTests.findingDecisions(h, clock: clock) }),
    ("supervision: complaints", FilingServiceTests.start, { h, clock in try await SupervisionServiceTests.complaints(h, clock: clock) }),
    ("supervision: inspections", FilingServiceTests.start, { h, clock in try await SupervisionServiceTests.inspections(h, clock: clock) }),
    ("supervision: the draw", FilingServiceTests.start, { h, clock in try await SupervisionServiceTests.draw(h, clock: clock) }),
    ("credit: evaluation", CreditServiceTests.yearAgo, { h, clock in try await CreditServiceTests.evaluation(h, clock: clock) }),
    ("credit: publicity and publication", CreditServiceTests.yearAgo, { h, clock in try await CreditServiceTests.publication(h, clock: clock) }),
    ("credit: holiday calendars", FilingServiceTests.start, { h, _ in try await CreditServiceTests.calendars(h) }),
  ]

  @Test("every unary write, replayed after the scenario's later writes, answers its first reply's bytes", arguments: Engine.all)
  func replays(engine: Engine) async throws {
    var replayed: Set<String> = []
    for scenario in Self.scenarios {
      try await withStore(engine) { store in
        let clock = scenario.clock()
        let identity = SwitchableIdentity()
        let recorder = WriteRecorder(identity: identity)
        try await RegistryHarness.run(store: store.store, now: { clock.now }, identity: identity, interceptors: [recorder]) { h in
          try await scenario.run(h, clock)
          clock.advance(days: 1)
          let writes = recorder.writes.withLock { $0 }
          recorder.stop()
          for write in writes {
            h.as(write.caller)
            let again = try await h.client.unary(
              request: ClientRequest(message: write.request), descriptor: write.method, serializer: RawBytes(), deserializer: RawBytes(),
              options: .defaults
            ) { try $0.message }
            #expect(
              again == write.reply,
              "\(scenario.name): \(write.method.fullyQualifiedMethod) by \(write.caller) answered differently the second time")
            replayed.insert(write.method.fullyQualifiedMethod)
          }
        }
      }
    }
    let unary = Set(try Contract.writeMethods().filter { !$0.streamingRequest }.map(\.name))
    #expect(unary.subtracting(replayed).sorted() == [], "writes no scenario makes, so no replay checks")
    #expect(unary.count >= 30, "the contract's writes were found")
  }

  @Test("an old key with no result kept is refused with REQUEST_ID_USED, and nothing is written", arguments: Engine.all)
  func keyWithoutResult(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        try await h.enrol()
        h.as(Identities.agency)
        let digest = try await h.upload(Array("scan".utf8))
        let request = Cqmon_V1_SubmitApplicationRequest.with {
          $0.requestId = "old"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: digest, on: clock.now)
        }
        _ = try await h.registry.submitApplication(request)
        try await store.tamper("UPDATE idempotency SET result = NULL WHERE request_id = 'old'")
        let entries = try await store.store.auditEntries(after: 0, limit: 1000).count
        let refused = await failure { _ = try await h.registry.submitApplication(request) }
        #expect(refused?.code == .alreadyExists && refused?.reason == "REQUEST_ID_USED" && refused?.fields == ["request_id"])
        #expect(try await store.store.auditEntries(after: 0, limit: 1000).count == entries)
      }
    }
  }
}


/// Keeps every unary write that succeeded, as the client sent and received it: the caller, the
/// method, the request's bytes and the reply's.
final class WriteRecorder: ClientInterceptor, Sendable {
  struct Write: Sendable {
    var caller: String
    var method: MethodDescriptor
    var request: [UInt8]
    var reply: [UInt8]
  }

  let identity: SwitchableIdentity
  let writes = Mutex<[Write]>([])
  private let recording = Mutex(true)
  private let methods: Set<String>

  init(identity: SwitchableIdentity) {
    self.identity = identity
    methods = Set(((try? Contract.writeMethods()) ?? []).filter { !$0.streamingRequest }.map(\.name))
  }

  /// Stops recording: the replays are not recorded.
  func stop() { recording.withLock { $0 = false } }

  func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingClientRequest<Input>, context: ClientContext,
    next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
  ) async throws -> StreamingClientResponse<Output> {
    guard recording.withLock({ $0 }), methods.contains(context.descriptor.fullyQualifiedMethod) else { return try await next(request, context) }
    let caller = identity.uri.withLock { $0 }
    let sent = Sent()
    var request = request
    let producer = request.producer
    request.producer = { writer in try await producer(RPCWriter(wrapping: Capturing(writer: writer, sent: sent))) }
    var response = try await next(request, context)
    guard case .success(var contents) = response.accepted else { return response }
    let method = context.descriptor
    contents.bodyParts = RPCAsyncSequence(wrapping: contents.bodyParts.map { part in
      if case .message(let message) = part, let reply = message as? any ProtoMessage, let bytes = sent.bytes.withLock({ $0 }) {
        let write = Write(caller: caller, method: method, request: bytes, reply: try reply.serializedBytes())
        self.writes.withLock { $0.append(write) }
      }
      return part
    })
    response.accepted = .success(contents)
    return response
  }

  /// The bytes of the request a unary call sent.
  final class Sent: Sendable {
    let bytes = Mutex<[UInt8]?>(nil)
  }

  /// Passes the messages on, keeping the bytes of the one a unary call sends.
  struct Capturing<Element: Sendable>: RPCWriterProtocol {
    let writer: RPCWriter<Element>
    let sent: Sent

    func write(_ element: Element) async throws {
      if let message = element as? any ProtoMessage { sent.bytes.withLock { $0 = try? message.serializedBytes() } }
      try await writer.write(element)
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
      for element in elements { try await write(element) }
    }
  }
}
