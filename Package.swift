// swift-tools-version: 6.1
import PackageDescription

/// Every protobuf-c target links the system libprotobuf-c (Debian `libprotobuf-c-dev`).
let protobufC: [LinkerSetting] = [.linkedLibrary("protobuf-c")]

let package = Package(
  name: "cq-monitoring",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "ProtoCodec", targets: ["ProtoCodec"]),
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
  ],
  targets: [
    // protoc-c output for proto/ (generated), the descriptor set, and a small arena (hand-written).
    .target(
      name: "CProtoCodec",
      cSettings: [.headerSearchPath("include")],
      linkerSettings: protobufC
    ),
    // The API's Swift side: generated messages, conversions, serializers, services, clients.
    .target(
      name: "ProtoCodec",
      dependencies: [
        "CProtoCodec",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
      ]
    ),

    // The code generator and the protoc-c build of descriptor.proto it reads descriptor sets with.
    .target(
      name: "CProtoDescriptor",
      cSettings: [.headerSearchPath("include")],
      linkerSettings: protobufC
    ),
    .executableTarget(name: "ProtoCodecGen", dependencies: ["CProtoDescriptor"]),

    // Test fixtures: every protobuf shape, generated the same way as the API.
    .target(
      name: "CProtoFixtures",
      dependencies: ["CProtoCodec"],
      path: "Tests/Fixtures/C",
      cSettings: [.headerSearchPath("include")],
      linkerSettings: protobufC
    ),
    .target(
      name: "ProtoFixtures",
      dependencies: ["ProtoCodec", "CProtoFixtures", .product(name: "GRPCCore", package: "grpc-swift-2")],
      path: "Tests/Fixtures/Swift"
    ),
    .testTarget(
      name: "ProtoCodecTests",
      dependencies: ["ProtoCodec", "ProtoFixtures", "CProtoFixtures", "CProtoCodec"]
    ),

    // The Swift side of Tests/interop/test_codec_interop.py.
    .executableTarget(
      name: "CodecInterop",
      dependencies: ["ProtoCodec", "ProtoFixtures"],
      path: "Tests/interop/CodecInterop"
    ),

    // libFuzzer target over the decoder; built only by scripts/fuzz.sh (-sanitize=fuzzer).
    .executableTarget(
      name: "CodecFuzz",
      dependencies: ["ProtoCodec", "ProtoFixtures"],
      path: "Fuzz/CodecFuzz"
    ),

    // `make bench-codec`: ProtoCodec next to raw protobuf-c on the same bytes (release only).
    .executableTarget(
      name: "CodecBenchmark",
      dependencies: ["ProtoCodec", "CProtoCodec", "ProtoFixtures"],
      path: "Benchmarks/CodecBenchmark"
    ),
  ]
)
