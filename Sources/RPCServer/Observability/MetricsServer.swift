import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// Serves the Prometheus text format at `GET /metrics` on a separate port (localhost by
/// default): plain HTTP/1.1, nothing else. The store's counters are brought up to date as each
/// scrape is answered.
struct MetricsServer: Service {
  let endpoint: ServerConfig.Endpoint
  let registry: PrometheusCollectorRegistry
  let store: StoreMetrics
  let logger: Logger

  func run() async throws {
    let registry = self.registry, store = self.store
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap {
          channel.pipeline.addHandler(MetricsHandler(registry: registry, store: store))
        }
      }
      .bind(host: endpoint.host, port: endpoint.port).get()
    logger.info("metrics listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
    try await withGracefulShutdownHandler {
      try await channel.closeFuture.get()
    } onGracefulShutdown: {
      channel.close(promise: nil)
    }
  }
}

private final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  let registry: PrometheusCollectorRegistry
  let store: StoreMetrics
  private var path = ""

  init(registry: PrometheusCollectorRegistry, store: StoreMetrics) {
    self.registry = registry
    self.store = store
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      path = head.method == .GET ? head.uri : ""
    case .body:
      break
    case .end:
      let found = path == "/metrics"
      if found { store.update() }
      let body = found ? registry.emitToBuffer() : Array("not found\n".utf8)
      var headers = HTTPHeaders()
      headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4" : "text/plain")
      headers.add(name: "Content-Length", value: "\(body.count)")
      headers.add(name: "Connection", value: "close")
      context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: found ? .ok : .notFound, headers: headers))), promise: nil)
      context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
      let channel = context.channel
      context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
  }
}
