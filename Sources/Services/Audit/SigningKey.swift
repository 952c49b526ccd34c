import CCrypto
import Foundation

/// A public Ed25519 key of the bureau, named as C2SP signed notes name keys: a key name (the
/// log's origin, e.g. `sthjj.cq.gov.cn/monitoring`) and a 4-byte key hash, the first four bytes
/// of `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)`. Its id is `NAME+HASH` (hash in 8 hex digits),
/// and its verifier key — what Go's `note.NewVerifier` reads — `NAME+HASH+base64(0x01 ‖ key)`.
public struct PublicSigningKey: Sendable, Equatable {
  public let name: String
  /// The raw 32-byte Ed25519 public key.
  public let rawKey: [UInt8]

  public init(name: String, rawKey: [UInt8]) throws(SigningKeyError) {
    guard rawKey.count == 32 else { throw SigningKeyError("an Ed25519 public key is 32 bytes, not \(rawKey.count)") }
    guard Self.isValidName(name) else {
      throw SigningKeyError("key name '\(name)' must be non-empty printable text without spaces or '+'")
    }
    self.name = name
    self.rawKey = rawKey
  }

  /// A key in a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) block, as `openssl pkey -pubout` writes it.
  public init(name: String, pem: String) throws(SigningKeyError) {
    guard let der = Self.pemBody(pem, label: "PUBLIC KEY"), der.count == 44, Array(der.prefix(12)) == Self.spkiPrefix else {
      throw SigningKeyError("not a PEM Ed25519 public key (-----BEGIN PUBLIC KEY----- of 44 bytes)")
    }
    try self.init(name: name, rawKey: Array(der.suffix(32)))
  }

  /// The C2SP key hash.
  public var keyHash: UInt32 {
    let digest = Digest.sha256(Array(name.utf8) + [0x0A, 0x01] + rawKey)
    return digest.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
  }

  /// `NAME+HASH`: what receipts and checkpoints name their key by.
  public var id: String { name + "+" + String(format: "%08x", keyHash) }

  /// `NAME+HASH+KEY`: a signed-note verifier key.
  public var verifierKey: String { id + "+" + Data([0x01] + rawKey).base64EncodedString() }

  /// The key as a PEM `PUBLIC KEY`, for `openssl pkeyutl -verify -pubin`.
  public var pem: String {
    let body = Data(Self.spkiPrefix + rawKey).base64EncodedString()
    return "-----BEGIN PUBLIC KEY-----\n\(body)\n-----END PUBLIC KEY-----\n"
  }

  /// Whether `signature` is this key's Ed25519 signature over `message`.
  public func verifies(_ signature: [UInt8], over message: [UInt8]) -> Bool {
    signature.count == 64 && cq_ed25519_verify(rawKey, message, message.count, signature) == 1
  }

  /// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
  static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

  static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "+" }
  }

  static func pemBody(_ pem: String, label: String) -> [UInt8]? {
    let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
    guard let start = pem.range(of: begin), let stop = pem.range(of: end, range: start.upperBound..<pem.endIndex) else { return nil }
    let body = pem[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
    return Data(base64Encoded: String(body)).map(Array.init)
  }
}

/// The bureau's Ed25519 private key, through OpenSSL: it signs receipts (once, when written),
/// checkpoints of the audit log, and the credit bulletins. Separate from the TLS key, so that
/// the server's certificate can be renewed without invalidating anything signed.
public final class SigningKey: @unchecked Sendable {
  // @unchecked: the EVP_PKEY is never mutated after loading, and OpenSSL allows signing with
  // one key from several threads at once (each signature has its own digest context).
  private let key: OpaquePointer
  public let publicKey: PublicSigningKey

  /// The key in a PEM `PRIVATE KEY` block (`openssl genpkey -algorithm ed25519`).
  public convenience init(name: String, pem: String) throws(SigningKeyError) {
    guard let key = cq_ed25519_load_private(pem) else {
      throw SigningKeyError("not a PEM Ed25519 private key (make one with: openssl genpkey -algorithm ed25519)")
    }
    try self.init(name: name, key: key)
  }

  /// A fresh random key (tests).
  public static func generate(name: String) -> SigningKey {
    guard let key = cq_ed25519_generate() else { fatalError("OpenSSL: cannot generate an Ed25519 key") }
    do {
      return try SigningKey(name: name, key: key)
    } catch {
      fatalError("\(error)")
    }
  }

  private init(name: String, key: OpaquePointer) throws(SigningKeyError) {
    var raw = [UInt8](repeating: 0, count: 32)
    guard cq_ed25519_public(key, &raw) == 1 else {
      cq_key_free(key)
      throw SigningKeyError("OpenSSL cannot read the public half of the key")
    }
    do {
      self.publicKey = try PublicSigningKey(name: name, rawKey: raw)
    } catch {
      cq_key_free(key)
      throw error
    }
    self.key = key
  }

  deinit {
    cq_key_free(key)
  }

  /// The Ed25519 signature (64 bytes) over `message`.
  public func sign(_ message: [UInt8]) -> [UInt8] {
    var signature = [UInt8](repeating: 0, count: 64)
    guard cq_ed25519_sign(key, message, message.count, &signature) == 1 else { fatalError("OpenSSL: Ed25519 signing failed") }
    return signature
  }

  /// The key as PEM `PRIVATE KEY` (PKCS#8), so a generated key can be written out.
  public var privatePEM: String {
    var seed = [UInt8](repeating: 0, count: 32)
    guard cq_ed25519_private(key, &seed) == 1 else { fatalError("OpenSSL: cannot read the private key") }
    // PKCS#8 for Ed25519 (RFC 8410): a fixed 16-byte prefix, then the 32-byte seed.
    let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    return "-----BEGIN PRIVATE KEY-----\n\(Data(prefix + seed).base64EncodedString())\n-----END PRIVATE KEY-----\n"
  }
}

/// The bureau's keys: the one that signs now, and the retired ones whose old signatures must
/// still verify.
public struct SigningKeys: Sendable {
  public let current: SigningKey
  public let retired: [PublicSigningKey]

  public init(current: SigningKey, retired: [PublicSigningKey] = []) {
    self.current = current
    self.retired = retired.filter { $0 != current.publicKey }
  }

  /// Every public key, the current one first.
  public var all: [PublicSigningKey] { [current.publicKey] + retired }

  /// The key with this id, current or retired.
  public func key(id: String) -> PublicSigningKey? {
    all.first { $0.id == id }
  }
}

public struct SigningKeyError: Error, Equatable, CustomStringConvertible {
  public let description: String

  init(_ description: String) {
    self.description = description
  }
}
