import ProtoCodec
import ProtoFixtures

/// Hand-made wire bytes for the hostile-input tests.
enum WireBytes {
  /// A chain of `links` nested Link/Chain pairs, encoded by hand so that its depth is exact.
  static func chainBytes(links: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    for _ in 0..<(2 * links) {
      // Each level is field 1 (length-delimited) holding the level below.
      bytes = [0x0A] + varint(UInt64(bytes.count)) + bytes
    }
    return bytes
  }

  static func varint(_ value: UInt64) -> [UInt8] {
    var value = value
    var out: [UInt8] = []
    while value >= 0x80 {
      out.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    out.append(UInt8(value))
    return out
  }
}
