import GRPCCore
import Prometheus
import Synchronization

/// Prometheus metrics of the gRPC calls: calls by method and code, a latency histogram by
/// method, and calls in flight. The names and labels are those of grpc-go's Prometheus
/// middleware (`grpc_type`, `grpc_service`, `grpc_method`, `grpc_code="OK"`…), so that stock
/// dashboards work. Handles are cached so that recording a call is a dictionary lookup and an
/// atomic add.
public final class CallMetrics: Sendable {
  public let registry: PrometheusCollectorRegistry
  private let inFlight: Gauge
  private let methods = Mutex<[String: MethodMetrics]>([:])

  /// One method's handles: its histogram, and a counter per status code as codes occur.
  private final class MethodMetrics: Sendable {
    let histogram: DurationHistogram
    let labels: [(String, String)]
    let counters: Mutex<[Status.Code: Counter]>
    init(histogram: DurationHistogram, labels: [(String, String)]) {
      self.histogram = histogram
      self.labels = labels
      counters = Mutex([:])
    }
  }

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

  /// A call ended: `method` is `package.Service/Method`, `code` its status. The labels are
  /// worked out on a method's first call; after that, recording is two lookups and atomic adds.
  func finished(method: String, type: String, code: Status.Code, duration: Duration) {
    inFlight.decrement()
    let metrics = methods.withLock { cache in
      if let metrics = cache[method] { return metrics }
      let parts = method.split(separator: "/", maxSplits: 1)
      let labels = [
        ("grpc_type", type), ("grpc_service", parts.count == 2 ? String(parts[0]) : ""), ("grpc_method", String(parts.last ?? "")),
      ]
      let metrics = MethodMetrics(
        histogram: registry.makeDurationHistogram(
          descriptor: .init(metricName: "grpc_server_handling", unitName: "seconds", helpText: "Time to complete a gRPC call."),
          labels: labels, buckets: Self.buckets),
        labels: labels)
      cache[method] = metrics
      return metrics
    }
    let counter = metrics.counters.withLock { counters in
      if let counter = counters[code] { return counter }
      let counter = registry.makeCounter(
        descriptor: .init(metricName: "grpc_server_handled", unitName: "total", helpText: "gRPC calls completed, by method and status code."),
        labels: metrics.labels + [("grpc_code", Self.names[code] ?? "Unknown")])
      counters[code] = counter
      return counter
    }
    counter.increment()
    metrics.histogram.record(duration)
  }

  /// Status codes as grpc-go spells them (`codes.Code.String()`).
  static let names: [Status.Code: String] = [
    .ok: "OK", .cancelled: "Canceled", .unknown: "Unknown", .invalidArgument: "InvalidArgument",
    .deadlineExceeded: "DeadlineExceeded", .notFound: "NotFound", .alreadyExists: "AlreadyExists",
    .permissionDenied: "PermissionDenied", .resourceExhausted: "ResourceExhausted", .failedPrecondition: "FailedPrecondition",
    .aborted: "Aborted", .outOfRange: "OutOfRange", .unimplemented: "Unimplemented", .internalError: "Internal",
    .unavailable: "Unavailable", .dataLoss: "DataLoss", .unauthenticated: "Unauthenticated",
  ]

  /// The kind of call as grpc-go names it.
  static func type(_ type: MethodDescriptor.RPCType?) -> String {
    switch type {
    case .clientStreaming: "client_stream"
    case .serverStreaming: "server_stream"
    case .bidirectionalStreaming: "bidi_stream"
    case .unary, nil: "unary"
    }
  }
}
