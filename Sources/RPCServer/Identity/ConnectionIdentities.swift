import Foundation
public import GRPCCore
import NIOCore
import Services
import Synchronization
import X509

/// Turns a call's context into a principal. The server uses `ConnectionIdentities`; in-process
/// tests, which have no TLS, supply their own.
public protocol IdentityResolver: Sendable {
  func principal(of context: ServerContext) throws(IdentityError) -> Principal
}

/// The principal of each open connection, worked out once from the client certificate that TLS
/// verified (chain to the bureau's CA, validity), and checked on every call against the
/// revocation list and the certificate's expiry: a connection outlives neither.
///
/// Working out a principal (parsing the certificate, reading the SAN, checking the credit code)
/// is also cached by certificate serial, which the CA never reuses, so reconnecting clients cost
/// a parse of the serial only.
public final class ConnectionIdentities: IdentityResolver {
  struct Entry: Sendable {
    let serial: String
    let notValidAfter: Date
    let principal: Result<Principal, IdentityError>
  }

  private let revocations: RevocationList
  private let now: @Sendable () -> Date
  private let connections = Mutex<[String: Entry]>([:])
  private let bySerial = Mutex<[[UInt8]: Entry]>([:])
  private static let cacheLimit = 10_000

  public init(revocations: RevocationList, now: @escaping @Sendable () -> Date = Date.init) {
    self.revocations = revocations
    self.now = now
  }

  public func principal(of context: ServerContext) throws(IdentityError) -> Principal {
    guard let entry = connections.withLock({ $0[context.remotePeer] }) else { throw .noCertificate }
    if revocations.isRevoked(serial: entry.serial) { throw .revoked(serial: entry.serial) }
    if now() > entry.notValidAfter { throw .expired(serial: entry.serial) }
    return try entry.principal.get()
  }

  /// A connection finished its TLS handshake, with this (verified) client certificate.
  func connected(_ key: String, certificateDER der: [UInt8]?) {
    connections.withLock { $0[key] = entry(for: der) }
  }

  func disconnected(_ key: String) {
    _ = connections.withLock { $0.removeValue(forKey: key) }
  }

  private func entry(for der: [UInt8]?) -> Entry {
    guard let der, let certificate = try? Certificate(derEncoded: der) else {
      return Entry(serial: "", notValidAfter: .distantFuture, principal: .failure(.noCertificate))
    }
    let serial = Array(certificate.serialNumber.bytes)
    if let known = bySerial.withLock({ $0[serial] }) { return known }
    let entry = Entry(
      serial: RevocationList.serial(Substring(Digest.hex(serial))) ?? "0", notValidAfter: certificate.notValidAfter,
      principal: Result { () throws(IdentityError) in try Self.principal(of: certificate) })
    bySerial.withLock {
      if $0.count >= Self.cacheLimit { $0.removeAll(keepingCapacity: true) }
      $0[serial] = entry
    }
    return entry
  }

  /// The key grpc-swift's NIO transport gives a connection in `ServerContext.remotePeer`.
  static func key(for address: SocketAddress) -> String {
    switch address {
    case .v4(let v4): "ipv4:\(v4.host):\(address.port ?? 0)"
    case .v6(let v6): "ipv6:[\(v6.host)]:\(address.port ?? 0)"
    case .unixDomainSocket: "unix:\(address.pathname ?? "")"
    }
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
}
