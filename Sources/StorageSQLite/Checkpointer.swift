@preconcurrency import Dispatch
import GRDB
import Synchronization

/// Copies the WAL back into the database file in the background, so that commits — which hold
/// the write lock — do not.
///
/// Left to itself, SQLite checkpoints inside the COMMIT that takes the WAL past 1,000 pages:
/// that commit then copies some 4 MB into the database file and syncs it twice while every
/// other writer waits, 5–20 ms on this machine, which is where the slowest filings' time went.
/// Here a connection of its own runs a PASSIVE checkpoint every `interval`: it copies what
/// readers no longer need without taking the write lock, and the writer restarts the WAL from
/// its beginning once everything is copied. The writer keeps SQLite's own checkpoint as a
/// backstop at `backstopPages`, for when writes outrun this.
final class Checkpointer: Sendable {
  /// The WAL size at which the writer checkpoints itself after all.
  static let backstopPages = 16_000

  private let connection: DatabaseQueue
  /// Whether anything was committed since the last complete checkpoint.
  private let pending = Atomic<Bool>(true)
  private let timer: DispatchSourceTimer

  init(path: String, interval: DispatchTimeInterval = .milliseconds(100)) throws {
    var configuration = Configuration()
    configuration.label = "checkpointer"
    connection = try DatabaseQueue(path: path, configuration: configuration)
    timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "sqlite-checkpoint"))
    timer.schedule(deadline: .now() + interval, repeating: interval)
    timer.setEventHandler { [weak self] in self?.round() }
    timer.resume()
  }

  /// One round: a PASSIVE checkpoint when anything was committed since the last complete one.
  /// PASSIVE never waits for the writer or readers. What it could not copy (a reader still
  /// needs it) or an error (a busy or full disk) is left for the next round, or for the
  /// writer's backstop.
  private func round() {
    guard pending.exchange(false, ordering: .acquiringAndReleasing) else { return }
    let done = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    if let done, done.checkpointedFrameCount >= done.walFrameCount { return }
    pending.store(true, ordering: .releasing)
  }

  /// Says that a commit added to the WAL: the next round copies it (an idle store's rounds
  /// do nothing).
  func committed() {
    pending.store(true, ordering: .releasing)
  }

  deinit {
    timer.cancel()
  }
}
