import ArgumentParser
import GRPCCore
import ProtoCodec

/// `monctl health`: the server's health (grpc.health.v1), or one service's.
struct HealthCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "health", abstract: "Show whether the server (or a service) is serving; exit 8 if not.")

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: OutputOptions

  @Option(help: "A fully qualified service name, e.g. grpc.health.v1.Health; empty for the server.")
  var service: String = ""

  @Option(help: "Wait up to this many seconds for it to be serving (a server that is starting), asking every 0.2 s.")
  var wait: Double = 0

  func run() async throws {
    try await reporting {
      let connection = try connection.resolve()
      let deadline = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
      var status = try await check(connection, deadline: deadline)
      while status != .serving && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(200))
        status = try await check(connection, deadline: deadline)
      }
      print(Self.render(server: connection.server, service: service, status: status, format: output.output), terminator: "")
      if status != .serving {
        throw CLIError(.notServing, "\(service.isEmpty ? "the server" : service) is \(status)")
      }
    }
  }

  /// The status now; before `deadline`, a server not yet reachable counts as not serving.
  private func check(_ connection: Connection, deadline: ContinuousClock.Instant) async throws -> ServingStatusName {
    do {
      return try await Client.with(connection) { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client).check(
          .with { $0.service = service }, options: Client.options(connection)
        ).status
      }
    } catch where ContinuousClock.now < deadline {
      return .unknown
    }
  }

  static func render(server: String, service: String, status: ServingStatusName, format: OutputFormat) -> String {
    Printer(format: format).render(
      columns: ["SERVER", "SERVICE", "STATUS"], rows: [[server, service.isEmpty ? "(all)" : service, "\(status)"]],
      single: true)
  }
}

typealias ServingStatusName = Grpc_Health_V1_HealthCheckResponse.ServingStatus
