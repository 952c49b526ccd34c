import ArgumentParser

/// `monctl config`: where the contexts file is and what it holds.
struct ConfigCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "config",
    abstract: "Show the contexts file ($MONCTL_CONFIG or ~/.config/monctl/config.yaml).",
    discussion: """
      The file names connections, like kubectl's contexts:

        current-context: dev
        contexts:
          dev:
            server: 127.0.0.1:8443
            ca: certs/dev/ca.pem
            cert: certs/dev/city.pem
            key: certs/dev/city-key.pem

      --context NAME picks one; flags override its fields.
      """)

  @OptionGroup var output: OutputOptions

  func run() async throws {
    try await reporting {
      let file = try ContextFile.load()
      print(Self.render(file, format: output.output), terminator: "")
    }
  }

  static func render(_ file: ContextFile?, format: OutputFormat) -> String {
    let rows = (file?.contexts ?? [:]).sorted { $0.key < $1.key }.map { name, context in
      [name == file?.currentContext ? "*" : "", name, context.server ?? "", context.cert ?? ""]
    }
    return Printer(format: format).render(columns: ["CURRENT", "NAME", "SERVER", "CERT"], rows: rows)
  }
}
