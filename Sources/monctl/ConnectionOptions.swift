import ArgumentParser
import Foundation
import Yams

/// The options every command that talks to the server takes.
struct ConnectionOptions: ParsableArguments {
  @Option(name: .customLong("server"), help: "The server, HOST:PORT (default 127.0.0.1:8443).")
  var server: String?

  @Option(name: .customLong("ca"), help: "The CA certificate the server's certificate must chain to, PEM.")
  var ca: String?

  @Option(name: .customLong("cert"), help: "Your client certificate, PEM.")
  var cert: String?

  @Option(name: .customLong("key"), help: "Your client certificate's private key, PEM.")
  var key: String?

  @Option(name: .customLong("context"), help: "A named context from the config file.")
  var context: String?

  @Option(name: .customLong("timeout"), help: "Seconds to wait for an answer (default 10; 600 for 'audit verify').")
  var timeout: Double?

  /// What to connect with: flags over the context over the defaults. `defaultTimeout` is the
  /// command's own when no --timeout is given (a whole-record verification takes long).
  func resolve(defaultTimeout: Double = 10) throws(CLIError) -> Connection {
    let file = try ContextFile.load()
    let contextName = context ?? file?.currentContext
    var base = Connection.defaults
    if let contextName {
      guard let named = file?.contexts[contextName] else {
        throw CLIError(.usage, "no context named '\(contextName)' in \(ContextFile.path)")
      }
      base = named.over(base)
    }
    return Connection(
      server: server ?? base.server, ca: ca ?? base.ca, cert: cert ?? base.cert, key: key ?? base.key,
      timeout: timeout ?? defaultTimeout)
  }
}

/// Where and how to connect.
struct Connection: Equatable {
  var server: String
  var ca: String
  var cert: String
  var key: String
  var timeout: Double = 10

  /// The development setup that `make run` creates.
  static let defaults = Connection(
    server: "127.0.0.1:8443", ca: "certs/dev/ca.pem", cert: "certs/dev/city.pem", key: "certs/dev/city-key.pem")
}

/// The config file of named contexts, like kubectl's:
///
///     current-context: dev
///     contexts:
///       dev:
///         server: 127.0.0.1:8443
///         ca: certs/dev/ca.pem
///         cert: certs/dev/city.pem
///         key: certs/dev/city-key.pem
struct ContextFile: Codable, Equatable {
  struct Context: Codable, Equatable {
    var server: String?
    var ca: String?
    var cert: String?
    var key: String?

    func over(_ base: Connection) -> Connection {
      Connection(server: server ?? base.server, ca: ca ?? base.ca, cert: cert ?? base.cert, key: key ?? base.key)
    }
  }

  var currentContext: String?
  var contexts: [String: Context]

  enum CodingKeys: String, CodingKey {
    case currentContext = "current-context"
    case contexts
  }

  static var path: String {
    if let path = ProcessInfo.processInfo.environment["MONCTL_CONFIG"] { return path }
    let home = ProcessInfo.processInfo.environment["HOME"] ?? "."
    return home + "/.config/monctl/config.yaml"
  }

  /// The file, or nil when there is none.
  static func load() throws(CLIError) -> ContextFile? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    do {
      return try YAMLDecoder().decode(ContextFile.self, from: text)
    } catch {
      throw CLIError(.usage, "\(path) is not a valid monctl config: \(error)")
    }
  }
}
