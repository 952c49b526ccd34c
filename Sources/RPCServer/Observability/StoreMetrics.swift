import Prometheus
import Services
import Synchronization

/// Prometheus counters of the store's write turns (`Store.writeStatistics`), brought up to
/// date when `/metrics` is read: turns and commits (their ratio is how many writes a commit
/// shares), and the seconds the write lock was held, in all and by the writes' bodies. A lock
/// held nearly every second of a second is the database at its capacity.
final class StoreMetrics: Sendable {
  private let store: any Store
  private let turns: Counter
  private let commits: Counter
  private let held: Counter
  private let bodies: Counter
  /// The reading the counters have reached.
  private let counted = Mutex(WriteStatistics())

  init(store: any Store, registry: PrometheusCollectorRegistry) {
    self.store = store
    turns = registry.makeCounter(
      descriptor: .init(metricName: "cqmon_store_write_turns", unitName: "total", helpText: "Write transactions that took their turn with the write lock."))
    commits = registry.makeCounter(
      descriptor: .init(metricName: "cqmon_store_write_commits", unitName: "total", helpText: "Commits, each shared by the writes of one group."))
    held = registry.makeCounter(
      descriptor: .init(metricName: "cqmon_store_write_lock_held", unitName: "seconds_total", helpText: "Time the write lock was held."))
    bodies = registry.makeCounter(
      descriptor: .init(
        metricName: "cqmon_store_write_bodies", unitName: "seconds_total",
        helpText: "Time the writes' own statements and work took under the lock (the rest is BEGIN, savepoints and COMMIT)."))
  }

  /// Adds what happened since the last call.
  func update() {
    let now = store.writeStatistics()
    let since = counted.withLock { counted in
      defer { counted = now }
      return now - counted
    }
    turns.increment(by: Int64(since.turns))
    commits.increment(by: Int64(since.commits))
    held.increment(by: since.held.seconds)
    bodies.increment(by: since.bodies.seconds)
  }
}

extension Duration {
  /// In seconds, with their fraction.
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}
