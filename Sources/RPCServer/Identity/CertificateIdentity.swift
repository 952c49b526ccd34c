public import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization
import X509

/// Turns a call's context into a principal. The server uses `CertificateIdentity`; in-process
/// tests, which have no TLS, supply their own.
public protocol IdentityResolver: Sendable {
  func principal(of context: ServerContext) throws(IdentityError) -> Principal
}

/// The principal from the client certificate that TLS verified (chain to the bureau's CA,
/// validity), after the revocation list.
///
/// Working out a principal (reading the SAN extension, parsing the URI, checking the credit
/// code) is done once per certificate: the result is cached by serial number, which the CA
/// never reuses. The transport hands over a parsed certificate per call; only its serial is read.
public final class CertificateIdentity: IdentityResolver {
  private let revocations: RevocationList
  private let cache = Mutex<[ArraySlice<UInt8>: Result<Principal, IdentityError>]>([:])
  private static let cacheLimit = 10_000

  public init(revocations: RevocationList) {
    self.revocations = revocations
  }

  public func principal(of context: ServerContext) throws(IdentityError) -> Principal {
    guard let posix = context.transportSpecific as? HTTP2ServerTransport.Posix.Context,
      let certificate = posix.peerCertificate
    else { throw .noCertificate }
    let serial = certificate.serialNumber.bytes
    if revocations.isRevoked(serial: Self.hex(serial)) { throw .revoked(serial: Self.hex(serial)) }
    if let known = cache.withLock({ $0[serial] }) { return try known.get() }
    let result = Result { () throws(IdentityError) in try Self.principal(of: certificate) }
    cache.withLock {
      if $0.count >= Self.cacheLimit { $0.removeAll(keepingCapacity: true) }
      $0[serial] = result
    }
    return try result.get()
  }

  /// The principal a certificate names by its single identity URI SAN.
  public static func principal(of certificate: Certificate) throws(IdentityError) -> Principal {
    guard let names = try? certificate.extensions.subjectAlternativeNames else { throw .noURI }
    let uris = names.compactMap { name -> String? in
      if case .uniformResourceIdentifier(let uri) = name, uri.hasPrefix(Principal.trustDomain) { return uri }
      return nil
    }
    guard let uri = uris.first else { throw .noURI }
    guard uris.count == 1 else { throw .unknownShape(uris.joined(separator: ", ")) }
    return try Principal(uri: uri)
  }

  static func hex(_ bytes: ArraySlice<UInt8>) -> String {
    var text = bytes.map { byte in
      let digits = String(byte, radix: 16)
      return digits.count == 1 ? "0" + digits : digits
    }.joined()
    while text.hasPrefix("0") && text.count > 1 { text.removeFirst() }
    return text
  }
}
