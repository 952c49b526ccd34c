// libFuzzer target over ProtoCodec's decoder (`scripts/fuzz.sh`, `make fuzz`).
//
// The first byte picks a message type (`FuzzTypes`: every request type of the API, then the
// shape fixtures); the rest is decoded as it. Decoding must either fail
// with a ProtoDecodingError or give a value that encodes without error and whose encoding is
// stable: decode(encode(v)) encodes to the same bytes. Any crash, trap, sanitizer report or
// broken property is a finding.

import ProtoCodec
import ProtoFixtures

#if canImport(Glibc)
import Glibc
#endif

private func check<M: ProtoMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) {
  let limits = ProtoDecodingLimits(maxMessageBytes: 1 << 20, maxDepth: 64)
  guard let value = try? M(decoding: bytes, limits: limits) else { return }
  guard let once: [UInt8] = try? value.serializedBytes() else {
    fatalError("a decoded \(M.protoMessageName) does not encode")
  }
  guard let again = try? M(serializedBytes: once, limits: limits) else {
    fatalError("the encoding of a decoded \(M.protoMessageName) does not decode")
  }
  guard (try? again.serializedBytes()) == once else {
    fatalError("the encoding of \(M.protoMessageName) is not stable")
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
  check(FuzzTypes.type(for: data[0]), bytes)
  return 0
}

#if !CODEC_FUZZ
/// Without libFuzzer (an ordinary build): replays the given inputs through the same checks,
/// e.g. a crash file that a fuzzing run left behind.
@main
struct Replay {
  static func main() {
    for path in CommandLine.arguments.dropFirst() {
      guard let file = fopen(path, "rb") else { fatalError("cannot open \(path)") }
      var bytes: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 65536)
      while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes += buffer[..<count]
      }
      fclose(file)
      _ = bytes.withUnsafeBufferPointer { fuzz($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
      print("ok \(path)")
    }
  }
}
#endif
