import Dispatch
import Foundation
import Services
import Synchronization

/// Makes committed transactions durable outside the write lock: the second half of group
/// commit.
///
/// With `synchronous = NORMAL` in WAL mode, SQLite's COMMIT writes the transaction's frames to
/// the WAL but does not fsync it (it still syncs the WAL before every checkpoint and the
/// database after, so the file is always consistent). The store then releases the write lock,
/// so the next group starts filling at once, and calls `durable` before it acknowledges
/// anything: one `fdatasync` of the WAL, started after the commit, puts its frames — and those
/// of every commit before it — on disk. Commits that wait together share one fdatasync, and
/// one sync runs while the next group is being written, instead of the write lock waiting
/// for the disk. What a client is told was written is on disk exactly as with
/// `synchronous = FULL`; only the fsync has moved out of the lock.
final class WALSync: Sendable {
  private struct State {
    var descriptor: Int32 = -1
    /// Tickets handed to commits so far, and the last one known to be on disk.
    var committed: UInt64 = 0
    var synced: UInt64 = 0
    var syncing = false
    /// fdatasync calls made (or tried), for tests.
    var syncs = 0
    var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Result<Void, StoreError>, Never>)] = []
  }

  /// The WAL of the database at `databasePath`.
  private let path: String
  private let state = Mutex(State())
  /// Where the (blocking) fdatasync calls run: never on the cooperative pool.
  private let queue = DispatchQueue(label: "sqlite-wal-sync")

  init(databasePath: String) {
    path = databasePath + "-wal"
  }

  deinit {
    let descriptor = state.withLock { $0.descriptor }
    if descriptor >= 0 { close(descriptor) }
  }

  /// Called right after a commit returns, still holding the write lock: the commit's ticket
  /// for `durable`.
  func committed() -> UInt64 {
    state.withLock { state in
      state.committed += 1
      return state.committed
    }
  }

  /// Returns once the commit with `ticket` (and every one before it) is on disk, or the error
  /// that kept it from getting there.
  func durable(_ ticket: UInt64) async -> Result<Void, StoreError> {
    enum Next { case done, wait, start }
    return await withCheckedContinuation { continuation in
      let next = state.withLock { state -> Next in
        if state.synced >= ticket { return .done }
        state.waiters.append((ticket, continuation))
        if state.syncing { return .wait }
        state.syncing = true
        return .start
      }
      switch next {
      case .done: continuation.resume(returning: .success(()))
      case .wait: break
      case .start: queue.async { self.syncWhileWaited() }
      }
    }
  }

  /// How many times the WAL was synced.
  var syncs: Int { state.withLock { $0.syncs } }

  /// Syncs now, on the calling thread: for writes made before the store served anything.
  func syncNow() throws {
    let target = state.withLock { $0.committed }
    try sync()
    state.withLock { $0.synced = max($0.synced, target) }
  }

  /// Runs fdatasync until no one waits: each round covers every commit ticketed before it began.
  private func syncWhileWaited() {
    while true {
      let target = state.withLock { $0.committed }
      let outcome = Result { () throws(StoreError) in try sync() }
      let (ready, more) = state.withLock { state -> ([CheckedContinuation<Result<Void, StoreError>, Never>], Bool) in
        if case .success = outcome { state.synced = max(state.synced, target) }
        let ready = state.waiters.filter { $0.ticket <= target }.map(\.continuation)
        state.waiters.removeAll { $0.ticket <= target }
        if state.waiters.isEmpty { state.syncing = false }
        return (ready, !state.waiters.isEmpty)
      }
      for continuation in ready { continuation.resume(returning: outcome) }
      if !more { return }
    }
  }

  /// One fdatasync of the WAL, reopened if the file is no longer the one held open.
  private func sync() throws(StoreError) {
    let descriptor = try state.withLock { state throws(StoreError) -> Int32 in
      state.syncs += 1
      if state.descriptor >= 0 {
        var held = stat(), current = stat()
        if fstat(state.descriptor, &held) == 0, stat(path, &current) == 0, held.st_ino == current.st_ino, held.st_dev == current.st_dev {
          return state.descriptor
        }
        close(state.descriptor)
        state.descriptor = -1
      }
      let opened = open(path, O_RDONLY | O_CLOEXEC)
      guard opened >= 0 else { throw StoreError(.unavailable, "cannot open \(path) to sync it: errno \(errno)") }
      state.descriptor = opened
      return opened
    }
    guard fdatasync(descriptor) == 0 else {
      throw StoreError(
        .unavailable, "the write was committed but not made durable (fdatasync of \(path) failed: errno \(errno)); retry with the same request_id")
    }
  }
}
