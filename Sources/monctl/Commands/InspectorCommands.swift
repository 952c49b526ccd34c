import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec

/// `monctl inspectors add|list|conflict`.
struct InspectorsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspectors", abstract: "The pool of inspectors the random draw sends (Art. 22, 双随机一公开).",
    subcommands: [Add.self, List.self, Conflict.self])

  typealias Inspection = Cqmon_V1_InspectionService.Client<HTTP2ClientTransport.Posix>

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register an inspector of the city bureau, or of a district's (--district).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Full name.") var name: String
    @Option(help: "Law-enforcement badge number (执法证号).") var badge: String
    @Option(help: "The district bureau (code); the city if not given.") var district: String = ""
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let inspector = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).addInspector(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.name = name; $0.badgeNumber = badge; $0.districtCode = district
          }, options: Client.options(connection))
        }
        print(InspectorsCommand.render([inspector], format: output.output, single: true), terminator: "")
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The pool, newest first (district officers: their district's).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only of this district's bureau (code).") var district: String = ""
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let inspectors = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Inspection(wrapping: client).listInspectors(.with {
              $0.districtCode = district; $0.pageSize = size; $0.pageToken = token
            }, options: Client.options(connection))
            return (page.inspectors, page.nextPageToken)
          }
        }
        print(InspectorsCommand.render(inspectors, format: output.output), terminator: "")
      }
    }
  }

  struct Conflict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Declare an inspector's conflict of interest with an agency: no draw sends them there.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The inspector id, e.g. ipr-000001.") var id: String
    @Option(name: .customLong("agency"), help: "The agency (credit code).") var agency: String
    @Option(help: "Why.") var reason: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let inspector = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).declareConflict(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.inspectorId = id
            $0.conflict = .with { $0.creditCode = agency; $0.reason = reason }
          }, options: Client.options(connection))
        }
        print(InspectorsCommand.render([inspector], format: output.output, single: true), terminator: "")
      }
    }
  }

  static func render(_ inspectors: [Cqmon_V1_Inspector], format: OutputFormat, single: Bool = false) -> String {
    Printer(format: format).render(inspectors, single: single) {
      Printer(format: .table).render(
        columns: ["INSPECTOR", "NAME", "BADGE", "BUREAU", "CONFLICTS"],
        rows: inspectors.map {
          [$0.inspectorId, $0.name, $0.badgeNumber, $0.districtCode.isEmpty ? "city" : $0.districtCode,
           $0.conflicts.isEmpty ? "-" : $0.conflicts.map(\.creditCode).joined(separator: ",")]
        })
    }
  }
}
