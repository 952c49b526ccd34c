import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ProtoCodec
import Services

/// `monctl inspections commit-seed|plan|verify-plan|plan-get|record|correct|get|list`.
struct InspectionsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspections", abstract: "The random draw (Art. 22) and inspections (Art. 6–9).",
    subcommands: [CommitSeed.self, Plan.self, GetPlan.self, VerifyPlan.self, Record.self, Correct.self, Get.self, List.self])

  typealias Inspection = Cqmon_V1_InspectionService.Client<HTTP2ClientTransport.Posix>

  struct CommitSeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "commit-seed",
      abstract: "Commit to the seed of a coming draw: the server keeps it secret and publishes its SHA-256 first.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The period's first day (YYYY-MM-DD).") var from: String
    @Option(help: "The period's last day (YYYY-MM-DD).") var to: String
    @Option(help: "The district (code); the city if not given.") var district: String = ""
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let start = try RequestFile.day(from, option: "--from"), end = try RequestFile.day(to, option: "--to")
        let period: Cqmon_V1_DateRange = .with { $0.start = start; $0.end = end }
        let connection = try connection.resolve()
        let commitment = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).commitDrawSeed(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.period = period; $0.districtCode = district
          }, options: Client.options(connection))
        }
        print(Printer(format: output.output).render([commitment], single: true) {
          Printer(format: .table).render(
            columns: ["COMMITMENT", "SCOPE", "PERIOD", "SEED SHA-256", "LEAF"],
            rows: [[
              commitment.commitmentId, commitment.districtCode.isEmpty ? "city" : commitment.districtCode,
              "\(commitment.period?.start?.text ?? "")..\(commitment.period?.end?.text ?? "")", commitment.seedSha256,
              String(commitment.receipt?.leafIndex ?? 0),
            ]])
        }, terminator: "")
      }
    }
  }

  struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Draw the agencies to inspect and two inspectors each, with a committed seed; printed per level.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The unused commitment (commit-seed).") var commitment: String
    @Option(name: .customLong("a-percent"), help: "Share of A agencies, at most 5 (default 5).") var aPercent: Double?
    @Option(name: .customLong("b-percent"), help: "Share of B agencies, at most 10 (default 10).") var bPercent: Double?
    @Option(name: .customLong("c-percent"), help: "Share of C agencies, at most 30 (default 30).") var cPercent: Double?
    @Option(help: "The plan this redraw replaces.") var replaces: String = ""
    @Option(help: "Why the redraw.") var reason: String = ""
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let plan = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).planInspections(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.commitmentId = commitment; $0.replacesPlanId = replaces; $0.reason = reason
            if aPercent != nil || bPercent != nil || cPercent != nil {
              $0.shares = .with { $0.aPercent = aPercent ?? 5; $0.bPercent = bPercent ?? 10; $0.cPercent = cPercent ?? 30 }
            }
          }, options: Client.options(connection))
        }
        print(InspectionsCommand.render(plan, format: output.output), terminator: "")
      }
    }
  }

  struct GetPlan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get-plan", abstract: "One plan, per level, with its inspectors.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The plan id, e.g. plan-000001.") var id: String

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let plan = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).getInspectionPlan(.with { $0.planId = id }, options: Client.options(connection))
        }
        print(InspectionsCommand.render(plan, format: output.output), terminator: "")
      }
    }
  }

  struct VerifyPlan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify-plan",
      abstract: "Re-run a plan's draw from what it carries and say whether it matches (exit 1 if not).",
      discussion: """
        Checks that the seed is the one committed to (its SHA-256), that the commitment entered the
        audit log before the plan, that both receipts are signed by a published bureau key, that the
        inputs' digest is that of the plan's candidates, pool and shares, and that the draw
        (cqmon-draw-v1, docs/officers.md "The random draw") gives the same agencies and inspectors.
        """)
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The plan id.") var id: String

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let (plan, keys) = try await Client.with(connection) { client in
          let plan = try await Inspection(wrapping: client).getInspectionPlan(.with { $0.planId = id }, options: Client.options(connection))
          return (plan, try await AuditCommand.keys(Cqmon_V1_AuditService.Client(wrapping: client), connection))
        }
        let checks = try InspectionsCommand.verify(plan, keys: keys)
        print(Printer(format: output.output).render(columns: ["CHECK", "RESULT"], rows: checks.map { [$0.check, $0.ok ? "ok" : "FAILED"] }), terminator: "")
        if checks.contains(where: { !$0.ok }) { throw ExitCode(1) }
      }
    }
  }

  /// Each check of a plan, in order.
  static func verify(_ plan: Cqmon_V1_InspectionPlan, keys: [PublicSigningKey]) throws -> [(check: String, ok: Bool)] {
    guard plan.algorithm == InspectionDraw.algorithm else {
      throw CLIError(.failure, "plan \(plan.planId) was drawn by \(plan.algorithm), which this monctl does not know")
    }
    var checks: [(String, Bool)] = []
    let commitment = plan.commitment ?? .init()
    checks.append(("the seed's SHA-256 is the commitment's", Digest.sha256Hex(plan.seed) == commitment.seedSha256))
    let committed = commitment.receipt?.leafIndex ?? .max, drawn = plan.receipt?.leafIndex ?? -1
    checks.append(("the commitment (leaf \(committed)) was logged before the plan (leaf \(drawn))", committed < drawn))
    for (name, receipt) in [("commitment", commitment.receipt), ("plan", plan.receipt)] {
      let signed = receipt.flatMap { receipt in
        (try? AuditCommand.domainReceipt(receipt)).flatMap { domain in keys.first { $0.id == receipt.keyId }?.verifies(domain.signature, over: domain.signedBytes) }
      }
      checks.append(("the \(name)'s receipt is signed by a published bureau key", signed == true))
    }
    let share = { (name: String) in Int(plan.strata.first { $0.stratum == name }?.shareBasisPoints ?? -1) }
    let inputs = InspectionDraw.Inputs(
      seed: plan.seed, periodStart: plan.period?.start?.text ?? "", periodEnd: plan.period?.end?.text ?? "", districtCode: plan.districtCode,
      shares: InspectionDraw.Shares(a: share("A"), b: share("B"), c: share("C"), unrated: share("UNRATED"), complaint: share("COMPLAINT")),
      candidates: plan.candidates.map {
        InspectionDraw.Candidate(creditCode: $0.creditCode, level: $0.level == .unspecified ? nil : $0.level.shortName, verifiedComplaint: $0.verifiedComplaint)
      },
      pool: plan.inspectors.map { InspectionDraw.Inspector(id: $0.inspectorId, conflicts: $0.conflicts) })
    checks.append(("the inputs' SHA-256 is the plan's", inputs.sha256 == plan.inputsSha256))
    let draw = try? InspectionDraw(inputs)
    let strata = draw?.strata.map { "\($0.name) \($0.population) \($0.basisPoints) \($0.roundsUp ? "up" : "down") \($0.drawn)" }
    checks.append(("the strata are the draw's", strata == plan.strata.map { "\($0.stratum) \($0.population) \($0.shareBasisPoints) \($0.rounding) \($0.drawn)" }))
    let agencies = draw?.drawn.map { "\($0.creditCode) \($0.stratum) \($0.inspectorIDs.joined(separator: ","))" }
    checks.append(("the agencies and inspectors are the draw's", agencies == plan.drawn.map { "\($0.creditCode) \($0.stratum) \($0.inspectorIds.joined(separator: ","))" }))
    return checks
  }

  /// A plan as tables: its particulars, the strata per level, the agencies drawn.
  static func render(_ plan: Cqmon_V1_InspectionPlan, format: OutputFormat) -> String {
    Printer(format: format).render([plan], single: true) {
      let head = Printer(format: .table).render(
        columns: ["PLAN", "SCOPE", "PERIOD", "COMMITMENT", "INPUTS SHA-256", "REPLACES", "REPLACED BY"],
        rows: [[
          plan.planId, plan.districtCode.isEmpty ? "city" : plan.districtCode, "\(plan.period?.start?.text ?? "")..\(plan.period?.end?.text ?? "")",
          plan.commitment?.commitmentId ?? "", plan.inputsSha256, plan.replacesPlanId.isEmpty ? "-" : plan.replacesPlanId,
          plan.replacedBy.isEmpty ? "-" : plan.replacedBy,
        ]])
      let strata = Printer(format: .table).render(
        columns: ["LEVEL", "AGENCIES", "SHARE", "ROUNDING", "DRAWN"],
        rows: plan.strata.map {
          [$0.stratum, String($0.population), String(format: "%.2f%%", Double($0.shareBasisPoints) / 100), $0.rounding, String($0.drawn)]
        })
      let drawn = Printer(format: .table).render(
        columns: ["AGENCY", "LEVEL", "INSPECTORS"], rows: plan.drawn.map { [$0.creditCode, $0.stratum, $0.inspectorIds.joined(separator: ",")] })
      return [head, strata, drawn].joined(separator: "\n")
    }
  }

  struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Record an inspection from a YAML or JSON file (see examples/inspection.yaml).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .shortAndLong, help: "The request file.") var file: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        var request = try RequestFile.read(file, as: Cqmon_V1_RecordInspectionRequest.self)
        request.requestId = RequestFile.requestID(requestID ?? (request.requestId.isEmpty ? nil : request.requestId))
        let connection = try connection.resolve()
        let inspection = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).recordInspection(request, options: Client.options(connection))
        }
        print(InspectionsCommand.render([inspection], format: output.output, single: true, findings: true), terminator: "")
      }
    }
  }

  struct Correct: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Correct an inspection: a new version with the reason; findings listed are added.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The inspection id.") var id: String
    @Option(name: .shortAndLong, help: "The corrected record (as for `record`).") var file: String
    @Option(help: "Why.") var reason: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (default: a new one).") var requestID: String?

    func run() async throws {
      try await reporting {
        let record = try RequestFile.read(file, as: Cqmon_V1_RecordInspectionRequest.self)
        let connection = try connection.resolve()
        let inspection = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).correctInspection(.with {
            $0.requestId = RequestFile.requestID(requestID); $0.inspectionId = id; $0.record = record; $0.reason = reason
          }, options: Client.options(connection))
        }
        print(InspectionsCommand.render([inspection], format: output.output, single: true, findings: true), terminator: "")
      }
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One inspection, at its latest version or a given one, with its findings.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The inspection id, e.g. insp-000001.") var id: String
    @Option(help: "The version (default: the latest).") var version: Int32 = 0

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let inspection = try await Client.with(connection) { client in
          try await Inspection(wrapping: client).getInspection(.with { $0.inspectionId = id; $0.version = version }, options: Client.options(connection))
        }
        print(InspectionsCommand.render([inspection], format: output.output, single: true, findings: true), terminator: "")
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspections, newest first.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("agency"), help: "Only of this agency (credit code).") var agency: String = ""
    @Option(help: "Only in this district (code).") var district: String = ""
    @Option(help: "Only on or after this day (YYYY-MM-DD).") var from: String?
    @Option(help: "Only on or before this day (YYYY-MM-DD).") var to: String?
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let start = try from.map { try RequestFile.day($0, option: "--from") }
        let end = try to.map { try RequestFile.day($0, option: "--to") }
        let period: Cqmon_V1_DateRange? = start == nil && end == nil ? nil : .with { $0.start = start; $0.end = end }
        let connection = try connection.resolve()
        let inspections = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Inspection(wrapping: client).listInspections(.with {
              $0.creditCode = agency; $0.districtCode = district; $0.period = period; $0.pageSize = size; $0.pageToken = token
            }, options: Client.options(connection))
            return (page.inspections, page.nextPageToken)
          }
        }
        print(InspectionsCommand.render(inspections, format: output.output), terminator: "")
      }
    }
  }

  static func render(_ inspections: [Cqmon_V1_Inspection], format: OutputFormat, single: Bool = false, findings: Bool = false) -> String {
    Printer(format: format).render(inspections, single: single) {
      var text = Printer(format: .table).render(
        columns: ["INSPECTION", "VERSION", "AGENCY", "DISTRICT", "DAY", "METHODS", "FINDINGS", "CASES", "MEASURES"],
        rows: inspections.map { inspection in
          let record = inspection.record ?? .init()
          return [
            inspection.inspectionId, String(inspection.version), record.creditCode, record.districtCode, record.inspectedOn?.text ?? "",
            record.methods.map(\.shortName).joined(separator: ","), String(inspection.findings.count),
            inspection.cases.isEmpty ? "-" : inspection.cases.map(\.caseId).joined(separator: ","),
            record.measures.isEmpty ? "-" : record.measures.map(\.kind.shortName).joined(separator: ","),
          ]
        })
      if findings, let inspection = inspections.first, !inspection.findings.isEmpty {
        text += "\n" + FindingsCommand.table(inspection.findings)
      }
      return text
    }
  }
}
