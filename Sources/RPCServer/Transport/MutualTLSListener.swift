import GRPCNIOTransportHTTP2
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// The listening side of the gRPC transport: TCP, TLS 1.2+ with a client certificate required
/// and the bureau's CA as the only trust root, then HTTP/2 as grpc-swift configures it.
///
/// Why not `HTTP2ServerTransport.Posix`: it works out the peer certificate again for every call
/// (an event-loop hop, a DER re-encode and a parse), which dominated the per-call profile. Here
/// a `PeerIdentityHandler` behind the TLS handler reads the certificate once per connection, at
/// the end of the handshake, and records the caller's principal for the connection
/// (`ConnectionIdentities`); calls then find it by their connection's address.
struct MutualTLSListener: HTTP2ServerTransport.ListenerFactory {
  let eventLoopGroup: any EventLoopGroup
  let host: String
  let port: Int
  let sslContext: NIOSSLContext
  let identities: ConnectionIdentities

  init(host: String, port: Int, sslContext: NIOSSLContext, identities: ConnectionIdentities, eventLoopGroup: any EventLoopGroup) {
    self.host = host
    self.port = port
    self.sslContext = sslContext
    self.identities = identities
    self.eventLoopGroup = eventLoopGroup
  }

  /// TLS 1.2+, the server's certificate, a client certificate required and verified against
  /// the bureau's CA only; ALPN h2. Both transports use it.
  /// - Throws: `ConfigError` when a certificate or key cannot be read.
  static func sslContext(certificate: String, key: String, clientCA: String) throws(ConfigError) -> NIOSSLContext {
    var tls: TLSConfiguration
    do {
      tls = TLSConfiguration.makeServerConfiguration(
        certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
        privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
      tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA))
    } catch {
      throw ConfigError("cannot load the TLS certificates (\(certificate), \(key), \(clientCA)): \(error)")
    }
    tls.minimumTLSVersion = .tlsv12
    tls.certificateVerification = .noHostnameVerification  // clients have no host name; the CA vouches
    tls.applicationProtocols = ["grpc-exp", "h2"]
    do {
      return try NIOSSLContext(configuration: tls)
    } catch {
      throw ConfigError("the TLS configuration is not usable: \(error)")
    }
  }

  func makeListeningChannel(
    listenerConfigurator: HTTP2ServerTransport.ListenerConfigurator,
    connectionConfigurator: HTTP2ServerTransport.ConnectionConfigurator
  ) async throws -> NIOAsyncChannel<HTTP2ServerTransport.ConnectionConfigurator.ConnectionChannel, Never> {
    let sslContext = self.sslContext
    let identities = self.identities
    return try await ServerBootstrap(group: eventLoopGroup)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .serverChannelInitializer { listenerConfigurator.configure(channel: $0) }
      .bind(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
          try channel.pipeline.syncOperations.addHandler(PeerIdentityHandler(identities: identities))
        }.flatMap {
          connectionConfigurator.configure(channel: channel, tls: .configured(requireALPN: false))
        }
      }
  }
}

/// Records the connection's principal when the TLS handshake completes, forgets it when the
/// connection closes. Runs on the connection's event loop, before any HTTP/2 frame is read.
final class PeerIdentityHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
  typealias InboundIn = NIOAny

  private let identities: ConnectionIdentities
  private var key: String?

  init(identities: ConnectionIdentities) {
    self.identities = identities
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls, let address = context.channel.remoteAddress {
      let key = ConnectionIdentities.key(for: address)
      self.key = key
      let der = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate?.toDERBytes()
      identities.connected(key, certificateDER: der)
    }
    context.fireUserInboundEventTriggered(event)
  }

  func channelInactive(context: ChannelHandlerContext) {
    if let key { identities.disconnected(key) }
    context.fireChannelInactive()
  }
}
