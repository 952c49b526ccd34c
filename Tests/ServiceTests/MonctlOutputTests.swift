@testable import monctl
import ProtoCodec
import Testing

@Suite("monctl output, as exact text")
struct MonctlOutputTests {
  @Test("health as a table and as JSON")
  func health() {
    #expect(HealthCommand.render(server: "127.0.0.1:8443", service: "", status: .serving, format: .table) == """
      SERVER          SERVICE  STATUS
      127.0.0.1:8443  (all)    SERVING

      """)
    #expect(HealthCommand.render(server: "h:1", service: "grpc.health.v1.Health", status: .notServing, format: .json) == """
      {
        "server" : "h:1",
        "service" : "grpc.health.v1.Health",
        "status" : "NOT_SERVING"
      }

      """)
  }

  @Test("tables align columns holding Chinese text by display width")
  func wideCharacters() {
    let table = Printer(format: .table).render(columns: ["CODE", "NAME", "N"], rows: [["500103", "渝中区", "1"], ["500190", "万盛经开区", "2"]])
    #expect(table == """
      CODE    NAME        N
      500103  渝中区      1
      500190  万盛经开区  2

      """)
    #expect(Printer(format: .json).render(columns: ["A B"], rows: []) == "[\n\n]\n")
  }

  @Test("version and services")
  func versionAndServices() {
    #expect(VersionCommand.render(format: .table) == "MONCTL  API\n\(Monctl.version)   cqmon.v1\n")
    #expect(ServicesCommand.render([("a.B", ["X", "Y"])], format: .table) == "SERVICE  METHODS\na.B      X,Y\n")
  }

  @Test("a refusal names the fields at fault and maps to its exit code")
  func errors() {
    let metadata = RichStatus.metadata(
      code: .invalidArgument, message: "bad", reason: "CREDIT_CODE_CHECK_CHARACTER",
      violations: [.init(field: "materials.staff[3].id_number", description: "check character", reason: "ID_NUMBER_CHECK")])
    let error = CLIError(.init(code: .invalidArgument, message: "bad", metadata: metadata))
    #expect(error.kind == .invalid)
    #expect(error.kind.rawValue == 5)
    #expect(error.description == """
      invalidArgument: bad [CREDIT_CODE_CHECK_CHARACTER]
        materials.staff[3].id_number: check character
      """)
    #expect(CLIError(.init(code: .unavailable, message: "x")).kind.rawValue == 3)
    #expect(CLIError(.init(code: .permissionDenied, message: "x")).kind.rawValue == 4)
  }

  @Test("counting commands follow every page: 2,500 items come back as 2,500, a thousand a request")
  func everyPage() async throws {
    let items = Array(0..<2500)
    var requests: [(Int32, String)] = []
    let fetched = try await PagingOptions.every { size, token in
      requests.append((size, token))
      let start = Int(token) ?? 0
      let end = min(items.count, start + Int(size))
      return (Array(items[start..<end]), end < items.count ? String(end) : "")
    }
    #expect(fetched == items)
    #expect(requests.map(\.0) == [1000, 1000, 1000] && requests.map(\.1) == ["", "1000", "2000"])
  }
}
