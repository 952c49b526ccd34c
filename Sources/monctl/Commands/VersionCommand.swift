import ArgumentParser

/// `monctl version`.
struct VersionCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "version", abstract: "Show monctl's version and API.")

  @OptionGroup var output: OutputOptions

  func run() async throws {
    print(Self.render(format: output.output), terminator: "")
  }

  static func render(format: OutputFormat) -> String {
    Printer(format: format).render(columns: ["MONCTL", "API"], rows: [[Monctl.version, "cqmon.v1"]], single: true)
  }
}
