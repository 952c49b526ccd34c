import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec

/// `monctl findings list`.
struct FindingsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "findings", abstract: "Findings from every source, e.g. the off-site checks of filed activities (Art. 8, 9).",
    subcommands: [List.self])

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
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let findings = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Inspection(wrapping: client).listFindings(.with {
              $0.creditCode = agency
              $0.districtCode = district
              $0.rule = rule
              $0.status = status
              $0.pageSize = size
              $0.pageToken = token
            }, options: Client.options(connection))
            return (page.findings, page.nextPageToken)
          }
        }
        print(Printer(format: output.output).render(findings) {
          Printer(format: .table).render(
            columns: ["FINDING", "AGENCY", "RULE", "CATEGORY", "STATUS", "ACTIVITY", "RAISED", "DESCRIPTION"],
            rows: findings.map { finding in
              [
                finding.findingId, finding.creditCode, finding.rule.isEmpty ? "-" : finding.rule, finding.category.shortName, finding.status,
                finding.activityId.isEmpty ? "-" : "\(finding.activityId) v\(finding.activityVersion)", finding.raisedAt?.text ?? "",
                finding.description,
              ]
            })
        }, terminator: "")
      }
    }
  }
}
