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
/// readers no longer need without taking the write lock.
///
/// The WAL only starts again from its beginning when a write transaction begins with every
/// frame already copied, which a checkpoint running beside the writer never achieves: it
/// always lags by the frames committed meanwhile. So once the WAL is `restartPages` long and a
/// round has left only a short tail behind, the writer is asked to copy that tail itself,
/// after its next commit (`takeRestartDue`): a millisecond or two under the lock, after which
/// its next transaction restarts the WAL. SQLite's own checkpoint stays as a backstop at
/// `backstopPages`, for when writes outrun all this.
final class Checkpointer: Sendable {
  /// The WAL size at which the writer checkpoints itself after all.
  static let backstopPages = 16_000
  /// The WAL size from which the writer is asked to copy the tail, so that the WAL can
  /// restart: 8,000 pages (32 MB) unless a test says otherwise.
  private let restartPages: Int
  /// The longest tail the writer is asked to copy: 1,000 pages (4 MB).
  private let tailPages: Int

  private let connection: DatabaseQueue
  /// Whether anything was committed since the last complete checkpoint.
  private let pending = Atomic<Bool>(true)
  /// Set when the writer should copy the WAL's tail after its next commit.
  private let restartDue = Atomic<Bool>(false)
  private let timer: DispatchSourceTimer

  init(path: String, interval: DispatchTimeInterval = .milliseconds(100), restartPages: Int = 8_000, tailPages: Int = 1_000) throws {
    self.restartPages = restartPages
    self.tailPages = tailPages
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
  /// needs it, or it was committed meanwhile) or an error (a busy or full disk) is left for the
  /// next round, or for the writer.
  func round() {
    guard pending.exchange(false, ordering: .acquiringAndReleasing) else { return }
    let done = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    if let done, done.walFrameCount >= restartPages, done.walFrameCount - done.checkpointedFrameCount <= tailPages {
      restartDue.store(true, ordering: .releasing)
    }
    if let done, done.checkpointedFrameCount >= done.walFrameCount { return }
    pending.store(true, ordering: .releasing)
  }

  /// Whether the writer should checkpoint now, just after a commit and holding the write lock,
  /// so that its next transaction restarts the WAL; asking clears it.
  func takeRestartDue() -> Bool {
    restartDue.exchange(false, ordering: .acquiringAndReleasing)
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
