import ProtoCodec
import ProtoFixtures
import Testing

@Suite("Messages from trees (what YAML and JSON files parse to)")
struct ProtoTreeTests {
  @Test("every field type, enums by name with or without prefix, dates and timestamps as strings")
  func fields() throws {
    let tree = ProtoTree.map([
      ("request_id", .scalar("req-1")),
      ("credit_code", .scalar("91500000MA5U7BCX7A")),
      ("materials", .map([
        ("legal_nature", .scalar("ENTERPRISE")),
        ("licence", .map([("kind", .scalar("LICENCE_KIND_BUSINESS_LICENCE")), ("name", .scalar("重庆某某"))])),
        ("cma_certificate", .map([("valid_until", .scalar("2030-05-05")), ("scope", .list([.map([("parameter", .scalar("COD"))])]))])),
        ("staff", .list([.map([("roles", .list([.scalar("SAMPLER"), .scalar("2")]))])])),
      ])),
    ])
    let request = try Cqmon_V1_SubmitApplicationRequest(tree: tree)
    #expect(request.requestId == "req-1")
    #expect(request.materials?.legalNature == .enterprise)
    #expect(request.materials?.licence?.kind == .businessLicence)
    #expect(request.materials?.licence?.name == "重庆某某")
    #expect(request.materials?.cmaCertificate?.validUntil == .with { $0.year = 2030; $0.month = 5; $0.day = 5 })
    #expect(request.materials?.cmaCertificate?.scope.first?.parameter == "COD")
    #expect(request.materials?.staff.first?.roles == [.sampler, .analyst])

    let scalars = try Cqmon_Testing_Scalars(tree: .map([
      ("s64", .scalar("-5")), ("flag", .scalar("true")), ("real64", .scalar("2.5")), ("blob", .scalar("AAEC")),
      ("r_u32", .list([.scalar("1"), .scalar("4294967295")])), ("f32", .scalar("7")), ("sf64", .scalar("-9")),
    ]))
    #expect(scalars.s64 == -5 && scalars.flag && scalars.real64 == 2.5 && scalars.blob == [0, 1, 2])
    #expect(scalars.rU32 == [1, .max] && scalars.f32 == 7 && scalars.sf64 == -9)
    let tree2 = try Cqmon_Testing_Tree(tree: .map([("at", .scalar("2026-11-20T08:30:00Z"))]))
    #expect(tree2.at?.seconds == 1_795_163_400)
  }

  @Test("mistakes name the path")
  func mistakes() {
    #expect(throws: ProtoTreeError(path: "materials.licence.colour", problem: "cqmon.v1.Licence has no field 'colour'")) {
      _ = try Cqmon_V1_SubmitApplicationRequest(tree: .map([("materials", .map([("licence", .map([("colour", .scalar("x"))]))]))]))
    }
    #expect(throws: ProtoTreeError.self) {
      _ = try Cqmon_V1_SubmitApplicationRequest(tree: .map([("materials", .map([("legal_nature", .scalar("COMPANY"))]))]))
    }
    #expect(throws: ProtoTreeError(path: "year", problem: "'x' is not a whole number in range")) {
      _ = try Cqmon_V1_Date(tree: .map([("year", .scalar("x"))]))
    }
    #expect(throws: ProtoTreeError(path: "text", problem: "the string holds a NUL character")) {
      _ = try Cqmon_Testing_Scalars(tree: .map([("text", .scalar("a\u{0}b"))]))
    }
  }
}
