import Dispatch
import Synchronization

// How both engines' write transactions take turns in one server: a serial executor to run
// them on, a lock they queue for, and the commit group they share (see `SQLiteStore` and
// `PostgresStore`'s `transaction`).

/// A task executor on a serial dispatch queue: the tasks that prefer it run there, one job at a
/// time, in the order they became ready.
public final class SerialTaskExecutor: TaskExecutor {
  private let queue: DispatchQueue

  public init(label: String) {
    queue = DispatchQueue(label: label)
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let executor = asUnownedTaskExecutor()
    queue.async { job.runSynchronously(on: executor) }
  }
}

/// A first-come, first-served lock for async code: one write transaction of this server at a
/// time, held across the awaits of the transaction's body.
public final class WriteLock: Sendable {
  private struct State {
    var held = false
    var waiters: [CheckedContinuation<Void, Never>] = []
    /// Writers announced and not yet holding the lock: waiting for it, or still queued for
    /// the executor the lock is taken on.
    var coming = 0
  }

  private let state = Mutex(State())

  public init() {}

  /// Says that a writer is on its way, before it queues for the writers' executor: whoever
  /// holds the lock then keeps the group open for it, though it has not reached `lock()` yet.
  /// Every announced writer must call `lock()`.
  public func announce() {
    state.withLock { $0.coming += 1 }
  }

  /// Takes the lock for an announced writer.
  public func lock() async {
    defer { state.withLock { $0.coming -= 1 } }
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let acquired = state.withLock { state in
        if state.held {
          state.waiters.append(continuation)
          return false
        }
        state.held = true
        return true
      }
      if acquired { continuation.resume() }
    }
  }

  /// Whether another writer is announced: waiting for the lock, or on its way to it.
  public var othersComing: Bool {
    state.withLock { $0.coming > 0 }
  }

  /// Hands the lock to the longest waiter, or frees it.
  public func unlock() {
    let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
      if state.waiters.isEmpty {
        state.held = false
        return nil
      }
      return state.waiters.removeFirst()
    }
    next?.resume()
  }
}

/// One group commit's members: they wait for the commit that makes them all durable.
public final class CommitGroup: Sendable {
  private struct State {
    var members = 0
    var outcome: Result<Void, any Error>?
    var waiters: [CheckedContinuation<Result<Void, any Error>, Never>] = []
  }

  private let state = Mutex(State())
  /// When the group's transaction began.
  private let opened = ContinuousClock.now
  private let maximumAge: Duration

  /// A group that stays open for `maximumAge` at the most (the stores pass theirs).
  public init(maximumAge: Duration = CommitGroup.maximumAge) {
    self.maximumAge = maximumAge
  }

  /// Writes sharing one commit at the most. Larger groups share more pages (each SQLite
  /// commit writes the tree pages its members touched, the shared ones once) but hold their
  /// first members longer: on SQLite, with the fsync out of the lock, 16 filings a commit gave
  /// both more filings per second and a third of the p99 at 1,000/s of 64 (`make bench-filing`).
  public static let maximumMembers = 16

  /// How long a group stays open at the most, which bounds how long its first member waits
  /// for the commit after its own turn. It matters where a write's body is long next to what a
  /// commit saves: a typical filing's body is about 4 ms on PostgreSQL, where 16 of them held
  /// replies for 60 ms and more at half its capacity, and about 0.5 ms on SQLite, where the
  /// count comes first.
  public static let maximumAge = Duration.milliseconds(10)

  /// Whether the writer holding the lock should hand the transaction on rather than commit
  /// it: another writer is coming, and the group is neither full nor old.
  public func staysOpen(othersComing: Bool) -> Bool {
    othersComing && members < Self.maximumMembers && ContinuousClock.now - opened < maximumAge
  }

  /// Bodies that succeeded in this group (changed only by the write lock's holder).
  public var members: Int {
    get { state.withLock { $0.members } }
    set { state.withLock { $0.members = newValue } }
  }

  /// Waits until the group's transaction is committed (or has failed).
  public func committed() async -> Result<Void, any Error> {
    await withCheckedContinuation { continuation in
      let ready = state.withLock { state -> Result<Void, any Error>? in
        if let outcome = state.outcome { return outcome }
        state.waiters.append(continuation)
        return nil
      }
      if let ready { continuation.resume(returning: ready) }
    }
  }

  public func finish(_ outcome: Result<Void, any Error>) {
    let waiters = state.withLock { state -> [CheckedContinuation<Result<Void, any Error>, Never>] in
      state.outcome = outcome
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume(returning: outcome) }
  }
}

/// Writes' turns with the write lock, and how long they held it.
public struct WriteStatistics: Sendable, Equatable {
  public var turns = 0
  /// Turns that ended with a COMMIT (every one, without grouping).
  public var commits = 0
  /// The writes' bodies: their statements and what the service works out between them.
  public var bodies = Duration.zero
  /// The lock held in all: the bodies, their savepoints, and BEGIN and COMMIT (with its fsync
  /// when not grouped).
  public var held = Duration.zero

  public init() {}

  /// Counts one turn: how long it held the lock, how long its body took, and whether it
  /// committed.
  public mutating func count(held: Duration, body: Duration, committed: Bool) {
    turns += 1
    commits += committed ? 1 : 0
    bodies += body
    self.held += held
  }

  /// What happened between an earlier reading and this one.
  public static func - (later: WriteStatistics, earlier: WriteStatistics) -> WriteStatistics {
    var difference = WriteStatistics()
    difference.turns = later.turns - earlier.turns
    difference.commits = later.commits - earlier.commits
    difference.bodies = later.bodies - earlier.bodies
    difference.held = later.held - earlier.held
    return difference
  }
}
