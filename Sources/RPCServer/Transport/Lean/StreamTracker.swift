import Synchronization

/// What a transport has open: HTTP/2 streams with a call, and the calls' tasks. Shutdown waits
/// for the tasks; tests read both to see that nothing was left behind.
final class StreamTracker: Sendable {
  private struct Counts {
    var streams = 0
    var tasks = 0
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
  }
  private let counts = Mutex(Counts())

  var openStreams: Int { counts.withLock { $0.streams } }
  var runningTasks: Int { counts.withLock { $0.tasks } }

  func streamOpened() { counts.withLock { $0.streams += 1 } }
  func streamClosed() { counts.withLock { $0.streams -= 1 } }
  func taskStarted() { counts.withLock { $0.tasks += 1 } }

  func taskFinished() {
    let waiters = counts.withLock { c -> [CheckedContinuation<Void, Never>] in
      c.tasks -= 1
      guard c.tasks == 0 else { return [] }
      defer { c.idleWaiters.removeAll() }
      return c.idleWaiters
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once no call's task is running.
  func tasksFinished() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let idle = counts.withLock { c in
        if c.tasks == 0 { return true }
        c.idleWaiters.append(continuation)
        return false
      }
      if idle { continuation.resume() }
    }
  }
}
