import CCrypto

/// SHA-256 through OpenSSL (libcrypto), as lower-case hex.
public enum Digest {
  public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
    guard let context = cq_sha256_new() else { fatalError("OpenSSL: cannot allocate a digest context") }
    let updated =
      bytes.withContiguousStorageIfAvailable { cq_sha256_update(context, $0.baseAddress, $0.count) }
      ?? Array(bytes).withUnsafeBufferPointer { cq_sha256_update(context, $0.baseAddress, $0.count) }
    var out = [UInt8](repeating: 0, count: 32)
    guard updated == 1, cq_sha256_final(context, &out) == 1 else { fatalError("OpenSSL: SHA-256 failed") }
    return out
  }

  public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
    hex(sha256(bytes))
  }

  public static func sha256Hex(_ text: String) -> String {
    sha256Hex(Array(text.utf8))
  }

  /// HMAC-SHA256 of `data` under `key`.
  public static func hmacSHA256(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    let ok = key.withUnsafeBufferPointer { k in data.withUnsafeBufferPointer { d in cq_hmac_sha256(k.baseAddress, k.count, d.baseAddress, d.count, &out) } }
    guard ok == 1 else { fatalError("OpenSSL: HMAC-SHA256 failed") }
    return out
  }

  /// `count` bytes from OpenSSL's cryptographically secure generator.
  public static func randomBytes(_ count: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    guard cq_random_bytes(&out, count) == 1 else { fatalError("OpenSSL: RAND_bytes failed") }
    return out
  }

  public static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}

/// A SHA-256 computed over data that arrives in pieces (document uploads). Not thread-safe:
/// one upload, one task.
public final class StreamingDigest {
  private var context: OpaquePointer?

  public init() {
    guard let context = cq_sha256_new() else { fatalError("OpenSSL: cannot allocate a digest context") }
    self.context = context
  }

  public func update(_ bytes: [UInt8]) {
    guard let context else { preconditionFailure("the digest was finalized") }
    bytes.withUnsafeBufferPointer { _ = cq_sha256_update(context, $0.baseAddress, $0.count) }
  }

  /// The hex digest; the digest cannot be updated after.
  public func finalize() -> String {
    guard let context else { preconditionFailure("the digest was finalized") }
    self.context = nil
    var out = [UInt8](repeating: 0, count: 32)
    guard cq_sha256_final(context, &out) == 1 else { fatalError("OpenSSL: SHA-256 failed") }
    return Digest.hex(out)
  }

  deinit {
    if let context { cq_sha256_free(context) }
  }
}

/// Lower-case hex, both ways.
public enum Hex {
  public static func string(_ bytes: [UInt8]) -> String {
    Digest.hex(bytes)
  }

  /// The bytes of an even-length hex string; empty when it is not hex.
  public static func bytes(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return [] }
    var out = [UInt8]()
    out.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
      guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return [] }
      out.append(high << 4 | low)
      index += 2
    }
    return out
  }

  private static func value(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
