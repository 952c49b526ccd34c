import RPCServer
import Services
import Testing

@Suite("Principals from certificate URIs")
struct PrincipalTests {
  @Test("each identity shape gives its principal")
  func shapes() throws {
    let agency = try Principal(uri: "spiffe://cq-monitoring/agency/91500000MA5U7BCX7A")
    #expect(agency.kind == .agency)
    #expect(agency.creditCode?.rawValue == "91500000MA5U7BCX7A")
    let city = try Principal(uri: "spiffe://cq-monitoring/bureau/city/zhang.wei")
    #expect(city.kind == .cityOfficer && city.name == "zhang.wei")
    let district = try Principal(uri: "spiffe://cq-monitoring/bureau/district/500103/li-na")
    #expect(district.kind == .districtOfficer && district.district?.name == "渝中区" && district.name == "li-na")
    let partner = try Principal(uri: "spiffe://cq-monitoring/partner/market-regulator")
    #expect(partner.kind == .partner && partner.name == "market-regulator")
  }

  @Test("any other shape is refused, with the reason")
  func refusals() {
    let cases: [(String, String)] = [
      ("spiffe://other/agency/91500000MA5U7BCX7A", "UNKNOWN_IDENTITY"),
      ("spiffe://cq-monitoring/agency/91500000MA5U7BCX7Q", "IDENTITY_CREDIT_CODE"),
      ("spiffe://cq-monitoring/bureau/district/500199/li", "IDENTITY_DISTRICT"),
      ("spiffe://cq-monitoring/bureau/city/", "UNKNOWN_IDENTITY"),
      ("spiffe://cq-monitoring/bureau/city/Zhang", "UNKNOWN_IDENTITY"),
      ("spiffe://cq-monitoring/bureau/province/x", "UNKNOWN_IDENTITY"),
      ("spiffe://cq-monitoring/partner/a/b", "UNKNOWN_IDENTITY"),
      ("spiffe://cq-monitoring/agency/91500000MA5U7BCX7A/extra", "UNKNOWN_IDENTITY"),
    ]
    for (uri, reason) in cases {
      #expect(throws: IdentityError.self, "\(uri)") { _ = try Principal(uri: uri) }
      do {
        _ = try Principal(uri: uri)
      } catch {
        #expect(error.reason == reason, "\(uri)")
      }
    }
  }
}
