import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import ProtoCodec
@testable import RPCServer
import Services
import Synchronization
import Testing

/// The server's own transport at the HTTP/2 level, seen from a raw HTTP/2 client (frames, not
/// calls): flow control, resets, GOAWAY on drain, the stream limit, requests that are not gRPC;
/// then ten thousand calls cancelled and timed out at random, after which nothing is left.
@Suite("The lean transport on the wire")
struct LeanTransportTests {
  @Test("a request larger than the stream window gets WINDOW_UPDATEs and is answered")
  func windowUpdates() async throws {
    try await LeanServer.run { server in
      let client = try await RawClient.connect(port: server.port)
      // HealthCheckRequest with an unknown field 2 of 200,000 bytes (skipped by the codec):
      // three times the 65,535-byte stream window.
      var message = [UInt8(0x12)]
      var length = 200_000
      while length >= 0x80 { message.append(UInt8(length & 0x7f) | 0x80); length >>= 7 }
      message.append(UInt8(length))
      message += [UInt8](repeating: UInt8(ascii: "x"), count: 200_000)
      try await client.call(1, "/grpc.health.v1.Health/Check", message: message)
      let frames = try await client.wait { $0.contains { $0.streamID == 1 && $0.isEndStream } }
      #expect(frames.contains { if case .windowUpdate = $0.payload, $0.streamID == 1 { true } else { false } })
      #expect(frames.trailers(1)?.first(name: "grpc-status") == "0", "SERVING, after reading all of it")
      try await client.close()
    }
  }

  @Test("RST_STREAM from the client cancels the call: its stream and task are gone")
  func clientReset() async throws {
    try await LeanServer.run { server in
      let client = try await RawClient.connect(port: server.port)
      try await client.call(1, "/grpc.health.v1.Health/Watch", message: [])
      _ = try await client.wait { $0.contains { $0.streamID == 1 && $0.isData } }
      #expect(server.transport.tracker.openStreams == 1 && server.transport.tracker.runningTasks == 1)
      try await client.send(HTTP2Frame(streamID: 1, payload: .rstStream(.cancel)))
      try await eventually { server.transport.tracker.openStreams == 0 && server.transport.tracker.runningTasks == 0 }
      // The connection serves on.
      try await client.call(3, "/grpc.health.v1.Health/Check", message: [])
      let frames = try await client.wait { $0.trailers(3) != nil }
      #expect(frames.trailers(3)?.first(name: "grpc-status") == "0")
      try await client.close()
    }
  }

  @Test("drain: GOAWAY at once, the call in flight finishes, then the connection closes")
  func goAwayOnDrain() async throws {
    try await LeanServer.run { server in
      let client = try await RawClient.connect(port: server.port)
      try await client.call(1, "/grpc.health.v1.Health/Watch", message: [])
      _ = try await client.wait { $0.contains { $0.streamID == 1 && $0.isData } }
      server.grpc.beginGracefulShutdown()
      let frames = try await client.wait { $0.contains { if case .goAway = $0.payload { true } else { false } } }
      #expect(!frames.contains { $0.streamID == 1 && $0.isEndStream }, "the watch is still open after GOAWAY")
      #expect(!client.closed)
      server.components.health.finishWatchers()
      let after = try await client.wait { $0.trailers(1) != nil }
      #expect(after.trailers(1)?.first(name: "grpc-status") == "0")
      try await eventually { client.closed }
    }
  }

  @Test("SETTINGS: the configured stream limit; a call past it waits for a stream to end")
  func maxConcurrentStreams() async throws {
    try await LeanServer.run(maxConcurrentStreams: 2) { server in
      let client = try await RawClient.connect(port: server.port)
      let settings = try await client.wait { frames in
        frames.contains { if case .settings(.settings(let s)) = $0.payload { s.contains { $0.parameter == .maxConcurrentStreams } } else { false } }
      }
      let limit = settings.compactMap { frame -> Int? in
        guard case .settings(.settings(let s)) = frame.payload else { return nil }
        return s.first { $0.parameter == .maxConcurrentStreams }?.value
      }.first
      #expect(limit == 2)
      try await client.call(1, "/grpc.health.v1.Health/Watch", message: [])
      try await client.call(3, "/grpc.health.v1.Health/Watch", message: [])
      // The client's HTTP/2 honours the advertised limit and holds stream 5 back until a stream
      // closes, so this request's writes complete only once stream 1 is reset.
      let third = Task { try await client.call(5, "/grpc.health.v1.Health/Check", message: []) }
      _ = try await client.wait { $0.contains { $0.streamID == 3 && $0.isData } }
      try await Task.sleep(for: .milliseconds(200))
      #expect(client.frames.trailers(5) == nil && server.transport.tracker.openStreams == 2, "the third waits")
      try await client.send(HTTP2Frame(streamID: 1, payload: .rstStream(.cancel)))
      try await third.value
      let frames = try await client.wait { $0.trailers(5) != nil }
      #expect(frames.trailers(5)?.first(name: "grpc-status") == "0")
      try await client.close()
    }
  }

  @Test("requests that are not gRPC, or break its framing, get a clear answer and the connection serves on")
  func notGRPC() async throws {
    try await LeanServer.run(maxRequestPayload: 1000) { server in
      let client = try await RawClient.connect(port: server.port)
      try await client.call(1, "/grpc.health.v1.Health/Check", message: [], contentType: "application/json")
      try await client.call(3, "/no.Such/Method", message: [])
      try await client.call(5, "not-a-path", message: [])
      try await client.call(7, "/grpc.health.v1.Health/Check", message: [], extra: [("grpc-encoding", "gzip")])
      try await client.call(9, "/grpc.health.v1.Health/Check", message: [], compressedFlag: 1)
      try await client.call(11, "/grpc.health.v1.Health/Check", message: [UInt8](repeating: 0, count: 2000))
      try await client.call(13, "/grpc.health.v1.Health/Check", message: [], truncate: true)
      try await client.call(15, "/grpc.health.v1.Health/Check", message: [])
      let frames = try await client.wait { frames in [1, 3, 5, 7, 9, 11, 13, 15].allSatisfy { frames.trailers($0) != nil } }
      #expect(frames.trailers(1)?.first(name: ":status") == "415")
      #expect(frames.trailers(3)?.first(name: "grpc-status") == "12")
      #expect(frames.trailers(5)?.first(name: "grpc-status") == "12")
      #expect(frames.trailers(7)?.first(name: "grpc-status") == "12" && frames.trailers(7)?.first(name: "grpc-accept-encoding") == "identity")
      #expect(frames.trailers(9)?.first(name: "grpc-status") == "13")
      #expect(frames.trailers(11)?.first(name: "grpc-status") == "8")
      #expect(frames.trailers(11)?.first(name: "grpc-message")?.contains("2000 bytes is over the server's limit of 1000") == true)
      #expect(frames.trailers(13)?.first(name: "grpc-status") == "13")
      #expect(frames.trailers(15)?.first(name: "grpc-status") == "0")
      try await eventually { server.transport.tracker.openStreams == 0 && server.transport.tracker.runningTasks == 0 }
      try await client.close()
    }
  }

  @Test("10,000 calls, cancelled and timed out at random, twice: no stream, task, stream object or memory left")
  func randomCancellation() async throws {
    try await LeanServer.run { server in
      let certs = ServerProcess.certificates.path
      // Two rounds of the same calls: the first reaches the allocator's and the clients'
      // working size, the second must then leave no more behind than it found.
      var resident: [Int] = []
      for round in 0..<2 {
        let outcomes = Tally()
        // Fifty clients, a connection each: HTTP/2's defence against rapid resets (200 a
        // connection in 30 s) is left as it is, and each client stays under it.
        try await withThrowingTaskGroup(of: Void.self) { group in
          for worker in 0..<50 {
            group.addTask {
              let transport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: "127.0.0.1", port: server.port),
                transportSecurity: .mTLS(
                  certificateChain: [.file(path: certs + "/city.pem", format: .pem)], privateKey: .file(path: certs + "/city-key.pem", format: .pem)
                ) { $0.trustRoots = .certificates([.file(path: certs + "/ca.pem", format: .pem)]) })
              try await withGRPCClient(transport: transport) { client in
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                var ready = CallOptions.defaults
                ready.waitForReady = true
                _ = try await health.check(.init(), options: ready)
                var rng = SplitMix(seed: UInt64(round * 50 + worker))
                for _ in 0..<200 {
                  let outcome: String
                  switch rng.next() % 4 {
                  case 0:
                    outcome = await Self.outcome(outcomes) { _ = try await health.check(.init()) }
                  case 1:
                    var options = CallOptions.defaults
                    options.timeout = .microseconds(Int64(rng.next() % 3000))
                    outcome = await Self.outcome(outcomes) { _ = try await health.check(.init(), options: options) }
                  case 2:
                    var options = CallOptions.defaults
                    options.timeout = .milliseconds(Int64(1 + rng.next() % 20))
                    outcome = await Self.outcome(outcomes) { try await health.watch(.init(), options: options) { for try await _ in $0.messages {} } }
                  default:
                    let after = Duration.microseconds(Int64(rng.next() % 5000))
                    let call = Task { try await health.watch(.init()) { for try await _ in $0.messages {} } }
                    try await Task.sleep(for: after)
                    call.cancel()
                    // grpc-swift's client, cancelled while its stream is being torn down, now and
                    // then reports its own cancellation as UNAVAILABLE ("Stream unexpectedly closed
                    // with error"): a few in 20,000 against its own server transport as well.
                    let seen = await Self.outcome(outcomes) { try await call.value }
                    outcome = seen == "unavailable" ? "cancelled" : seen
                  }
                  outcomes.count(outcome)
                }
              }
            }
          }
          try await group.waitForAll()
        }
        let counts = outcomes.counts
        #expect(counts.values.reduce(0, +) == 10_000)
        #expect(Set(counts.keys).isSubset(of: ["ok", "deadlineExceeded", "cancelled"]), "\(counts) \(outcomes.examples)")
        #expect(counts["ok", default: 0] > 2000 && counts["deadlineExceeded", default: 0] > 1000 && counts["cancelled", default: 0] > 1000, "\(counts)")
        try await eventually(seconds: 10) {
          server.transport.tracker.openStreams == 0 && server.transport.tracker.runningTasks == 0 && ServerStream.live.load(ordering: .relaxed) == 0
        }
        resident.append(try residentMiB())
      }
      let grown = resident[1] - resident[0]
      #expect(grown < 8, "resident memory grew by \(grown) MiB over the second 10,000 calls (\(resident) MiB)")
    }
  }

  static func outcome(_ tally: Tally, _ body: () async throws -> Void) async -> String {
    do {
      try await body()
      return "ok"
    } catch let error as RPCError where error.cause is CancellationError {
      return "cancelled"  // the client's own task, cancelled
    } catch let error as RPCError {
      tally.example("\(error.code)", "\(error)")
      return "\(error.code)"
    } catch is CancellationError {
      return "cancelled"
    } catch {
      return "\(error)"
    }
  }
}

/// Outcomes counted from many tasks.
final class Tally: Sendable {
  private let tally = Mutex([String: Int]())
  private let seen = Mutex([String: String]())
  func count(_ outcome: String) { tally.withLock { $0[outcome, default: 0] += 1 } }
  var counts: [String: Int] { tally.withLock { $0 } }
  func example(_ outcome: String, _ error: String) { seen.withLock { if $0[outcome] == nil { $0[outcome] = error } } }
  var examples: [String: String] { seen.withLock { $0 } }
}

/// A deterministic stream of numbers for the random mix of calls.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// This process's resident set, from /proc/self/status.
func residentMiB() throws -> Int {
  let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
  let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
  let kib = try #require(Int(line.split(separator: " ").dropFirst().first ?? ""))
  return kib / 1024
}

/// Polls until `condition` holds, failing after `seconds`.
func eventually(seconds: Double = 5, _ condition: () -> Bool) async throws {
  let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
  while !condition() {
    guard ContinuousClock.now < deadline else {
      Issue.record("the condition did not hold within \(seconds) s")
      return
    }
    try await Task.sleep(for: .milliseconds(10))
  }
}

/// `LeanServerTransport` with the server's services, on 127.0.0.1 and a free port, over a
/// temporary SQLite store; stopped after the body.
struct LeanServer: Sendable {
  let transport: LeanServerTransport
  let grpc: GRPCServer<LeanServerTransport>
  let components: MonitorServer.Components
  let port: Int

  static func run(maxConcurrentStreams: Int = 100, maxRequestPayload: Int = 1 << 20, _ body: @Sendable (LeanServer) async throws -> Void) async throws {
    try await withStore(.sqlite) { store in
      let certs = ServerProcess.certificates.path
      let identities = ConnectionIdentities(revocations: RevocationList(path: nil, logger: Logger(label: "test")))
      let components = try makeComponents(identity: identities, store: store.store)
      let transport = LeanServerTransport(
        configuration: .init(
          host: "127.0.0.1", port: 0, maxConcurrentStreams: maxConcurrentStreams, maxRequestPayload: maxRequestPayload,
          keepaliveTime: .hours(2), keepaliveTimeout: .seconds(20), maxGraceTime: nil),
        sslContext: try MutualTLSListener.sslContext(certificate: certs + "/server.pem", key: certs + "/server-key.pem", clientCA: certs + "/ca.pem"),
        identities: identities, group: MultiThreadedEventLoopGroup.singleton)
      let grpc = GRPCServer(transport: transport, services: components.services, interceptors: components.interceptors)
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await grpc.serve() }
        let port = try #require(await transport.listeningAddress?.port)
        do {
          try await body(LeanServer(transport: transport, grpc: grpc, components: components, port: port))
        } catch {
          components.health.finishWatchers()
          grpc.beginGracefulShutdown()
          throw error
        }
        components.health.finishWatchers()
        grpc.beginGracefulShutdown()
        try await group.waitForAll()
      }
    }
  }
}

/// An HTTP/2 client of frames over mutual TLS (as the development city officer), recording
/// every frame the server sends.
final class RawClient: ChannelInboundHandler, @unchecked Sendable {
  typealias InboundIn = HTTP2Frame

  private let received = Mutex<[HTTP2Frame]>([])
  private let isClosed = Atomic<Bool>(false)
  private var channel: (any Channel)?

  var frames: [HTTP2Frame] { received.withLock { $0 } }
  var closed: Bool { isClosed.load(ordering: .relaxed) }

  static func connect(port: Int) async throws -> RawClient {
    let certs = ServerProcess.certificates.path
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certs + "/city.pem").map { .certificate($0) }
    tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certs + "/city-key.pem", format: .pem))
    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certs + "/ca.pem"))
    tls.certificateVerification = .noHostnameVerification
    tls.applicationProtocols = ["h2"]
    let context = try NIOSSLContext(configuration: tls)
    let client = RawClient()
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
          try channel.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .client))
          try channel.pipeline.syncOperations.addHandler(client)
        }
      }
      .connect(host: "127.0.0.1", port: port).get()
    client.channel = channel
    return client
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    received.withLock { $0.append(frame) }
  }

  func channelInactive(context: ChannelHandlerContext) {
    isClosed.store(true, ordering: .relaxed)
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {}

  func send(_ frame: HTTP2Frame) async throws {
    try await channel!.writeAndFlush(frame)
  }

  /// A request on stream `id`: HEADERS, one length-prefixed message, END_STREAM (unless
  /// `truncate`, which cuts the message short before ending the stream).
  func call(
    _ id: Int, _ path: String, message: [UInt8], contentType: String = "application/grpc", extra: [(String, String)] = [],
    compressedFlag: UInt8 = 0, truncate: Bool = false
  ) async throws {
    var headers: HPACKHeaders = [
      ":method": "POST", ":scheme": "https", ":path": path, ":authority": "localhost", "content-type": contentType, "te": "trailers",
    ]
    for (name, value) in extra { headers.add(name: name, value: value) }
    let stream = HTTP2StreamID(id)
    try await channel!.write(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: headers))))
    var body = ByteBuffer()
    body.writeInteger(compressedFlag)
    body.writeInteger(UInt32(message.count + (truncate ? 10 : 0)))
    body.writeBytes(message)
    try await channel!.writeAndFlush(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(body), endStream: true))))
  }

  /// The frames so far, once `condition` holds of them (within 10 s).
  func wait(_ condition: @escaping ([HTTP2Frame]) -> Bool) async throws -> [HTTP2Frame] {
    let deadline = ContinuousClock.now + .seconds(10)
    while true {
      let frames = self.frames
      if condition(frames) { return frames }
      if ContinuousClock.now > deadline {
        Issue.record("the frames did not arrive: \(frames.map { "\($0.streamID) \($0.payload)" }.suffix(30))")
        throw CancellationError()
      }
      try await Task.sleep(for: .milliseconds(10))
    }
  }

  func close() async throws {
    try? await channel?.close()
  }
}

extension HTTP2Frame {
  var isData: Bool { if case .data = payload { true } else { false } }
  var isEndStream: Bool {
    switch payload {
    case .data(let data): data.endStream
    case .headers(let headers): headers.endStream
    case .rstStream: true
    default: false
    }
  }
}

extension [HTTP2Frame] {
  /// The HEADERS that ended stream `id`, if it has ended so.
  func trailers(_ id: Int) -> HPACKHeaders? {
    for frame in self where frame.streamID == HTTP2StreamID(id) {
      if case .headers(let headers) = frame.payload, headers.endStream { return headers.headers }
    }
    return nil
  }
}
