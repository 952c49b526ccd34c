import GRPCCore
import NIOCore
import NIOExtras
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// The gRPC server transport `monitord` serves on: mutual TLS, HTTP/2 from swift-nio-http2, and
/// gRPC framing in `GRPCConnectionHandler`, one per connection, with each call's task running
/// on its connection's event loop. Behind GRPCCore's `ServerTransport`, so services and
/// generated code are the same on it as on grpc-swift's own transport (`transport.kind: nio`).
///
/// Per connection the pipeline is TLS → `PeerIdentityHandler` (the principal, once) →
/// `NIOHTTP2Handler` → `NIOHTTP2ServerConnectionManagementHandler` (keepalive pings, GOAWAY
/// when the server drains, closing once the last stream ends) → `GRPCConnectionHandler`.
final class LeanServerTransport: ServerTransport {
  typealias Bytes = WireBytes

  struct Configuration: Sendable {
    var host: String
    var port: Int
    var maxConcurrentStreams: Int
    var maxRequestPayload: Int
    var keepaliveTime: TimeAmount
    var keepaliveTimeout: TimeAmount
    /// How long draining connections may take before they are closed under their calls.
    var maxGraceTime: TimeAmount?
  }

  private let configuration: Configuration
  private let sslContext: NIOSSLContext
  private let identities: ConnectionIdentities
  private let group: any EventLoopGroup
  private let quiescing: ServerQuiescingHelper
  let tracker = StreamTracker()
  private let methods = Mutex<[String: MethodDescriptor]>([:])
  private let state = Mutex(State())
  private let bound: EventLoopPromise<SocketAddress?>

  private struct State {
    var shutdownRequested = false
    var listening = false
    /// Completes when every connection has closed after a graceful shutdown began.
    var drained: EventLoopFuture<Void>?
  }

  init(configuration: Configuration, sslContext: NIOSSLContext, identities: ConnectionIdentities, group: any EventLoopGroup) {
    self.configuration = configuration
    self.sslContext = sslContext
    self.identities = identities
    self.group = group
    quiescing = ServerQuiescingHelper(group: group)
    bound = group.next().makePromise()
  }

  deinit {
    bound.succeed(nil)
  }

  /// The bound address once listening; nil if the transport stopped before it bound.
  var listeningAddress: SocketAddress? {
    get async { try? await bound.futureResult.get() }
  }

  func configure(context: GRPCServerContext) {
    var byPath: [String: MethodDescriptor] = [:]
    for method in context.methods { byPath["/" + method.fullyQualifiedMethod] = method }
    methods.withLock { $0 = byPath }
  }

  func listen(streamHandler: @escaping @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void) async throws {
    let connection = GRPCConnectionHandler.Configuration(methods: methods.withLock { $0 }, maxRequestPayload: configuration.maxRequestPayload)
    let settings: HTTP2Settings = [
      HTTP2Setting(parameter: .maxConcurrentStreams, value: configuration.maxConcurrentStreams),
      HTTP2Setting(parameter: .initialWindowSize, value: 65_535),
      HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
      HTTP2Setting(parameter: .maxHeaderListSize, value: HPACKDecoder.defaultMaxHeaderListSize),
    ]
    let management = NIOHTTP2ServerConnectionManagementHandler.Configuration(
      maxIdleTime: nil, maxAge: nil, maxGraceTime: configuration.maxGraceTime,
      keepalive: .init(pingInterval: configuration.keepaliveTime, ackTimeout: configuration.keepaliveTimeout))
    let (sslContext, identities, tracker, quiescing) = (self.sslContext, self.identities, self.tracker, self.quiescing)

    let channel: any Channel
    do {
      channel = try await ServerBootstrap(group: group)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .serverChannelOption(.backlog, value: 256)
        .serverChannelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
          }
        }
        .childChannelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLServerHandler(context: sslContext))
            try sync.addHandler(PeerIdentityHandler(identities: identities))
            var http2 = NIOHTTP2Handler.ConnectionConfiguration()
            http2.initialSettings = settings
            try sync.addHandler(NIOHTTP2Handler(mode: .server, connectionConfiguration: http2))
            try sync.addHandler(NIOHTTP2ServerConnectionManagementHandler(eventLoop: channel.eventLoop, configuration: management))
            try sync.addHandler(
              GRPCConnectionHandler(eventLoop: channel.eventLoop, configuration: connection, tracker: tracker, streamHandler: streamHandler))
          }
        }
        .bind(host: configuration.host, port: configuration.port)
        .get()
    } catch {
      bound.succeed(nil)
      throw error
    }
    bound.succeed(channel.localAddress)
    let drainNow = state.withLock { s in
      s.listening = true
      return s.shutdownRequested
    }
    // A shutdown asked for before the address was bound starts now.
    if drainNow { beginGracefulShutdown() }
    try? await channel.closeFuture.get()
    if let drained = state.withLock({ $0.drained }) { try? await drained.get() }
    await tracker.tasksFinished()
  }

  /// Stops accepting connections; each open one gets GOAWAY and closes when its calls are done.
  func beginGracefulShutdown() {
    let closed = group.next().makePromise(of: Void.self)
    let start = state.withLock { s in
      guard s.listening, s.drained == nil else {
        s.shutdownRequested = true
        return false
      }
      s.drained = closed.futureResult
      return true
    }
    guard start else { return closed.succeed() }
    quiescing.initiateShutdown(promise: closed)
  }
}
