import ArgumentParser
import Foundation
import GRPCCore
import ProtoCodec

/// `monctl agencies enroll|list|get`.
struct AgenciesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "agencies", abstract: "Enrol agencies and read the registry.",
    subcommands: [Enroll.self, List.self, Get.self])

  struct Enroll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Enrol an agency's LIMS: the CA signs its certificate request (city officers).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("credit-code"), help: "The agency's unified social credit code.") var creditCode: String
    @Option(help: "The agency's registered name.") var name: String
    @Option(help: "The LIMS's certificate signing request, PEM.") var csr: String
    @Option(help: "Write the issued certificate here (PEM).") var out: String?
    @Option(name: .customLong("request-id"), help: "Idempotency key; repeat it to retry safely.") var requestID: String?

    func run() async throws {
      try await reporting {
        let csrPEM: String
        do { csrPEM = try String(contentsOfFile: csr, encoding: .utf8) } catch { throw CLIError(.usage, "cannot read \(csr)") }
        let connection = try connection.resolve()
        let response = try await Client.with(connection) { client in
          try await Cqmon_V1_RegistryService.Client(wrapping: client).enrollAgency(.with {
            $0.requestId = RequestFile.requestID(requestID)
            $0.creditCode = creditCode
            $0.name = name
            $0.csrPem = csrPEM
          }, options: Client.options(connection))
        }
        if let out, !response.certificatePem.isEmpty {
          do { try response.certificatePem.write(toFile: out, atomically: true, encoding: .utf8) } catch { throw CLIError(.failure, "cannot write \(out)") }
        }
        let certificate = response.certificate ?? .init()
        print(Printer(format: output.output).render([response], single: true) {
          Printer(format: .table).render(
            columns: ["CREDIT CODE", "SERIAL", "NOT AFTER", "RECEIPT"],
            rows: [[certificate.creditCode, certificate.serial, certificate.notAfter?.text ?? "", response.receipt?.receiptId ?? ""]])
        }, terminator: "")
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List agencies (officers).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only in this status: enrolled, listed or removed.") var status: String?
    @Option(help: "Only in this district code.") var district: String = ""
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let status = try status.map { text throws(CLIError) -> Cqmon_V1_AgencyStatus in
          guard let value = Cqmon_V1_AgencyStatus(name: "AGENCY_STATUS_" + text.uppercased()) else { throw CLIError(.usage, "--status is enrolled, listed or removed") }
          return value
        }
        let agencies = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Cqmon_V1_RegistryService.Client(wrapping: client).listAgencies(.with {
              $0.status = status ?? .unspecified
              $0.districtCode = district
              $0.pageSize = size
              $0.pageToken = token
            }, options: Client.options(connection))
            return (page.agencies, page.nextPageToken)
          }
        }
        print(AgenciesCommand.render(agencies, format: output.output), terminator: "")
      }
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One agency, now or as of a past instant.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The agency's credit code.") var creditCode: String
    @Option(help: "As of this instant, e.g. 2026-11-20T08:30:00Z.") var at: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        var asOf: Google_Protobuf_Timestamp?
        if let at {
          guard let date = ISO8601DateFormatter().date(from: at) else { throw CLIError(.usage, "--at '\(at)' is not an instant like 2026-11-20T08:30:00Z") }
          asOf = .with { $0.seconds = Int64(date.timeIntervalSince1970) }
        }
        let agency = try await Client.with(connection) { client in
          try await Cqmon_V1_RegistryService.Client(wrapping: client).getAgency(.with {
            $0.creditCode = creditCode
            $0.asOf = asOf
          }, options: Client.options(connection))
        }
        print(AgenciesCommand.render([agency], format: output.output, single: true), terminator: "")
      }
    }
  }

  static func render(_ agencies: [Cqmon_V1_Agency], format: OutputFormat, single: Bool = false) -> String {
    Printer(format: format).render(agencies, single: single) { table(agencies) }
  }

  static func table(_ agencies: [Cqmon_V1_Agency]) -> String {
    Printer(format: .table).render(
      columns: ["CREDIT CODE", "NAME", "STATUS", "DISTRICT", "LEVEL", "VERSION"],
      rows: agencies.map { agency in
        [
          agency.creditCode, agency.name, agency.status.shortName, agency.record?.address?.districtCode ?? "",
          agency.creditLevel == .unspecified ? "-" : agency.creditLevel.shortName, String(agency.registryVersion),
        ]
      })
  }
}

/// `monctl registry apply -f application.yaml`.
struct RegistryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "registry", abstract: "Apply to be listed (agencies).", subcommands: [Apply.self])

  struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Submit an application from a YAML or JSON file (see examples/application.yaml).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .shortAndLong, help: "The application: a SubmitApplicationRequest as YAML or JSON ('-' for stdin).") var file: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (overrides the file's).") var requestID: String?

    func run() async throws {
      try await reporting {
        var request = try RequestFile.read(file, as: Cqmon_V1_SubmitApplicationRequest.self)
        if request.requestId.isEmpty || requestID != nil { request.requestId = RequestFile.requestID(requestID) }
        let connection = try connection.resolve()
        let application = try await Client.with(connection) { client in
          try await Cqmon_V1_RegistryService.Client(wrapping: client).submitApplication(request, options: Client.options(connection))
        }
        print(ApplicationsCommand.render([application], format: output.output, single: true), terminator: "")
        for warning in application.warnings { printError("warning: \(warning)") }
      }
    }
  }
}

/// `monctl applications list|get|review`.
struct ApplicationsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "applications", abstract: "Read and review applications.", subcommands: [List.self, Get.self, Review.self])

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List applications, newest first.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("credit-code"), help: "Only this agency's.") var creditCode: String = ""
    @Flag(help: "Only pending ones.") var pending = false
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let applications = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Cqmon_V1_RegistryService.Client(wrapping: client).listApplications(.with {
              $0.creditCode = creditCode
              $0.status = pending ? .pending : .unspecified
              $0.pageSize = size
              $0.pageToken = token
            }, options: Client.options(connection))
            return (page.applications, page.nextPageToken)
          }
        }
        print(ApplicationsCommand.render(applications, format: output.output), terminator: "")
      }
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One application.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The application id, e.g. app-000001.") var id: String

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let application = try await Client.with(connection) { client in
          try await Cqmon_V1_RegistryService.Client(wrapping: client).getApplication(.with { $0.applicationId = id }, options: Client.options(connection))
        }
        print(ApplicationsCommand.render([application], format: output.output, single: true), terminator: "")
      }
    }
  }

  struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Approve, reject or return a pending application (city officers).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The application id.") var id: String
    @Option(help: "approve, reject or return.") var decision: String
    @Option(name: .customLong("reason"), help: "A reason the agency can read (repeat for several).") var reasons: [String] = []
    @Option(name: .customLong("request-id"), help: "Idempotency key.") var requestID: String?

    func run() async throws {
      try await reporting {
        let decision: Cqmon_V1_ReviewDecision = switch decision {
        case "approve": .approve
        case "reject": .reject
        case "return": .returnForMore
        default: throw CLIError(.usage, "--decision is approve, reject or return")
        }
        let connection = try connection.resolve()
        let application = try await Client.with(connection) { client in
          try await Cqmon_V1_RegistryService.Client(wrapping: client).reviewApplication(.with {
            $0.requestId = RequestFile.requestID(requestID)
            $0.applicationId = id
            $0.decision = decision
            $0.reasons = reasons
          }, options: Client.options(connection))
        }
        print(ApplicationsCommand.render([application], format: output.output, single: true), terminator: "")
      }
    }
  }

  static func render(_ applications: [Cqmon_V1_Application], format: OutputFormat, single: Bool = false) -> String {
    Printer(format: format).render(applications, single: single) { table(applications) }
  }

  static func table(_ applications: [Cqmon_V1_Application]) -> String {
    Printer(format: .table).render(
      columns: ["ID", "CREDIT CODE", "STATUS", "SUBMITTED", "RECEIPT"],
      rows: applications.map { [$0.applicationId, $0.creditCode, $0.status.shortName, $0.submittedAt?.text ?? "", $0.receipt?.receiptId ?? ""] },
      single: false)
  }
}

/// `monctl changes file|list`.
struct ChangesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "changes", abstract: "File and list changes (Art. 5).", subcommands: [File.self, List.self])

  struct File: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "File a change from a YAML or JSON FileChangeRequest (agencies).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .shortAndLong, help: "The change: a FileChangeRequest as YAML or JSON.") var file: String
    @Option(name: .customLong("request-id"), help: "Idempotency key (overrides the file's).") var requestID: String?

    func run() async throws {
      try await reporting {
        var request = try RequestFile.read(file, as: Cqmon_V1_FileChangeRequest.self)
        if request.requestId.isEmpty || requestID != nil { request.requestId = RequestFile.requestID(requestID) }
        let connection = try connection.resolve()
        let change = try await Client.with(connection) { client in
          try await Cqmon_V1_RegistryService.Client(wrapping: client).fileChange(request, options: Client.options(connection))
        }
        print(ChangesCommand.render([change], format: output.output, single: true), terminator: "")
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "An agency's changes, newest first.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The agency's credit code.") var creditCode: String
    @Flag(help: "Only late ones (Art. 9(1)5).") var late = false
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let changes = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Cqmon_V1_RegistryService.Client(wrapping: client).listChanges(.with {
              $0.creditCode = creditCode
              $0.lateOnly = late
              $0.pageSize = size
              $0.pageToken = token
            }, options: Client.options(connection))
            return (page.changes, page.nextPageToken)
          }
        }
        print(ChangesCommand.render(changes, format: output.output), terminator: "")
      }
    }
  }

  static func render(_ changes: [Cqmon_V1_Change], format: OutputFormat, single: Bool = false) -> String {
    Printer(format: format).render(changes, single: single) { table(changes) }
  }

  static func table(_ changes: [Cqmon_V1_Change]) -> String {
    Printer(format: .table).render(
      columns: ["ID", "KIND", "EFFECTIVE", "DUE", "LATE", "VERSION", "FILED BY"],
      rows: changes.map {
        [$0.changeId, $0.kind.shortName, $0.effectiveOn?.text ?? "", $0.dueOn?.text ?? "", $0.late ? "yes" : "no", String($0.registryVersion), $0.filedBy?.principal ?? ""]
      })
  }
}

/// `monctl eligibility check`.
struct EligibilityCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eligibility", abstract: "Whether an agency or a person may apply (Art. 20).", subcommands: [Check.self])

  struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Banned until when, and why.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("credit-code"), help: "An agency.") var creditCode: String?
    @Option(name: .customLong("id-number"), help: "A person's resident ID number.") var idNumber: String?
    @Option(help: "On this day (YYYY-MM-DD); today if not given.") var on: String?

    func run() async throws {
      try await reporting {
        guard (creditCode == nil) != (idNumber == nil) else { throw CLIError(.usage, "give --credit-code or --id-number") }
        var day: Cqmon_V1_Date?
        if let on {
          let parts = on.split(separator: "-").compactMap { Int32($0) }
          guard parts.count == 3 else { throw CLIError(.usage, "--on is a date YYYY-MM-DD") }
          day = .with { $0.year = parts[0]; $0.month = parts[1]; $0.day = parts[2] }
        }
        let connection = try connection.resolve()
        let eligibility = try await Client.with(connection) { client in
          try await Cqmon_V1_RegistryService.Client(wrapping: client).checkEligibility(.with {
            if let creditCode { $0.subject = .creditCode(creditCode) }
            if let idNumber { $0.subject = .idNumber(idNumber) }
            $0.on = day
          }, options: Client.options(connection))
        }
        print(Printer(format: output.output).render([eligibility], single: true) {
          Printer(format: .table).render(
            columns: ["ELIGIBLE", "BANNED UNTIL", "BANS"],
            rows: [[eligibility.eligible ? "yes" : "no", eligibility.bannedUntil?.text ?? "", String(eligibility.bans.count)]])
        }, terminator: "")
      }
    }
  }
}

/// `monctl documents upload|download`.
struct DocumentsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "documents", abstract: "Upload and download documents.", subcommands: [Upload.self, Download.self])

  struct Upload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Upload a file; prints its SHA-256, by which filings refer to it.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The file.") var path: String
    @Option(name: .customLong("media-type"), help: "Its media type.") var mediaType: String = "application/pdf"

    func run() async throws {
      try await reporting {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError(.usage, "cannot read \(path)") }
        let bytes = [UInt8](data)
        let connection = try connection.resolve()
        let document = try await Client.with(connection) { client in
          try await Cqmon_V1_DocumentService.Client(wrapping: client).upload(requestProducer: { writer in
            try await writer.write(.with {
              $0.metadata = .with {
                $0.requestId = RequestFile.requestID(nil)
                $0.fileName = URL(fileURLWithPath: path).lastPathComponent
                $0.mediaType = mediaType
                $0.sizeBytes = Int64(bytes.count)
              }
            })
            for start in stride(from: 0, to: bytes.count, by: 1 << 20) {
              try await writer.write(.with { $0.chunk = Array(bytes[start..<min(start + (1 << 20), bytes.count)]) })
            }
          }, options: Client.options(connection))
        }
        print(Printer(format: output.output).render([document], single: true) {
          Printer(format: .table).render(
            columns: ["SHA256", "SIZE", "NAME"], rows: [[document.sha256, String(document.sizeBytes), document.fileName]])
        }, terminator: "")
      }
    }
  }

  struct Download: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Download a document by its SHA-256.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The document's SHA-256.") var sha256: String
    @Option(name: .shortAndLong, help: "Write it here.") var out: String

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let bytes = try await Client.with(connection) { client in
          try await Cqmon_V1_DocumentService.Client(wrapping: client).download(.with { $0.sha256 = sha256 }, options: Client.options(connection)) { response in
            var bytes: [UInt8] = []
            for try await part in response.messages { bytes += part.chunk }
            return bytes
          }
        }
        guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else { throw CLIError(.failure, "cannot write \(out)") }
      }
    }
  }
}

/// `monctl certificates list|revoke`.
struct CertificatesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "certificates", abstract: "Agencies' certificates.", subcommands: [List.self, Revoke.self])

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Certificates issued to an agency, newest first.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The agency's credit code.") var creditCode: String
    @OptionGroup var paging: PagingOptions

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let certificates = try await Client.with(connection) { client in
          try await paging.all { size, token in
            let page = try await Cqmon_V1_RegistryService.Client(wrapping: client).listCertificates(.with {
              $0.creditCode = creditCode
              $0.pageSize = size
              $0.pageToken = token
            }, options: Client.options(connection))
            return (page.certificates, page.nextPageToken)
          }
        }
        print(CertificatesCommand.render(certificates, format: output.output), terminator: "")
      }
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke a certificate; the server refuses it from its next call (city officers).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The certificate's serial, hex.") var serial: String
    @Option(help: "Why.") var reason: String
    @Option(name: .customLong("request-id"), help: "Idempotency key.") var requestID: String?

    func run() async throws {
      try await reporting {
        let connection = try connection.resolve()
        let certificate = try await Client.with(connection) { client in
          try await Cqmon_V1_RegistryService.Client(wrapping: client).revokeCertificate(.with {
            $0.requestId = RequestFile.requestID(requestID)
            $0.serial = serial
            $0.reason = reason
          }, options: Client.options(connection))
        }
        print(CertificatesCommand.render([certificate], format: output.output, single: true), terminator: "")
      }
    }
  }

  static func render(_ certificates: [Cqmon_V1_IssuedCertificate], format: OutputFormat, single: Bool = false) -> String {
    Printer(format: format).render(certificates, single: single) { table(certificates) }
  }

  static func table(_ certificates: [Cqmon_V1_IssuedCertificate]) -> String {
    Printer(format: .table).render(
      columns: ["SERIAL", "CREDIT CODE", "NOT AFTER", "REVOKED"],
      rows: certificates.map { [$0.serial, $0.creditCode, $0.notAfter?.text ?? "", $0.revokedAt?.text ?? "-"] })
  }
}
