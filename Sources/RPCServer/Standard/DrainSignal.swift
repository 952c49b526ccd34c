import Synchronization

/// Set when the server begins draining: calls that would otherwise never end (WatchRatings)
/// end then, after the last change they were sent, so that draining is not held up by them.
/// (Health's Watch calls end through `HealthState.finishWatchers`.)
public final class DrainSignal: Sendable {
  private let draining = Mutex(false)

  public init() {}

  public func begin() { draining.withLock { $0 = true } }

  public var isDraining: Bool { draining.withLock { $0 } }
}
