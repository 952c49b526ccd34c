// swift-tools-version: 6.1
import PackageDescription

/// Every protobuf-c target links the system libprotobuf-c (Debian `libprotobuf-c-dev`).
let protobufC: [LinkerSetting] = [.linkedLibrary("protobuf-c")]

let package = Package(
  name: "cq-monitoring",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "ProtoCodec", targets: ["ProtoCodec"]),
    .executable(name: "monitord", targets: ["monitord"]),
    .executable(name: "monctl", targets: ["monctl"]),
    .executable(name: "lims-sim", targets: ["lims-sim"]),
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
    .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
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

    // OpenSSL (libcrypto) behind a few plain C functions: digests, certificate issuing.
    .target(
      name: "CCrypto",
      linkerSettings: [.linkedLibrary("crypto")]
    ),

    // The domain: rules, store protocols, audit. Knows nothing of protobuf, gRPC or any engine.
    .target(
      name: "Services",
      dependencies: ["CCrypto"]
    ),
    // The store protocols on PostgreSQL (PostgresNIO): more than one server.
    .target(
      name: "StoragePostgres",
      dependencies: [
        "Services",
        .product(name: "PostgresNIO", package: "postgres-nio"),
        // For `ConnectionPoolError`, which the pool throws when it cannot reach the server.
        .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
      ]
    ),
    // The store protocols on SQLite (GRDB): the embedded default.
    .target(
      name: "StorageSQLite",
      dependencies: ["Services", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]
    ),

    // The public website (Art. 9, 17, 19, 21): published data only, read through the store
    // protocols, on a listener of its own (Hummingbird, Mustache templates embedded).
    .target(
      name: "PublicSite",
      dependencies: [
        "Services",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "HummingbirdTLS", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "CompressNIO", package: "compress-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      resources: [.embedInCode("Templates"), .embedInCode("Static")]
    ),

    // The gRPC server: transport, TLS, identity, authorization, standard services, errors.
    .target(
      name: "RPCServer",
      dependencies: [
        "ProtoCodec", "Services", "StorageSQLite", "StoragePostgres", "CProtoDescriptor", "PublicSite",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOTLS", package: "swift-nio"),
        .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        .product(name: "NIOHPACK", package: "swift-nio-http2"),
        .product(name: "NIOExtras", package: "swift-nio-extras"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Yams", package: "Yams"),
      ]
    ),
    .executableTarget(
      name: "monitord",
      dependencies: [
        "RPCServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Simulated laboratories: agencies' records and a year of their activities, with planted
    // violations (the library), filed over the real API by `lims-sim`.
    .target(name: "LIMSSimulation", dependencies: ["ProtoCodec", "Services"]),
    .executableTarget(
      name: "lims-sim",
      dependencies: [
        "LIMSSimulation", "ProtoCodec", "Services",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // The admin CLI; it talks to the server only over the wire.
    .executableTarget(
      name: "monctl",
      dependencies: [
        "ProtoCodec", "CProtoDescriptor", "Services",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Yams", package: "Yams"),
      ]
    ),

    .testTarget(
      name: "DomainTests",
      dependencies: ["Services", "StorageSQLite", "LIMSSimulation", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    .testTarget(
      name: "ServiceTests",
      dependencies: [
        "RPCServer", "Services", "StorageSQLite", "StoragePostgres", "ProtoCodec", "monctl", "LIMSSimulation", "PublicSite",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        .product(name: "NIOHPACK", package: "swift-nio-http2"),
      ],
      exclude: ["make-test-certs.sh"]
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
      dependencies: ["ProtoCodec", "CProtoFixtures", "CProtoCodec", .product(name: "GRPCCore", package: "grpc-swift-2")],
      path: "Tests/Fixtures/Swift"
    ),
    .testTarget(
      name: "ProtoCodecTests",
      dependencies: ["ProtoCodec", "ProtoFixtures", "CProtoFixtures", "CProtoCodec"]
    ),

    // The Swift side of Tests/interop/test_codec_interop.py.
    .executableTarget(
      name: "CodecInterop",
      dependencies: ["ProtoCodec", "ProtoFixtures", .product(name: "Yams", package: "Yams")],
      path: "Tests/interop/CodecInterop"
    ),

    // libFuzzer target over the decoder; built only by scripts/fuzz.sh (-sanitize=fuzzer).
    .executableTarget(
      name: "CodecFuzz",
      dependencies: ["ProtoCodec", "ProtoFixtures"],
      path: "Fuzz/CodecFuzz"
    ),

    // `make bench-store`: the store layer on both engines with a million rows (release only).
    .executableTarget(
      name: "StoreBenchmark",
      dependencies: [
        "Services", "StorageSQLite", "StoragePostgres", "RPCServer", "ProtoCodec",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
      ],
      path: "Benchmarks/StoreBenchmark"
    ),

    // `make bench-filing`: durable filings per second, grouped commits and not (release only).
    .executableTarget(
      name: "FilingBenchmark",
      dependencies: [
        "Services", "StorageSQLite", "StoragePostgres", "RPCServer", "ProtoCodec", "LIMSSimulation",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
      ],
      path: "Benchmarks/FilingBenchmark"
    ),

    // `make bench-credit`: a year's evaluation with 10,000 agencies and a million activities (release only).
    .executableTarget(
      name: "CreditBenchmark",
      dependencies: ["Services", "StorageSQLite", .product(name: "GRDB", package: "GRDB.swift")],
      path: "Benchmarks/CreditBenchmark"
    ),

    // `make bench-site`: a data directory with 10,000 agencies and a published year for wrk.
    .executableTarget(
      name: "SiteBenchmark",
      dependencies: ["Services", "StorageSQLite", .product(name: "GRDB", package: "GRDB.swift")],
      path: "Benchmarks/SiteBenchmark"
    ),

    // `make bench-codec`: ProtoCodec next to raw protobuf-c on the same bytes (release only).
    .executableTarget(
      name: "CodecBenchmark",
      dependencies: ["ProtoCodec", "CProtoCodec", "ProtoFixtures"],
      path: "Benchmarks/CodecBenchmark"
    ),
  ]
)
