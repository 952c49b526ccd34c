import Foundation
import GRPCCore
import ProtoCodec
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("Observability: JSON log lines and Prometheus metrics of the real server", .serialized)
struct ObservabilityTests {
  @Test("one JSON log line per call, and /metrics counts calls by method and code")
  func logsAndMetrics() async throws {
    let metricsPort = ServerProcess.freePort()
    let certs = ServerProcess.certificates.path
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("obs-\(UUID())").path
    let process = Process()
    process.executableURL = ServerProcess.products.appendingPathComponent("monitord")
    process.arguments = [
      "--listen", "127.0.0.1:0", "--data-dir", data, "--tls-cert", "\(certs)/server.pem", "--tls-key", "\(certs)/server-key.pem",
      "--client-ca", "\(certs)/ca.pem", "--signing-key", "\(certs)/signing-key.pem", "--metrics-listen", "127.0.0.1:\(metricsPort)",
      "--log-format", "json",
    ]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    defer { if process.isRunning { process.terminate() } }
    let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
    let address = try #require(line.split(separator: ":").last, "monitord did not start: \(String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self))")
    let port = try #require(Int(address.trimmingCharacters(in: .whitespacesAndNewlines)))

    // Two calls: one allowed, one refused.
    let health = try ServerProcess.run("monctl", ["health", "--server", "127.0.0.1:\(port)", "--ca", "\(certs)/ca.pem", "--cert", "\(certs)/city.pem", "--key", "\(certs)/city-key.pem"])
    #expect(health.status == 0 || health.status == 8)
    let denied = try ServerProcess.run("monctl", ["agencies", "list", "--server", "127.0.0.1:\(port)", "--ca", "\(certs)/ca.pem", "--cert", "\(certs)/agency.pem", "--key", "\(certs)/agency-key.pem"])
    #expect(denied.status == 4)
    let notYours = try ServerProcess.run("monctl", ["certificates", "list", "91110000600037341L", "--server", "127.0.0.1:\(port)", "--ca", "\(certs)/ca.pem", "--cert", "\(certs)/agency.pem", "--key", "\(certs)/agency-key.pem"])
    #expect(notYours.status == 4)
    // And a write: one more turn with the store's write lock, one more commit.
    let before = try await Self.metrics(port: metricsPort)
    let upload = try ServerProcess.run("monctl", ["documents", "upload", "examples/documents/monitoring-report.txt", "--server", "127.0.0.1:\(port)", "--ca", "\(certs)/ca.pem", "--cert", "\(certs)/city.pem", "--key", "\(certs)/city-key.pem"])
    #expect(upload.status == 0)

    let metrics = try await Self.metrics(port: metricsPort)
    // The labels of grpc-go's Prometheus middleware, so that stock dashboards work.
    #expect(metrics.contains(#"grpc_server_handled_total{grpc_type="unary",grpc_service="grpc.health.v1.Health",grpc_method="Check",grpc_code="OK"} 1"#))
    #expect(metrics.contains(#"grpc_server_handled_total{grpc_type="unary",grpc_service="cqmon.v1.RegistryService",grpc_method="ListAgencies",grpc_code="PermissionDenied"} 1"#))
    #expect(metrics.contains("grpc_server_handling_seconds_bucket"))
    for counter in ["cqmon_store_write_turns_total", "cqmon_store_write_commits_total"] {
      #expect(Self.value(counter, in: metrics) == Self.value(counter, in: before).map { $0 + 1 }, "\(counter)")
    }
    #expect((Self.value("cqmon_store_write_lock_held_seconds_total", in: metrics) ?? 0) > (Self.value("cqmon_store_write_lock_held_seconds_total", in: before) ?? 0))

    process.terminate()
    process.waitUntilExit()
    let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let lines = log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
    let calls = lines.filter { $0["msg"] == "call" }
    #expect(calls.contains { $0["method"] == "grpc.health.v1.Health/Check" && $0["status"] == "ok" && $0["principal"] == "spiffe://cq-monitoring/bureau/city/dev-officer" && $0["duration_ms"] != nil })
    let refusals = lines.filter { $0["msg"] == "call refused" }
    #expect(refusals.first?["reason"] == "METHOD_NOT_ALLOWED")
    #expect(refusals.first?["principal"] == "spiffe://cq-monitoring/agency/91500000MA5U7BCX7A")
    // The services' own refusals are logged with their reason too.
    #expect(refusals.contains { $0["method"] == "cqmon.v1.RegistryService/ListCertificates" && $0["reason"] == "NOT_YOUR_AGENCY" })
  }

  static func metrics(port: Int) async throws -> String {
    let (body, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
    return String(decoding: body, as: UTF8.self)
  }

  /// The value of a metric without labels, from the text format.
  static func value(_ name: String, in metrics: String) -> Double? {
    metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
  }
}
