import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec

/// `monctl activities file|get|list|versions|amend|withdraw`.
struct ActivitiesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "activities", abstract: "File and read monitoring activities (Art. 4(2)).",
    subcommands: [File.self, Get.self, List.self, Versions.self, Amend.self, Withdraw.self])

  typealias Filing = Cqmon_V1_FilingService.Client<HTTP2ClientTransport.Posix>

  struct File: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "File an activity (agencies), from a YAML or JSON file: `credit_code` and `activity` (see examples/activity.yaml).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .shortAndLong, help: "The request file.") var file: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        var request = try RequestFile.read(file, as: Cqmon_V1_FileActivityRequest.self)
        request.requestId = RequestFile.requestID(requestID ?? (request.requestId.isEmpty ? nil : request.requestId))
        let connection = try connection.resolve()
        let activity = try await Client.with(connection) { client in
          try await Filing(wrapping: client).fileActivity(request, options: Client.options(connection))
        }
        print(ActivitiesCommand.render([activity], format: output.output, single: true), terminator: "")
      }
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One activity, at its latest version or a given one, with its findings.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The activity id, e.g. act-000001.") var id: String
    @Option(help: "The version (default: the latest).") var version: Int32 = 0

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let activity = try await Client.with(connection) { client in
          try await Filing(wrapping: client).getActivity(.with { $0.activityId = id; $0.version = version }, options: Client.options(connection))
        }
        print(ActivitiesCommand.render([activity], format: output.output, single: true, findings: true), terminator: "")
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Activities, newest first.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("agency"), help: "Only this agency's (credit code).") var agency: String = ""
    @Option(help: "Only with sampling in this district (code).") var district: String = ""
    @Option(help: "Only with an analysis of this parameter.") var parameter: String = ""
    @Option(name: .customLong("client"), help: "Only for this client (its name exactly as filed).") var clientName: String = ""
    @Flag(name: .customLong("with-findings"), help: "Only those with findings.") var withFindings = false
    @Flag(name: .customLong("withdrawn"), help: "Only withdrawn ones.") var withdrawn = false
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let activities = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Filing(wrapping: client).listActivities(.with {
              $0.creditCode = agency
              $0.districtCode = district
              $0.parameter = parameter
              $0.clientName = clientName
              $0.findings = withFindings ? .with : .unspecified
              $0.status = withdrawn ? .withdrawn : .unspecified
              $0.pageSize = size
              $0.pageToken = token
            }, options: Client.options(connection))
            return (page.activities, page.nextPageToken)
          }
        }
        print(ActivitiesCommand.render(activities, format: output.output), terminator: "")
      }
    }
  }

  struct Versions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every version of an activity, oldest first, with the reasons.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The activity id.") var id: String

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let versions = try await Client.with(connection) { client in
          try await Filing(wrapping: client).listActivityVersions(.with { $0.activityId = id }, options: Client.options(connection)).versions
        }
        print(Printer(format: output.output).render(versions) {
          Printer(format: .table).render(
            columns: ["VERSION", "STATUS", "AT", "BY", "FINDINGS", "REASON"],
            rows: versions.map {
              [String($0.version), $0.status.shortName, $0.versionAt?.text ?? "", $0.versionBy?.principal ?? "", String($0.findings.count),
               $0.reason.isEmpty ? "-" : $0.reason]
            })
        }, terminator: "")
      }
    }
  }

  struct Amend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Correct an activity (the filing agency): a new version, with the reason.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The activity id.") var id: String
    @Option(name: .shortAndLong, help: "The corrected request file (as for `file`).") var file: String
    @Option(name: .customLong("expected-version"), help: "The version being corrected, which must be the latest.") var expectedVersion: Int32
    @Option(help: "Why.") var reason: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let corrected = try RequestFile.read(file, as: Cqmon_V1_FileActivityRequest.self)
        let connection = try connection.resolve()
        let activity = try await Client.with(connection) { client in
          try await Filing(wrapping: client).amendActivity(.with {
            $0.requestId = RequestFile.requestID(requestID)
            $0.activityId = id
            $0.expectedVersion = expectedVersion
            $0.activity = corrected.activity ?? .init()
            $0.reason = reason
          }, options: Client.options(connection))
        }
        print(ActivitiesCommand.render([activity], format: output.output, single: true, findings: true), terminator: "")
      }
    }
  }

  struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraw an activity (the filing agency); it stays on record.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The activity id.") var id: String
    @Option(help: "Why.") var reason: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let activity = try await Client.with(connection) { client in
          try await Filing(wrapping: client).withdrawActivity(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.activityId = id; $0.reason = reason
          }, options: Client.options(connection))
        }
        print(ActivitiesCommand.render([activity], format: output.output, single: true), terminator: "")
      }
    }
  }

  /// Activities as a table (with their findings below, for one), or as proto3 JSON.
  static func render(_ activities: [Cqmon_V1_Activity], format: OutputFormat, single: Bool = false, findings: Bool = false) -> String {
    Printer(format: format).render(activities, single: single) {
      var table = Printer(format: .table).render(
        columns: ["ACTIVITY", "VERSION", "STATUS", "REPORT", "SAMPLED", "DISTRICTS", "FINDINGS", "RECEIPT"],
        rows: activities.map { activity in
          [
            activity.activityId, String(activity.version), activity.status.shortName, activity.content?.report?.reportNumber ?? "",
            activity.content?.samplingEvents.first?.startedAt?.text ?? "-", activity.districtCodes.joined(separator: ","),
            String(activity.findings.count), activity.receipt?.receiptId ?? "",
          ]
        })
      if findings, let findings = activities.first?.findings, !findings.isEmpty {
        table += "\n" + Printer(format: .table).render(
          columns: ["FINDING", "RULE", "STATUS", "EXPLANATION"], rows: findings.map { [$0.findingId, $0.rule, $0.status, $0.explanation] })
      }
      return table
    }
  }
}
