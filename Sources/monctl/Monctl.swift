import ArgumentParser

/// `monctl`: the bureau's command line to the server. It talks to the server only over the
/// wire (gRPC over mutual TLS), like any other client.
@main
struct Monctl: AsyncParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "monctl",
    abstract: "The admin CLI of the Chongqing monitoring-agency management system.",
    discussion: """
      Connection: --server, --ca, --cert and --key, or a named context from the config file \
      ($MONCTL_CONFIG or ~/.config/monctl/config.yaml; see `monctl config --help`). Output: \
      -o table (default) or -o json.

      Exit codes:
        0  success
        1  any other failure
        2  bad usage
        3  cannot reach the server, or TLS failed
        4  refused: not authenticated or not permitted
        5  the request is invalid (the fields at fault are printed)
        6  not found
        7  conflict: already exists, wrong state, or aborted
        8  the server (or service) is not serving
      """,
    version: version,
    subcommands: [
      HealthCommand.self, ServicesCommand.self, AgenciesCommand.self, CertificatesCommand.self, RegistryCommand.self,
      ApplicationsCommand.self,
      ChangesCommand.self, EligibilityCommand.self, DocumentsCommand.self, ActivitiesCommand.self, FindingsCommand.self,
      InspectorsCommand.self, InspectionsCommand.self, ComplaintsCommand.self, CreditCommand.self, RatingsCommand.self, BulletinCommand.self, AuditCommand.self,
      VersionCommand.self,
      ConfigCommand.self,
    ]
  )
}
