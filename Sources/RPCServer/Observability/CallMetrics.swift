import Prometheus
import Synchronization

/// Prometheus metrics of the gRPC calls: calls by method and code, a latency histogram by
/// method, and calls in flight. Handles are cached so that recording a call is a dictionary
/// lookup and an atomic add.
public final class CallMetrics: Sendable {
  public let registry: PrometheusCollectorRegistry
  private let inFlight: Gauge
  private let counters = Mutex<[String: Counter]>([:])
  private let histograms = Mutex<[String: DurationHistogram]>([:])

  private static let buckets: [Duration] = [
    .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
    .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
    .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
  ]

  public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
    self.registry = registry
    inFlight = registry.makeGauge(
      descriptor: .init(metricName: "grpc_server_calls", unitName: "in_flight", helpText: "gRPC calls being handled now."))
  }

  func started() { inFlight.increment() }

  func finished(method: String, code: String, duration: Duration) {
    inFlight.decrement()
    let counter = counters.withLock { cache in
      let key = method + " " + code
      if let counter = cache[key] { return counter }
      let counter = registry.makeCounter(
        descriptor: .init(metricName: "grpc_server_handled", unitName: "total", helpText: "gRPC calls completed, by method and status code."),
        labels: [("grpc_method", method), ("grpc_code", code)])
      cache[key] = counter
      return counter
    }
    counter.increment()
    let histogram = histograms.withLock { cache in
      if let histogram = cache[method] { return histogram }
      let histogram = registry.makeDurationHistogram(
        descriptor: .init(metricName: "grpc_server_handling", unitName: "seconds", helpText: "Time to complete a gRPC call."),
        labels: [("grpc_method", method)], buckets: Self.buckets)
      cache[method] = histogram
      return histogram
    }
    histogram.record(duration)
  }
}
