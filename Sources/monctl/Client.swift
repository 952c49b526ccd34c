import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec

/// A connected gRPC client for one command.
enum Client {
  /// Runs `body` with a client connected over mutual TLS as `connection` says.
  static func with<Result: Sendable>(
    _ connection: Connection, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    let target = try target(connection.server)
    let transport = try HTTP2ClientTransport.Posix(
      target: target,
      transportSecurity: .mTLS(
        certificateChain: [.file(path: connection.cert, format: .pem)],
        privateKey: .file(path: connection.key, format: .pem)
      ) { tls in
        tls.trustRoots = .certificates([.file(path: connection.ca, format: .pem)])
      }
    )
    return try await withGRPCClient(transport: transport) { client in try await body(client) }
  }

  static func options(_ connection: Connection) -> CallOptions {
    var options = CallOptions.defaults
    options.timeout = .milliseconds(Int64(connection.timeout * 1000))
    return options
  }

  private static func target(_ server: String) throws(CLIError) -> any ResolvableTarget {
    guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
      throw CLIError(.usage, "--server '\(server)' is not HOST:PORT")
    }
    var host = String(server[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") {
      host = String(host.dropFirst().dropLast())
      return .ipv6(address: host, port: port)
    }
    if host.split(separator: ".").count == 4, host.allSatisfy({ $0.isNumber || $0 == "." }) {
      return .ipv4(address: host, port: port)
    }
    return .dns(host: host, port: port)
  }
}
