import CCrypto
import Foundation

/// The bureau's CA, as far as the server holds it: its certificate and the key that signs the
/// certificates of enrolled agencies' LIMS (through OpenSSL).
public struct CertificateAuthority: Sendable {
  public let certificatePEM: String
  private let keyPEM: String
  /// How long an issued certificate lasts.
  public let validity: TimeInterval

  public init(certificatePEM: String, keyPEM: String, validity: TimeInterval = 365 * 86_400) {
    self.certificatePEM = certificatePEM
    self.keyPEM = keyPEM
    self.validity = validity
  }

  public struct Issued: Sendable {
    public var pem: String
    public var serial: String
    public var notBefore: Date
    public var notAfter: Date
    public var keyDescription: String
  }

  /// Checks the request (PEM, signature, key type and size) and issues a client certificate
  /// binding `creditCode` in the URI SAN.
  public func issue(csrPEM: String, creditCode: CreditCode, name: String, now: Date) throws(ServiceError) -> Issued {
    var serial = [UInt8](repeating: 0, count: 16)
    for index in serial.indices { serial[index] = UInt8.random(in: 0...255) }
    serial[0] &= 0x7F  // positive
    serial[0] |= 0x10  // no leading zero byte, so the hex form is stable
    let notBefore = now.addingTimeInterval(-300)  // tolerate small clock differences
    let notAfter = now.addingTimeInterval(validity)
    var pem: UnsafeMutablePointer<CChar>?
    var keyDescription: UnsafePointer<CChar>?
    var detail = [CChar](repeating: 0, count: 256)
    let result = cq_issue_certificate(
      csrPEM, certificatePEM, keyPEM, creditCode.rawValue, String(name.prefix(64)),
      "spiffe://cq-monitoring/agency/\(creditCode.rawValue)", serial, serial.count,
      Int64(notBefore.timeIntervalSince1970), Int64(notAfter.timeIntervalSince1970), &pem, &keyDescription, &detail,
      detail.count)
    let explanation = String(decoding: detail.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    switch Int(result) {
    case Int(CQ_CSR_OK.rawValue):
      defer { cq_free(pem) }
      return Issued(
        pem: String(cString: pem!), serial: Digest.hex(serial), notBefore: notBefore, notAfter: notAfter,
        keyDescription: keyDescription.map { String(cString: $0) } ?? "")
    case Int(CQ_CSR_NOT_PEM.rawValue), Int(CQ_CSR_BAD_SIGNATURE.rawValue):
      throw .invalid([FieldViolation("csr_pem", explanation, reason: "CSR_INVALID")])
    case Int(CQ_CSR_WEAK_KEY.rawValue):
      throw .invalid([FieldViolation("csr_pem", explanation, reason: "CSR_WEAK_KEY")])
    default:
      throw ServiceError(.internalError, "the CA could not issue the certificate: \(explanation)", reason: "CA_FAILURE")
    }
  }
}
