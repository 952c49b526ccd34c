import Foundation
@testable import Services
import Testing

/// The public website's search over the snapshot: by name anywhere in it (Latin letters in
/// either case), by the beginning of a credit code, in credit-code order, at most `limit`.
@Suite("Public search")
struct PublicSearchTests {
  static let names = ["重庆环科监测有限公司", "渝检 CQ Lab 监测站", "山城检测技术有限公司", "长江监测有限公司12", "长江监测有限公司1"]
  static let snapshot: PublicSnapshot = {
    let codes = (0..<names.count).map { CreditCode.completing(String(format: "91500000WEB%06d", $0))! }
    var agencies: [String: PublicAgency] = [:]
    for (code, name) in zip(codes, names) {
      agencies[code] = PublicAgency(
        creditCode: code, name: name, status: .listed, version: 1, versionSince: Date(timeIntervalSince1970: 0), districtCode: "500103",
        listedAt: nil, removedAt: nil, cmaNumber: "", cmaValidUntil: nil, scope: [], parameters: [])
    }
    return PublicSnapshot(years: [], publicity: nil, notices: [], agencies: agencies, agencyCodes: codes.sorted(), logSize: 0)
  }()

  func names(_ text: String, limit: Int = 10) -> [String] { Self.snapshot.search(text, limit: limit).map(\.name) }

  @Test("by name: any part of it, in code order, Latin letters in either case")
  func byName() {
    #expect(names("监测") == ["重庆环科监测有限公司", "渝检 CQ Lab 监测站", "长江监测有限公司12", "长江监测有限公司1"])
    #expect(names("cq lab") == ["渝检 CQ Lab 监测站"] && names("LAB") == ["渝检 CQ Lab 监测站"])
    #expect(names("公司1") == ["长江监测有限公司12", "长江监测有限公司1"])
    #expect(names("公司12") == ["长江监测有限公司12"])
    #expect(names("  山城 ") == ["山城检测技术有限公司"], "the text is trimmed")
    #expect(names("司重").isEmpty, "a match never runs from one name into the next")
    #expect(names("有限公司\u{0}重庆").isEmpty && names("").isEmpty)
  }

  @Test("by the beginning of a credit code, in either case; both kinds together; the limit")
  func byCodeAndLimit() {
    let third = Self.snapshot.agencyCodes[2]
    #expect(names(third) == ["山城检测技术有限公司"])
    #expect(names(third.lowercased()) == ["山城检测技术有限公司"])
    #expect(names("91500000WEB00000").count == 5 && names("91500000web").count == 5)
    #expect(names("91500000WEB00001X").isEmpty, "a code's prefix, not a part of it")
    #expect(names("监测", limit: 2) == ["重庆环科监测有限公司", "渝检 CQ Lab 监测站"])
    #expect(names("91500000WEB", limit: 3) == Array(Self.names.prefix(3)))
    #expect(names("有限公司", limit: 1) == ["重庆环科监测有限公司"])
  }
}
