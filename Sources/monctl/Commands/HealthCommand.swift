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

  func run() async throws {
    try await reporting {
      let connection = try connection.resolve()
      let status = try await Client.with(connection) { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client).check(
          .with { $0.service = service }, options: Client.options(connection)
        ).status
      }
      print(Self.render(server: connection.server, service: service, status: status, format: output.output), terminator: "")
      if status != .serving {
        throw CLIError(.notServing, "\(service.isEmpty ? "the server" : service) is \(status)")
      }
    }
  }

  static func render(server: String, service: String, status: ServingStatusName, format: OutputFormat) -> String {
    Printer(format: format).render(
      columns: ["SERVER", "SERVICE", "STATUS"], rows: [[server, service.isEmpty ? "(all)" : service, "\(status)"]],
      single: true)
  }
}

typealias ServingStatusName = Grpc_Health_V1_HealthCheckResponse.ServingStatus
