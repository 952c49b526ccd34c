import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec

/// `monctl complaints file|accept|extend|resolve|get|list`.
struct ComplaintsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "complaints", abstract: "Complaints about agencies (Art. 12): received, accepted, concluded, on time or overdue.",
    subcommands: [File.self, Accept.self, Extend.self, Resolve.self, Get.self, List.self])

  typealias Inspection = Cqmon_V1_InspectionService.Client<HTTP2ClientTransport.Posix>

  static let channels: [String: Cqmon_V1_ComplaintChannel] = [
    "12369": .hotline12369, "12345": .hotline12345, "online": .online, "wechat": .wechat, "phone": .phone, "letter": .letterOrVisit,
    "organisation": .organisation, "media": .media, "other": .other,
  ]

  struct File: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record a complaint as received; acceptance is due in 3 working days.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "How it arrived: 12369, 12345, online, wechat, phone, letter, organisation, media or other.") var channel: String
    @Option(name: .customLong("agency"), help: "The agency complained about (credit code).") var agency: String
    @Option(help: "The district it goes to (code).") var district: String
    @Option(name: .customLong("received-at"), help: "When it arrived (RFC 3339); now if not given.") var receivedAt: String?
    @Option(help: "What is complained about.") var content: String
    @Option(help: "The channel's own reference, e.g. the 12369 ticket.") var reference: String = ""
    @Option(help: "How to reach the complainant (personal data: masked for all but the handling officer).") var contact: String = ""
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        guard let channel = ComplaintsCommand.channels[channel] else {
          throw CLIError(.usage, "--channel is one of \(ComplaintsCommand.channels.keys.sorted().joined(separator: ", "))")
        }
        let received = try receivedAt.map { try RequestFile.instant($0, option: "--received-at") }
          ?? .with { $0.seconds = Int64(Date().timeIntervalSince1970) }
        let connection = try connection.resolve()
        let complaint = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).fileComplaint(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.channel = channel; $0.creditCode = agency; $0.districtCode = district
            $0.receivedAt = received; $0.content = content; $0.channelReference = reference; $0.complainantContact = contact
          }, options: Client.options(connection))
        }
        print(ComplaintsCommand.render([complaint], format: output.output, single: true), terminator: "")
      }
    }
  }

  struct Accept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Accept a received complaint: to be concluded within 60 days.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The complaint id, e.g. cmp-000001.") var id: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let complaint = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).acceptComplaint(.with { $0.requestId = RequestFile.requestID(requestID); $0.complaintId = id }, options: Client.options(connection))
        }
        print(ComplaintsCommand.render([complaint], format: output.output, single: true), terminator: "")
      }
    }
  }

  struct Extend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Extend an accepted complaint's deadline, once, by at most 30 days.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The complaint id.") var id: String
    @Option(help: "Days to add, 1 to 30.") var days: Int32
    @Option(help: "Why.") var reason: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let complaint = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).extendComplaint(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.complaintId = id; $0.days = days; $0.reason = reason
          }, options: Client.options(connection))
        }
        print(ComplaintsCommand.render([complaint], format: output.output, single: true), terminator: "")
      }
    }
  }

  struct Resolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Conclude a complaint: verified (it becomes a confirmed finding), unfounded, or outside-remit (not accepted).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The complaint id.") var id: String
    @Option(help: "verified, unfounded or outside-remit.") var outcome: String
    @Option(help: "What the investigation found.") var explanation: String
    @Option(help: "For verified: the finding's Art. 9 category, e.g. SUSPECTED_FALSIFICATION.") var category: String = ""
    @Option(help: "The inspection that investigated it.") var inspection: String = ""
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let outcome: Cqmon_V1_ComplaintStatus = switch self.outcome {
        case "verified": .verified
        case "unfounded": .unfounded
        case "outside-remit": .outsideRemit
        default: throw CLIError(.usage, "--outcome is verified, unfounded or outside-remit")
        }
        var findingCategory = Cqmon_V1_FindingCategory.unspecified
        if !category.isEmpty {
          guard let known = Cqmon_V1_FindingCategory.knownValues.first(where: { $0.shortName == category.uppercased() }) else {
            throw CLIError(.usage, "--category is one of \(Cqmon_V1_FindingCategory.knownValues.dropFirst().map(\.shortName).joined(separator: ", "))")
          }
          findingCategory = known
        }
        let connection = try connection.resolve()
        let complaint = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).resolveComplaint(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.complaintId = id; $0.outcome = outcome; $0.explanation = explanation
            $0.category = findingCategory; $0.inspectionId = inspection
          }, options: Client.options(connection))
        }
        print(ComplaintsCommand.render([complaint], format: output.output, single: true), terminator: "")
      }
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One complaint.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The complaint id.") var id: String

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let complaint = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).getComplaint(.with { $0.complaintId = id }, options: Client.options(connection))
        }
        print(ComplaintsCommand.render([complaint], format: output.output, single: true), terminator: "")
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Complaints, newest first (district officers: their district's).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("agency"), help: "Only about this agency (credit code).") var agency: String = ""
    @Option(help: "Only of this district (code).") var district: String = ""
    @Option(help: "Only in this status: received, open, verified, unfounded or outside-remit.") var status: String = ""
    @Flag(help: "Only those past their day to accept or conclude, undecided.") var overdue = false
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let status: Cqmon_V1_ComplaintStatus = switch self.status {
        case "": .unspecified
        case "received": .received
        case "open": .open
        case "verified": .verified
        case "unfounded": .unfounded
        case "outside-remit": .outsideRemit
        default: throw CLIError(.usage, "--status is received, open, verified, unfounded or outside-remit")
        }
        let connection = try connection.resolve()
        let complaints = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Inspection(wrapping: client).listComplaints(.with {
              $0.creditCode = agency; $0.districtCode = district; $0.status = status; $0.overdue = overdue; $0.pageSize = size; $0.pageToken = token
            }, options: Client.options(connection))
            return (page.complaints, page.nextPageToken)
          }
        }
        print(ComplaintsCommand.render(complaints, format: output.output), terminator: "")
      }
    }
  }

  static func render(_ complaints: [Cqmon_V1_Complaint], format: OutputFormat, single: Bool = false) -> String {
    Printer(format: format).render(complaints, single: single) {
      Printer(format: .table).render(
        columns: ["COMPLAINT", "AGENCY", "DISTRICT", "CHANNEL", "STATUS", "ACCEPT BY", "CONCLUDE BY", "OVERDUE", "CONTACT", "FINDING"],
        rows: complaints.map { complaint in
          let record = complaint.record ?? .init()
          return [
            complaint.complaintId, record.creditCode, record.districtCode, record.channel.shortName, complaint.status.shortName,
            complaint.acceptBy?.text ?? "-", complaint.concludeBy?.text ?? "-", complaint.overdue ? "yes" : "no",
            record.complainantContact.isEmpty ? "-" : record.complainantContact,
            (complaint.resolution?.findingId).flatMap { $0.isEmpty ? nil : $0 } ?? "-",
          ]
        })
    }
  }
}
