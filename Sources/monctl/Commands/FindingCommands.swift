import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec

/// `monctl findings list|get|confirm|dismiss|rectify`.
struct FindingsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "findings",
    abstract: "Findings from every source (Art. 8, 9), and officers' decisions on them: confirmed ones are evidence (Art. 13).",
    subcommands: [List.self, Get.self, Confirm.self, Dismiss.self, Rectify.self])

  typealias Inspection = Cqmon_V1_InspectionService.Client<HTTP2ClientTransport.Posix>

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Findings, newest first (officers: their city or district; an agency: its own).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("agency"), help: "Only this agency's (credit code).") var agency: String = ""
    @Option(help: "Only of agencies registered in, or activities sampled in, this district (code).") var district: String = ""
    @Option(help: "Only of this rule, e.g. PERSON_IN_TWO_PLACES.") var rule: String = ""
    @Option(help: "Only in this status: open, confirmed, dismissed or rectified.") var status: String = ""
    @Option(help: "Only from this source: inspection, complaint or off-site-check.") var source: String = ""
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let source: Cqmon_V1_FindingSource = switch self.source {
        case "": .unspecified
        case "inspection": .inspection
        case "complaint": .complaint
        case "off-site-check": .offSiteCheck
        default: throw CLIError(.usage, "--source is inspection, complaint or off-site-check")
        }
        let connection = try connection.resolve()
        let findings = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Inspection(wrapping: client).listFindings(.with {
              $0.creditCode = agency
              $0.districtCode = district
              $0.rule = rule
              $0.status = status
              $0.source = source
              $0.pageSize = size
              $0.pageToken = token
            }, options: Client.options(connection))
            return (page.findings, page.nextPageToken)
          }
        }
        print(Printer(format: output.output).render(findings) { FindingsCommand.table(findings) }, terminator: "")
      }
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One finding with every decision on it.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The finding id, e.g. fnd-000001.") var id: String

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let finding = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).getFinding(.with { $0.findingId = id }, options: Client.options(connection))
        }
        print(FindingsCommand.render(finding, format: output.output), terminator: "")
      }
    }
  }

  /// What the three decision commands share.
  struct Decision: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The finding id.") var id: String
    @Option(help: "Why.") var reason: String
    @Option(name: .customLong("evidence"), help: "SHA-256 of an uploaded document (repeatable).") var evidence: [String] = []
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func decide(_ decision: Cqmon_V1_FindingDecision, rectifiedOn: Cqmon_V1_Date? = nil) async throws {
      let connection = try connection.resolve()
      let finding = try await Client.with(connection) { client in
        try await Inspection(wrapping: client).decideFinding(.with {
          $0.requestId = RequestFile.requestID(requestID); $0.findingId = id; $0.decision = decision; $0.reason = reason
          $0.evidence = evidence.map { digest in .with { $0.sha256 = digest } }
          $0.rectifiedOn = rectifiedOn
        }, options: Client.options(connection))
      }
      print(FindingsCommand.render(finding, format: output.output), terminator: "")
    }
  }

  struct Confirm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Confirm a finding: verified, it becomes evidence for the rating (Art. 13).")
    @OptionGroup var decision: Decision

    func run() async throws { try await reporting { try await decision.decide(.confirm) } }
  }

  struct Dismiss: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Dismiss a finding: not a breach after all.")
    @OptionGroup var decision: Decision

    func run() async throws { try await reporting { try await decision.decide(.dismiss) } }
  }

  struct Rectify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record that the agency put a confirmed finding right.")
    @OptionGroup var decision: Decision
    @Option(help: "The day it was put right (YYYY-MM-DD).") var on: String

    func run() async throws {
      try await reporting { try await decision.decide(.rectified, rectifiedOn: try RequestFile.day(on, option: "--on")) }
    }
  }

  static func table(_ findings: [Cqmon_V1_Finding]) -> String {
    Printer(format: .table).render(
      columns: ["FINDING", "AGENCY", "SOURCE", "RULE", "CATEGORY", "STATUS", "ACTIVITY", "RAISED", "DESCRIPTION"],
      rows: findings.map { finding in
        [
          finding.findingId, finding.creditCode, finding.source.shortName, finding.rule.isEmpty ? "-" : finding.rule, finding.category.shortName,
          finding.status, finding.activityId.isEmpty ? "-" : "\(finding.activityId) v\(finding.activityVersion)", finding.raisedAt?.text ?? "",
          finding.description,
        ]
      })
  }

  static func render(_ finding: Cqmon_V1_Finding, format: OutputFormat) -> String {
    Printer(format: format).render([finding], single: true) {
      var text = table([finding])
      if !finding.reviews.isEmpty {
        text += "\n" + Printer(format: .table).render(
          columns: ["DECISION", "STATUS", "BY", "AT", "REASON"],
          rows: finding.reviews.map { [$0.decision.shortName, $0.status, $0.decidedBy?.principal ?? "", $0.decidedAt?.text ?? "", $0.reason] })
      }
      return text
    }
  }
}
