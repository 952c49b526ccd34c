import Foundation
import GRPCCore
import ProtoCodec
import Testing

/// The real `monitord` with its public site on: HTTPS with the server's certificate, no client
/// certificate asked for, read by curl.
@Suite("The public website from the real server")
struct PublicSiteEndToEndTests {
  @Test("HTTPS with the server certificate and no client certificate: pages, HSTS, health; the API still asks for one")
  func https() async throws {
    let server = try ServerProcess(extra: ["--public-listen", "127.0.0.1:0"])
    let site = try #require(server.siteURL)
    #expect(site.hasPrefix("https://127.0.0.1:") && site.hasSuffix("/"))
    let ca = ServerProcess.certificates.appendingPathComponent("ca.pem").path
    func curl(_ arguments: [String]) throws -> (status: Int32, output: String) {
      let result = try ServerProcess.run("/usr/bin/env", ["curl", "-sS", "--max-time", "10", "--cacert", ca] + arguments)
      return (result.status, result.output + result.error)
    }
    let home = try curl(["-i", site])
    #expect(home.status == 0 && home.output.hasPrefix("HTTP/1.1 200 OK"), "\(home.output.prefix(400))")
    #expect(home.output.contains("strict-transport-security: max-age=31536000; includeSubDomains") || home.output.contains("Strict-Transport-Security: max-age=31536000; includeSubDomains"))
    #expect(home.output.contains("<html lang=\"zh-CN\">"))
    let health = try curl([site + "healthz"])
    #expect(health.status == 0 && health.output == "ok\n")
    let english = try curl(["--compressed", "-i", site + "en/bulletins"])
    #expect(english.output.lowercased().contains("content-encoding: gzip") && english.output.contains("Published results"))
    // Without the bureau's CA the certificate is not trusted; plain HTTP is not served.
    #expect(try ServerProcess.run("/usr/bin/env", ["curl", "-sS", "--max-time", "5", site]).status != 0)
    #expect(try ServerProcess.run("/usr/bin/env", ["curl", "-sS", "--max-time", "5", site.replacingOccurrences(of: "https://", with: "http://")]).status != 0)
    // The API's listener still refuses a caller without a client certificate.
    await #expect(throws: (any Error).self) { try await server.withClient(as: nil) { client in _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init()) } }
  }
}
