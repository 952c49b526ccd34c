import Foundation
import Logging
import Synchronization

/// Log lines on standard error, written in batches by one thread so that a call's line costs an
/// append to a buffer, not a write(2) on the thread that served it.
///
/// Lines are written in the order they were appended. A line at `warning` or above is written
/// before `append` returns, together with everything before it; other lines reach the file
/// within `interval`, and at exit (`flush()` is registered with `atexit`). A crash can lose at
/// most the last interval's `info` lines, never a warning.
public final class LogSink: Sendable {
  public static let standardError: LogSink = {
    let sink = LogSink(descriptor: STDERR_FILENO)
    atexit { LogSink.standardError.flush() }
    return sink
  }()

  private let descriptor: Int32
  private let pending = Mutex<[UInt8]>([])
  /// Held while a batch is written, so that batches reach the file in the order they were taken.
  private let writing = Mutex<Void>(())
  private static let interval: Duration = .milliseconds(50)
  /// Past this many bytes waiting, the appending thread writes the batch itself.
  private static let limit = 1 << 20

  /// A sink writing to `descriptor`, which it does not close.
  public init(descriptor: Int32) {
    self.descriptor = descriptor
    // The thread holds the sink weakly and ends with it.
    let thread = Thread { [weak self] in
      while true {
        Thread.sleep(forTimeInterval: Double(Self.interval.components.attoseconds) / 1e18)
        guard let self else { return }
        self.flush()
      }
    }
    thread.name = "log-writer"
    thread.start()
  }

  /// Appends one line (with its newline) and writes it now if `urgent`.
  public func append(_ line: [UInt8], urgent: Bool) {
    let waiting = pending.withLock { buffer in
      buffer.append(contentsOf: line)
      return buffer.count
    }
    if urgent || waiting > Self.limit { flush() }
  }

  /// Writes every line appended so far.
  public func flush() {
    writing.withLock { _ in
      let batch = pending.withLock { buffer in
        let taken = buffer
        buffer.removeAll(keepingCapacity: true)
        return taken
      }
      guard !batch.isEmpty else { return }
      batch.withUnsafeBytes { bytes in
        var offset = 0
        while offset < bytes.count {
          let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
          if written < 0 {
            if errno == EINTR { continue }
            return  // Standard error is gone; there is nowhere to say so.
          }
          offset += written
        }
      }
    }
  }
}

/// The timestamp of a log line, `2026-12-07T11:12:09.123Z`: the date and time are formatted once
/// per second, the milliseconds per line.
enum LogTimestamp {
  private static let cached = Mutex<(second: Int, text: [UInt8])>((-1, []))

  static func append(to line: inout [UInt8]) {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let second = now.tv_sec
    let prefix = cached.withLock { cache -> [UInt8] in
      if cache.second != second {
        var time = second
        var parts = tm()
        gmtime_r(&time, &parts)
        let text = String(
          format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
          Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        cache = (second, Array(text.utf8))
      }
      return cache.text
    }
    line.append(contentsOf: prefix)
    let milliseconds = now.tv_nsec / 1_000_000
    line.append(UInt8(ascii: "."))
    line.append(UInt8(ascii: "0") + UInt8(milliseconds / 100))
    line.append(UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10))
    line.append(UInt8(ascii: "0") + UInt8(milliseconds % 10))
    line.append(UInt8(ascii: "Z"))
  }
}

extension Logger.Metadata {
  /// The handler's own metadata and the event's, the event's winning, sorted by key so that a
  /// line reads the same every time.
  static func merged(_ base: Logger.Metadata, _ event: Logger.Metadata?) -> [(key: String, value: Logger.MetadataValue)] {
    guard let event, !event.isEmpty else { return base.sorted { $0.key < $1.key } }
    guard !base.isEmpty else { return event.sorted { $0.key < $1.key } }
    return base.merging(event) { $1 }.sorted { $0.key < $1.key }
  }
}
