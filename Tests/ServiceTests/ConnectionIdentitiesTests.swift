import Foundation
import GRPCCore
import Logging
@testable import RPCServer
import Synchronization
import Testing
import X509

/// The principal of an open connection, as the server keeps it between calls.
@Suite("Connection identities")
struct ConnectionIdentitiesTests {
  @Test("a certificate that expires while its connection stays open is refused from then on")
  func expiresMidConnection() throws {
    let pem = try String(contentsOfFile: ServerProcess.certificates.path + "/city.pem", encoding: .utf8)
    let certificate = try Certificate(pemEncoded: pem)
    let clock = Mutex(certificate.notValidAfter.addingTimeInterval(-60))
    let identities = ConnectionIdentities(
      revocations: RevocationList(path: nil, logger: Logger(label: "test")), now: { clock.withLock { $0 } })
    identities.connected("ipv4:127.0.0.1:5000", certificateDER: try certificate.serializeAsPEM().derBytes)
    let context = ServerContext(
      descriptor: MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check"),
      remotePeer: "ipv4:127.0.0.1:5000", localPeer: "ipv4:127.0.0.1:8443", cancellation: .init())

    #expect(try identities.principal(of: context).uri == "spiffe://cq-monitoring/bureau/city/dev-officer")
    clock.withLock { $0 = certificate.notValidAfter.addingTimeInterval(1) }
    #expect {
      _ = try identities.principal(of: context)
    } throws: { error in
      (error as? IdentityError)?.reason == "CERTIFICATE_EXPIRED"
    }
    identities.disconnected("ipv4:127.0.0.1:5000")
    #expect(throws: IdentityError.self) { _ = try identities.principal(of: context) }
  }
}
