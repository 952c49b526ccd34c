import CCrypto
import Foundation

/// Signs receipts with the server's key (the one of its TLS certificate, which the bureau's CA
/// issued), so a filer can prove what the server acknowledged: the signature covers the UTF-8
/// bytes `receipt_id|received_at|request_sha256|record_sha256|audit_sequence|audit_hash`, with
/// `received_at` in RFC 3339 (UTC, milliseconds) as stored. Verify with the server certificate.
public struct ReceiptSigner: Sendable {
  private let keyPEM: String

  public init(keyPEM: String) {
    self.keyPEM = keyPEM
  }

  /// What is signed for `receipt`.
  public static func signedBytes(_ receipt: Receipt) -> [UInt8] {
    Array([
      receipt.id, Timestamps.format(receipt.receivedAt), receipt.requestSHA256, receipt.recordSHA256,
      String(receipt.auditSequence), receipt.auditHash,
    ].joined(separator: "|").utf8)
  }

  /// The receipt with its signature and algorithm filled in.
  public func sign(_ receipt: Receipt) -> Receipt {
    var signed = receipt
    let bytes = Self.signedBytes(receipt)
    var signature: UnsafeMutablePointer<UInt8>?
    var length = 0
    var algorithm: UnsafePointer<CChar>?
    guard cq_sign(keyPEM, bytes, bytes.count, &signature, &length, &algorithm) == 1, let signature else { return receipt }
    defer { cq_free(signature) }
    signed.signature = Array(UnsafeBufferPointer(start: signature, count: length))
    signed.signatureAlgorithm = algorithm.map { String(cString: $0) } ?? ""
    return signed
  }

  /// Whether a receipt's signature verifies with the PEM certificate.
  public static func verify(_ receipt: Receipt, certificatePEM: String) -> Bool {
    let bytes = signedBytes(receipt)
    return cq_verify(certificatePEM, bytes, bytes.count, receipt.signature, receipt.signature.count) == 1
  }
}
