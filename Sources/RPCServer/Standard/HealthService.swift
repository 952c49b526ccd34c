import GRPCCore
import ProtoCodec
import Synchronization

public typealias ServingStatus = Grpc_Health_V1_HealthCheckResponse.ServingStatus

/// The serving status of the server ("") and of each service, with watchers told of changes.
public final class HealthState: Sendable {
  private struct State {
    var statuses: [String: ServingStatus]
    var watchers: [Int: (service: String, continuation: AsyncStream<ServingStatus>.Continuation)] = [:]
    var nextWatcher = 0
  }

  private let state: Mutex<State>

  /// Every service starts NOT_SERVING until the server says otherwise.
  public init(services: [String]) {
    var statuses: [String: ServingStatus] = ["": .notServing]
    for service in services { statuses[service] = .notServing }
    state = Mutex(State(statuses: statuses))
  }

  /// Sets every known service (and the server) to `status`, telling watchers of changes.
  public func setAll(_ status: ServingStatus) {
    state.withLock { state in
      for service in state.statuses.keys where state.statuses[service] != status {
        state.statuses[service] = status
        for watcher in state.watchers.values where watcher.service == service {
          watcher.continuation.yield(status)
        }
      }
    }
  }

  /// Ends every Watch call (after the last status they were sent), so that draining the
  /// server is not held up by watchers that would otherwise never finish.
  public func finishWatchers() {
    let watchers = state.withLock { state in
      defer { state.watchers.removeAll() }
      return state.watchers.values.map(\.continuation)
    }
    for continuation in watchers { continuation.finish() }
  }

  public func status(of service: String) -> ServingStatus? {
    state.withLock { $0.statuses[service] }
  }

  public var all: [String: ServingStatus] { state.withLock { $0.statuses } }

  /// The service's status now and at every change, until the stream is dropped.
  func watch(_ service: String) -> AsyncStream<ServingStatus> {
    let (stream, continuation) = AsyncStream<ServingStatus>.makeStream(bufferingPolicy: .bufferingNewest(1))
    let id = state.withLock { state in
      let id = state.nextWatcher
      state.nextWatcher += 1
      state.watchers[id] = (service, continuation)
      continuation.yield(state.statuses[service] ?? .serviceUnknown)
      return id
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
    }
    return stream
  }
}

/// `grpc.health.v1.Health` over a `HealthState`.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
  let state: HealthState

  public init(state: HealthState) {
    self.state = state
  }

  public func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
    guard let status = state.status(of: request.service) else {
      throw RPCError(code: .notFound, message: "the server offers no service \(request.service)")
    }
    return .with { $0.status = status }
  }

  public func list(request: Grpc_Health_V1_HealthListRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthListResponse {
    .with { response in
      response.statuses = state.all.mapValues { status in .with { $0.status = status } }
    }
  }

  public func watch(
    request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
    context: ServerContext
  ) async throws {
    for await status in state.watch(request.service) {
      try await response.write(.with { $0.status = status })
    }
  }
}
