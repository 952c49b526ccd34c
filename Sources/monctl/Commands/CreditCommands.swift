import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec

/// `monctl credit indicators|evidence|evaluate|evaluation|calendar`.
struct CreditCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "credit",
    abstract: "Credit (Art. 13–20): indicators, evidence, the annual evaluation, publicity and objections, publication, direct E, calendars.",
    subcommands: [
      Indicators.self, EvidenceCommand.self, Evaluate.self, EvaluationCommand.self, Publicity.self, Objections.self, Publish.self, TriggerE.self,
      CalendarCommand.self,
    ])

  typealias Credit = Cqmon_V1_CreditService.Client<HTTP2ClientTransport.Posix>

  struct Indicators: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "indicators", abstract: "The indicator system (Art. 14), versioned.", subcommands: [Put.self, Get.self])

    struct Put: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Store a new version from a YAML or JSON file (see config/credit-indicators.yaml).")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Option(name: .shortAndLong, help: "The request file.") var file: String
      @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

      func run() async throws {
        try await reporting {
          var request = try RequestFile.read(file, as: Cqmon_V1_PutIndicatorSystemRequest.self)
          request.requestId = RequestFile.requestID(requestID ?? (request.requestId.isEmpty ? nil : request.requestId))
          let connection = try connection.resolve()
          let system = try await Client.with(connection) { client in
            try await Credit(wrapping: client).putIndicatorSystem(request, options: Client.options(connection))
          }
          print(CreditCommand.render(system, format: output.output), terminator: "")
        }
      }
    }

    struct Get: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "A version, or the current one.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Option(help: "The version (default: the current one).") var version: Int32 = 0

      func run() async throws {
        try await reporting {
          let connection = try connection.resolve()
          let system = try await Client.with(connection) { client in
            try await Credit(wrapping: client).getIndicatorSystem(.with { $0.version = version }, options: Client.options(connection))
          }
          print(CreditCommand.render(system, format: output.output), terminator: "")
        }
      }
    }
  }

  struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "evidence", abstract: "Evidence from outside supervision (Art. 13): it counts once verified.",
      subcommands: [Record.self, Verify.self, List.self])

    struct Record: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Record evidence about an agency on an indicator.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Option(name: .customLong("agency"), help: "The agency (credit code).") var agency: String
      @Option(help: "Where it came from: public, organisation, media, credit-platform, supervision, filed-activity.") var source: String
      @Option(help: "The indicator it bears on, e.g. IR-01.") var indicator: String
      @Option(help: "Points added (positive) or deducted (negative).") var points: Double
      @Option(help: "What it is.") var description: String
      @Option(help: "The day it happened (YYYY-MM-DD): it counts in that year.") var on: String
      @Option(help: "Verified at once, with this note.") var verified: String?
      @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

      func run() async throws {
        try await reporting {
          let sources: [String: Cqmon_V1_EvidenceSource] = [
            "filed-activity": .filedActivity, "public": .public, "organisation": .organisation, "media": .media,
            "credit-platform": .creditPlatform, "supervision": .supervision,
          ]
          guard let kind = sources[source] else { throw CLIError(.usage, "--source is one of \(sources.keys.sorted().joined(separator: ", "))") }
          let day = try RequestFile.day(on, option: "--on")
          let connection = try connection.resolve()
          let evidence = try await Client.with(connection) { client in
            try await Credit(wrapping: client).recordEvidence(.with {
              $0.requestId = RequestFile.requestID(requestID); $0.creditCode = agency; $0.source = kind; $0.indicatorCode = indicator
              $0.points = points; $0.description = description; $0.occurredOn = day; $0.verified = verified != nil; $0.note = verified ?? ""
            }, options: Client.options(connection))
          }
          print(CreditCommand.render([evidence], format: output.output, single: true), terminator: "")
        }
      }
    }

    struct Verify: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Decide whether evidence is true (--verified) or not (--rejected), with a note.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Argument(help: "The evidence id, e.g. evd-000001.") var id: String
      @Flag(name: .customLong("rejected"), help: "Found untrue: it does not count.") var rejected = false
      @Option(help: "Why.") var note: String
      @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

      func run() async throws {
        try await reporting {
          let connection = try connection.resolve()
          let evidence = try await Client.with(connection) { client in
            try await Credit(wrapping: client).verifyEvidence(.with {
              $0.requestId = RequestFile.requestID(requestID); $0.evidenceId = id; $0.verified = !rejected; $0.note = note
            }, options: Client.options(connection))
          }
          print(CreditCommand.render([evidence], format: output.output, single: true), terminator: "")
        }
      }
    }

    struct List: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Recorded evidence, newest first.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Option(name: .customLong("agency"), help: "Only about this agency (credit code).") var agency: String = ""
      @Option(help: "Only of days in this year.") var year: Int32 = 0
      @OptionGroup var paging: PagingOptions

      func run() async throws {
        try await reporting {
          let connection = try connection.resolve()
          let evidence = try await Client.with(connection) { client in
            try await paging.all { size, token in
              let page = try await Credit(wrapping: client).listEvidence(.with {
                $0.creditCode = agency; $0.year = year; $0.pageSize = size; $0.pageToken = token
              }, options: Client.options(connection))
              return (page.evidence, page.nextPageToken)
            }
          }
          print(CreditCommand.render(evidence, format: output.output), terminator: "")
        }
      }
    }
  }

  struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Evaluate a past year (a draft): every agency ranked by score with its level, and those not rated with why.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The year.") var year: Int32
    @Option(name: .customLong("indicator-version"), help: "The indicator system version (default: the current one).") var indicatorVersion: Int32 = 0
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let evaluation = try await Client.with(connection) { client in
          try await Credit(wrapping: client).runEvaluation(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.year = year; $0.indicatorVersion = indicatorVersion
          }, options: Client.options(connection))
        }
        print(CreditCommand.render(evaluation, format: output.output), terminator: "")
      }
    }
  }

  struct EvaluationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluation", abstract: "Read an evaluation.", subcommands: [Get.self])

    struct Get: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "One evaluation, ranked.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Argument(help: "The evaluation id, e.g. eval-000001.") var id: String

      func run() async throws {
        try await reporting {
          let connection = try connection.resolve()
          let evaluation = try await Client.with(connection) { client in
            try await Credit(wrapping: client).getEvaluation(.with { $0.evaluationId = id }, options: Client.options(connection))
          }
          print(CreditCommand.render(evaluation, format: output.output), terminator: "")
        }
      }
    }
  }

  struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "calendar", abstract: "Holiday calendars: publicity and complaint deadlines count working days on them.",
      subcommands: [Put.self, Get.self])

    struct Put: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Load a year's calendar from a YAML or JSON file (`calendar:` with year, days_off, working_weekend_days, source).")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Option(name: .shortAndLong, help: "The request file.") var file: String
      @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

      func run() async throws {
        try await reporting {
          var request = try RequestFile.read(file, as: Cqmon_V1_PutHolidayCalendarRequest.self)
          request.requestId = RequestFile.requestID(requestID ?? (request.requestId.isEmpty ? nil : request.requestId))
          let connection = try connection.resolve()
          let calendar = try await Client.with(connection) { client in
            try await Credit(wrapping: client).putHolidayCalendar(request, options: Client.options(connection))
          }
          print(CreditCommand.render(calendar, format: output.output), terminator: "")
        }
      }
    }

    struct Get: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "A year's calendar: loaded, or built in for 2023–2026.")
      @OptionGroup var connection: ConnectionOptions
      @OptionGroup var output: OutputOptions
      @Argument(help: "The year.") var year: Int32

      func run() async throws {
        try await reporting {
          let connection = try connection.resolve()
          let calendar = try await Client.with(connection) { client in
            try await Credit(wrapping: client).getHolidayCalendar(.with { $0.year = year }, options: Client.options(connection))
          }
          print(CreditCommand.render(calendar, format: output.output), terminator: "")
        }
      }
    }
  }

  // MARK: - Output

  static func render(_ system: Cqmon_V1_IndicatorSystem, format: OutputFormat) -> String {
    Printer(format: format).render([system], single: true) {
      let shares = system.levelShares ?? .init()
      let head = Printer(format: .table).render(
        columns: ["VERSION", "TITLE", "A", "B", "C", "RECEIPT"],
        rows: [[
          String(system.version), system.title, "\(shares.aPercent)%", "\(shares.bPercent)%", "\(shares.cPercent)%", system.receipt?.receiptId ?? "",
        ]])
      let indicators = Printer(format: .table).render(
        columns: ["CODE", "DIMENSION", "WEIGHT", "DEDUCTIONS", "NAME"],
        rows: system.indicators.map { indicator in
          [
            indicator.code, indicator.dimension.shortName, String(indicator.weight),
            indicator.findingDeductions.isEmpty
              ? "-"
              : indicator.findingDeductions.map { "9:\($0.findingCategory)\($0.rule.isEmpty ? "" : "/" + $0.rule) −\($0.points)" }.joined(separator: ", "),
            indicator.name,
          ]
        })
      return head + "\n" + indicators
    }
  }

  static func render(_ evidence: [Cqmon_V1_Evidence], format: OutputFormat, single: Bool = false) -> String {
    Printer(format: format).render(evidence, single: single) {
      Printer(format: .table).render(
        columns: ["EVIDENCE", "AGENCY", "SOURCE", "INDICATOR", "POINTS", "DAY", "VERIFIED", "DESCRIPTION"],
        rows: evidence.map { item in
          let record = item.record ?? .init()
          return [
            item.evidenceId, record.creditCode, record.source.shortName, record.indicatorCode, String(record.points), record.occurredOn?.text ?? "",
            item.verified ? "yes" : "no", record.description,
          ]
        })
    }
  }

  /// The evaluation as a ranked table with levels, then those not rated.
  static func render(_ evaluation: Cqmon_V1_Evaluation, format: OutputFormat) -> String {
    Printer(format: format).render([evaluation], single: true) {
      let head = Printer(format: .table).render(
        columns: ["EVALUATION", "YEAR", "STATUS", "INDICATORS", "RATED", "A THROUGH", "B THROUGH", "C THROUGH", "RESULT SHA-256"],
        rows: [[
          evaluation.evaluationId, String(evaluation.year), evaluation.status.shortName, "v\(evaluation.indicatorVersion)",
          String(evaluation.ratings.count), String(evaluation.aThrough), String(evaluation.bThrough), String(evaluation.cThrough),
          evaluation.resultSha256,
        ]])
      var text = head + "\n" + RatingsCommand.table(evaluation.ratings)
      if !evaluation.excluded.isEmpty {
        text += "\n" + Printer(format: .table).render(
          columns: ["NOT RATED", "REASON", "DETAIL"], rows: evaluation.excluded.map { [$0.creditCode, $0.reason.shortName, $0.detail] })
      }
      return text
    }
  }

  static func render(_ calendar: Cqmon_V1_HolidayCalendar, format: OutputFormat) -> String {
    Printer(format: format).render([calendar], single: true) {
      Printer(format: .table).render(
        columns: ["YEAR", "DAYS OFF", "WEEKEND DAYS WORKED", "LOADED BY", "SOURCE"],
        rows: [[
          String(calendar.year), calendar.daysOff.map(\.text).joined(separator: ","), calendar.workingWeekendDays.map(\.text).joined(separator: ","),
          calendar.loadedBy?.principal ?? "", calendar.source,
        ]])
    }
  }
}

/// `monctl ratings get|list`.
struct RatingsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ratings", abstract: "Ratings from the year's latest evaluation (draft, in publicity or final).", subcommands: [Get.self, List.self])

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "An agency's rating (officers; an agency its own).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The agency (credit code).") var agency: String
    @Option(help: "The year (default: the latest evaluated).") var year: Int32 = 0

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let rating = try await Client.with(connection) { client in
          try await CreditCommand.Credit(wrapping: client).getRating(.with { $0.creditCode = agency; $0.year = year }, options: Client.options(connection))
        }
        print(Printer(format: output.output).render([rating], single: true) {
          RatingsCommand.table([rating]) + "\n" + Printer(format: .table).render(
            columns: ["INDICATOR", "POINTS", "FINDINGS", "DEDUCTED", "EVIDENCE"],
            rows: rating.indicatorScores.map { [$0.code, String($0.points), String($0.findings), String($0.deducted), String($0.evidencePoints)] })
        }, terminator: "")
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A year's ratings by rank (officers).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The year.") var year: Int32
    @Option(help: "Only at this level, A to E.") var level: String = ""
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let levels: [String: Cqmon_V1_CreditLevel] = ["": .unspecified, "A": .a, "B": .b, "C": .c, "D": .d, "E": .e]
        guard let wanted = levels[level.uppercased()] else { throw CLIError(.usage, "--level is A, B, C, D or E") }
        let connection = try connection.resolve()
        let ratings = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await CreditCommand.Credit(wrapping: client).listRatings(.with {
              $0.year = year; $0.level = wanted; $0.pageSize = size; $0.pageToken = token
            }, options: Client.options(connection))
            return (page.ratings, page.nextPageToken)
          }
        }
        print(Printer(format: output.output).render(ratings) { RatingsCommand.table(ratings) }, terminator: "")
      }
    }
  }

  static func table(_ ratings: [Cqmon_V1_Rating]) -> String {
    Printer(format: .table).render(
      columns: ["RANK", "AGENCY", "NAME", "SCORE", "LEVEL", "STATUS", "ART. 16"],
      rows: ratings.map {
        [
          $0.rank == 0 ? "-" : String($0.rank), $0.creditCode, $0.agencyName, String(format: "%.2f", $0.score), $0.level.shortName, $0.status.shortName,
          $0.art16Case == .unspecified ? "-" : $0.art16Case.shortName,
        ]
      })
  }
}
