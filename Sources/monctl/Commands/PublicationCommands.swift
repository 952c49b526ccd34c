import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec
import Services

/// `monctl credit publicity|objections|publish|trigger-e`: Art. 16–19.
extension CreditCommand {
  struct Publicity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "publicity", abstract: "Publicity of a draft for 15 working days (Art. 17).", subcommands: [Start.self, Status.self])

    struct Start: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Start it on a working day; the end is counted on the holiday calendars.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Argument(help: "The draft evaluation, e.g. eval-000003.") var evaluation: String
      @Option(help: "The first day (YYYY-MM-DD), a working day.") var on: String
      @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

      func run() async throws {
        try await reporting {
          let day = try RequestFile.day(on, option: "--on")
          let connection = try connection.resolve()
          let result = try await Client.with(connection) { client in
            try await Credit(wrapping: client).startPublicity(.with {
              $0.requestId = RequestFile.requestID(requestID); $0.evaluationId = evaluation; $0.startsOn = day
            }, options: Client.options(connection))
          }
          print(CreditCommand.render(result, format: output.output), terminator: "")
        }
      }
    }

    struct Status: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Where an evaluation stands: its window and its objections.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Argument(help: "The evaluation.") var evaluation: String

      func run() async throws {
        try await reporting {
          let connection = try connection.resolve()
          let (result, objections) = try await Client.with(connection) { client in
            let credit = Credit(wrapping: client)
            let result = try await credit.getEvaluation(.with { $0.evaluationId = evaluation }, options: Client.options(connection))
            let objections = try await PagingOptions.every { size, token in
              let page = try await credit.listObjections(
                .with { $0.evaluationId = evaluation; $0.pageSize = size; $0.pageToken = token }, options: Client.options(connection))
              return (page.objections, page.nextPageToken)
            }
            return (result, objections)
          }
          print(Printer(format: output.output).render(
            columns: ["EVALUATION", "YEAR", "STATUS", "PUBLICITY", "OBJECTIONS", "OPEN"],
            rows: [[
              result.evaluationId, String(result.year), result.status.shortName,
              result.publicity.map { "\($0.start?.text ?? "")..\($0.end?.text ?? "")" } ?? "-", String(objections.count),
              String(objections.filter { $0.status == .open }.count),
            ]], single: true), terminator: "")
        }
      }
    }
  }

  struct Objections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "objections", abstract: "Objections to levels during publicity (Art. 18).", subcommands: [File.self, Resolve.self, List.self])

    struct File: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Object to a level: an agency its own, an officer for someone else (--objector).")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Argument(help: "The evaluation in publicity.") var evaluation: String
      @Option(name: .customLong("agency"), help: "The agency whose level is objected to.") var agency: String
      @Option(help: "The grounds.") var grounds: String
      @Option(help: "Who objects, when an officer records it for someone else.") var objector: String = ""
      @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

      func run() async throws {
        try await reporting {
          let connection = try connection.resolve()
          let objection = try await Client.with(connection) { client in
            try await Credit(wrapping: client).fileObjection(.with {
              $0.requestId = RequestFile.requestID(requestID); $0.evaluationId = evaluation; $0.creditCode = agency; $0.grounds = grounds
              $0.objector = objector
            }, options: Client.options(connection))
          }
          print(Objections.render([objection], format: output.output, single: true), terminator: "")
        }
      }
    }

    struct Resolve: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Uphold (with the reviewed level) or dismiss an objection, with the reasons.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Argument(help: "The objection, e.g. obj-000001.") var id: String
      @Option(help: "upheld or dismissed.") var outcome: String
      @Option(help: "For upheld: the level after review, A to D.") var level: String = ""
      @Option(help: "The reasons.") var decision: String
      @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

      func run() async throws {
        try await reporting {
          let outcome: Cqmon_V1_ObjectionStatus = switch self.outcome {
          case "upheld": .upheld
          case "dismissed": .dismissed
          default: throw CLIError(.usage, "--outcome is upheld or dismissed")
          }
          let levels: [String: Cqmon_V1_CreditLevel] = ["": .unspecified, "A": .a, "B": .b, "C": .c, "D": .d]
          guard let reviewed = levels[level.uppercased()] else { throw CLIError(.usage, "--level is A, B, C or D") }
          let connection = try connection.resolve()
          let objection = try await Client.with(connection) { client in
            try await Credit(wrapping: client).resolveObjection(.with {
              $0.requestId = RequestFile.requestID(requestID); $0.objectionId = id; $0.outcome = outcome; $0.reviewedLevel = reviewed; $0.decision = decision
            }, options: Client.options(connection))
          }
          print(Objections.render([objection], format: output.output, single: true), terminator: "")
        }
      }
    }

    struct List: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "An evaluation's objections, newest first.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Argument(help: "The evaluation.") var evaluation: String
      @Flag(help: "Only those still open.") var open = false
      @OptionGroup var paging: PagingOptions

      func run() async throws {
        try await reporting {
          let connection = try connection.resolve()
          let objections = try await Client.with(connection) { client in
            try await paging.all { size, token in
              let page = try await Credit(wrapping: client).listObjections(.with {
                $0.evaluationId = evaluation; $0.status = open ? .open : .unspecified; $0.pageSize = size; $0.pageToken = token
              }, options: Client.options(connection))
              return (page.objections, page.nextPageToken)
            }
          }
          print(Objections.render(objections, format: output.output), terminator: "")
        }
      }
    }

    static func render(_ objections: [Cqmon_V1_Objection], format: OutputFormat, single: Bool = false) -> String {
      Printer(format: format).render(objections, single: single) {
        Printer(format: .table).render(
          columns: ["OBJECTION", "AGENCY", "STATUS", "REVIEWED", "FILED BY", "GROUNDS", "DECISION"],
          rows: objections.map {
            [
              $0.objectionId, $0.record?.creditCode ?? "", $0.status.shortName, $0.reviewedLevel == .unspecified ? "-" : $0.reviewedLevel.shortName,
              $0.filedBy?.principal ?? "", $0.record?.grounds ?? "", $0.decision.isEmpty ? "-" : $0.decision,
            ]
          })
      }
    }
  }

  struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Publish the year's results once publicity is over and every objection decided (Art. 19): the signed bulletin.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The evaluation in publicity.") var evaluation: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let bulletin = try await Client.with(connection) { client in
          try await Credit(wrapping: client).publishRatings(.with { $0.requestId = RequestFile.requestID(requestID); $0.evaluationId = evaluation }, options: Client.options(connection))
        }
        print(BulletinCommand.render(bulletin, verified: nil, format: output.output), terminator: "")
      }
    }
  }

  struct TriggerE: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "trigger-e",
      abstract: "Rate an agency E at once in an Art. 16 case: it leaves the registry with the bans of Art. 20, its published rating revoked.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("agency"), help: "The agency (credit code).") var agency: String
    @Option(name: .customLong("art16-case"), help: "The Art. 16 case, 1 to 8.") var art16Case: Int32
    @Option(name: .customLong("decided-on"), help: "The day it was decided (YYYY-MM-DD).") var decidedOn: String
    @Option(help: "What happened.") var description: String
    @Option(help: "SHA-256 of an uploaded document: the decision, other evidence (repeatable).") var evidence: [String] = []
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let day = try RequestFile.day(decidedOn, option: "--decided-on")
        let connection = try connection.resolve()
        let rating = try await Client.with(connection) { client in
          try await Credit(wrapping: client).triggerLevelE(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.creditCode = agency; $0.art16Case = Cqmon_V1_Art16Case(rawValue: art16Case)
            $0.decidedOn = day; $0.description = description; $0.evidence = evidence.map { digest in .with { $0.sha256 = digest } }
          }, options: Client.options(connection))
        }
        print(Printer(format: output.output).render([rating], single: true) { RatingsCommand.table([rating]) }, terminator: "")
      }
    }
  }
}

/// `monctl bulletin get YEAR [--verify] [--content FILE]`.
struct BulletinCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bulletin", abstract: "A year's published results, signed by the bureau (Art. 19).", subcommands: [Get.self])

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "The bulletin; --verify checks its signature with the published keys (exit 1 if it does not verify).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The year.") var year: Int32
    @Flag(help: "Verify the signature over the content with the bureau's published key.") var verify = false
    @Option(help: "Write the signed content (canonical JSON) to this file.") var content: String?
    @Option(help: "Write the 64-byte signature to this file.") var signature: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let (bulletin, keys) = try await Client.with(connection) { client in
          let bulletin = try await Cqmon_V1_SharingService.Client(wrapping: client).getBulletin(.with { $0.year = year }, options: Client.options(connection))
          return (bulletin, verify ? try await AuditCommand.keys(Cqmon_V1_AuditService.Client(wrapping: client), connection) : [])
        }
        if let content { try Data(bulletin.content).write(to: URL(fileURLWithPath: content)) }
        if let signature { try Data(bulletin.signature).write(to: URL(fileURLWithPath: signature)) }
        let verified = verify ? keys.first { $0.id == bulletin.keyId }?.verifies(bulletin.signature, over: bulletin.content) == true : nil
        print(BulletinCommand.render(bulletin, verified: verified, format: output.output), terminator: "")
        if verified == false { throw CLIError(.failure, "the bulletin's signature does not verify with the published key \(bulletin.keyId)") }
      }
    }
  }

  static func render(_ bulletin: Cqmon_V1_Bulletin, verified: Bool?, format: OutputFormat) -> String {
    Printer(format: format).render([bulletin], single: true) {
      Printer(format: .table).render(
        columns: ["YEAR", "RATINGS", "PUBLISHED", "KEY", "CONTENT SHA-256", "SIGNATURE"],
        rows: [[
          String(bulletin.year), String(bulletin.ratings.count), bulletin.publishedAt?.text ?? "", bulletin.keyId,
          Digest.sha256Hex(bulletin.content), verified.map { $0 ? "verified" : "DOES NOT VERIFY" } ?? "\(bulletin.signature.count) bytes",
        ]]) + "\n" + RatingsCommand.table(bulletin.ratings)
    }
  }
}
