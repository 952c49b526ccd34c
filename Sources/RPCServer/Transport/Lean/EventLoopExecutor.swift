import Foundation
import NIOCore

/// Runs a call's task on its connection's event loop: a call that never waits for anything
/// else (Health/Check, a refused request) is read, handled and answered on one thread without
/// a hop to the concurrency pool, and one that does wait (the store) comes back to the loop
/// that writes its answer. Handlers never block: every store call is asynchronous.
final class EventLoopExecutor: TaskExecutor, @unchecked Sendable {
  let eventLoop: any EventLoop

  init(_ eventLoop: any EventLoop) {
    self.eventLoop = eventLoop
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
  }
}

/// The CPUs this process may run on (its affinity: `taskset` and cpusets count, the machine's
/// total does not), so that event-loop threads are not more than the CPUs they share.
enum AllowedCPUs {
  static var count: Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
      let allowed = parse(line.dropFirst("Cpus_allowed_list:".count))
    else { return System.coreCount }
    return max(1, min(allowed, System.coreCount))
  }

  /// `0-3,6,8-9` → 7.
  static func parse(_ list: Substring) -> Int? {
    var total = 0
    for range in list.trimmingCharacters(in: .whitespaces).split(separator: ",") {
      let ends = range.split(separator: "-").map { Int($0) }
      switch ends.count {
      case 1: guard ends[0] != nil else { return nil }; total += 1
      case 2: guard let low = ends[0], let high = ends[1], high >= low else { return nil }; total += high - low + 1
      default: return nil
      }
    }
    return total > 0 ? total : nil
  }
}
