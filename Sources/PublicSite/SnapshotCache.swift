import Foundation
import Logging
import Services
import Synchronization

/// The public record as last read, renewed when the audit log has grown (every write adds to
/// it): pages are rendered from memory, and the store sees one cheap query a second however
/// busy the site is. Published data shows within `interval` of its write.
public final class SnapshotCache: Sendable {
  let record: PublicRecord
  let interval: Duration
  let logger: Logger

  private struct State {
    var snapshot = PublicSnapshot.empty
    /// Counts the snapshots taken: rendered pages remember the one they were made from.
    var generation = 0
    /// When the store last answered; nil if it never has.
    var lastRead: ContinuousClock.Instant?
  }
  private let state = Mutex(State())

  public init(record: PublicRecord, interval: Duration = .seconds(1), logger: Logger) {
    self.record = record
    self.interval = interval
    self.logger = logger
  }

  public var current: (snapshot: PublicSnapshot, generation: Int) {
    state.withLock { ($0.snapshot, $0.generation) }
  }

  /// Whether the store answered within the last few intervals.
  public var isHealthy: Bool {
    state.withLock { state in state.lastRead.map { ContinuousClock.now - $0 < interval * 5 + .seconds(5) } ?? false }
  }

  /// Reads the record again if anything was written since the snapshot was taken.
  public func refresh() async throws {
    let size = try await record.logSize()
    if size != state.withLock({ $0.snapshot.logSize }) {
      let snapshot = try await record.snapshot()
      state.withLock { state in
        state.snapshot = snapshot
        state.generation += 1
      }
    }
    state.withLock { $0.lastRead = .now }
  }

  /// Refreshes every `interval` until cancelled; a failed read is logged and tried again.
  func run() async {
    while !Task.isCancelled {
      do {
        try await refresh()
      } catch {
        logger.warning("public site: cannot read the store", metadata: ["error": "\(error)"])
      }
      try? await Task.sleep(for: interval)
    }
  }
}
