// `make bench-codec`: ProtoCodec next to raw protobuf-c on the same bytes, in the same run.
//
// The message is the API's largest: a FileActivityRequest with 30 sampling events and 60
// analyses. Each case runs in interleaved rounds; the best round gives ns/op (the least
// disturbed by the machine), MB/s is over the encoded size.
//
//   raw decode     protobuf_c_message_unpack (malloc allocator) + free_unpacked
//   raw encode     get_packed_size + malloc + pack + free, from a prepared C struct
//   ProtoCodec     init(decoding:) / serializedBytes(): validation, protobuf-c, conversion
//
// Build in release mode only (`swift run -c release CodecBenchmark`).

import CProtoCodec
import Foundation
import ProtoCodec
import ProtoFixtures

let message = ActivityFixture.request(events: 30, analyses: 60)
let bytes: [UInt8] = try message.serializedBytes()
let descriptor = Cqmon_V1_FileActivityRequest.cDescriptor.pointer

@inline(never)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

struct Case {
  let name: String
  let body: () -> Void
}

let prepared = bytes.withUnsafeBufferPointer { protobuf_c_message_unpack(descriptor, nil, $0.count, $0.baseAddress)! }

let allCases: [Case] = [
  Case(name: "raw protobuf-c decode") {
    bytes.withUnsafeBufferPointer {
      let unpacked = protobuf_c_message_unpack(descriptor, nil, $0.count, $0.baseAddress)
      protobuf_c_message_free_unpacked(unpacked, nil)
    }
  },
  Case(name: "ProtoCodec decode") {
    blackHole(try! Cqmon_V1_FileActivityRequest(serializedBytes: bytes))
  },
  Case(name: "raw protobuf-c encode") {
    let size = protobuf_c_message_get_packed_size(prepared)
    let out = malloc(size)!.assumingMemoryBound(to: UInt8.self)
    blackHole(protobuf_c_message_pack(prepared, out))
    free(out)
  },
  Case(name: "ProtoCodec encode") {
    blackHole(try! message.serializedBytes() as [UInt8])
  },
]

// CODEC_BENCH_ONLY=<text> runs only the cases whose name contains it (for profiling).
let only = ProcessInfo.processInfo.environment["CODEC_BENCH_ONLY"]
let cases = allCases.filter { only == nil || $0.name.contains(only!) }

func nanoseconds(_ body: () -> Void, iterations: Int) -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  for _ in 0..<iterations { body() }
  return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations)
}

// Calibrate each case to about 0.2 s a round, then take the best of 9 interleaved rounds.
let iterations = cases.map { item -> Int in
  let estimate = nanoseconds(item.body, iterations: 50)
  return max(50, Int(200_000_000 / estimate))
}
var best = [Double](repeating: .infinity, count: cases.count)
for _ in 0..<9 {
  for (index, item) in cases.enumerated() {
    best[index] = min(best[index], nanoseconds(item.body, iterations: iterations[index]))
  }
}


print("FileActivityRequest, 30 sampling events and 60 analyses: \(bytes.count) bytes encoded")
print()
print("| case | ns/op | MB/s |")
print("|---|---:|---:|")
for (item, time) in zip(cases, best) {
  let megabytesPerSecond = Double(bytes.count) / time * 1000
  print("| \(item.name) | \(Int(time.rounded())) | \(Int(megabytesPerSecond.rounded())) |")
}
guard cases.count == allCases.count else { exit(0) }
print()
let decodeRatio = best[1] / best[0]
let encodeRatio = best[3] / best[2]
print("ProtoCodec / raw protobuf-c: decode \(String(format: "%.2f", decodeRatio))×, encode \(String(format: "%.2f", encodeRatio))× (target ≤ 1.30×)")
