import Foundation

/// The time the server goes by: real time, unless a development clock is configured. That one
/// starts `daysAgo` days in the past (or at the instant `start`) and runs `speed` times faster
/// than real time until it catches up with it, then keeps real time; starting ahead of real time
/// (`daysAgo` negative, or `start` in the future), it keeps that lead instead (to see deadlines
/// pass: the end of a publicity window). `make demo` lists agencies "a year ago" and
/// files a year of activities in minutes with it; production never sets it (the server warns
/// at start when it is on).
public struct ServerClock: Sendable {
  /// When the server started, in real time.
  let origin: Date
  let offset: TimeInterval
  let speed: Double

  public init(_ development: ServerConfig.Development, origin: Date = Date()) {
    self.origin = origin
    offset = development.clockStart.map { origin.timeIntervalSince($0) } ?? TimeInterval(development.clockDaysAgo) * 86_400
    speed = development.clockSpeed
  }

  /// Whether this is the real clock.
  public var isReal: Bool { offset == 0 }

  /// The time at real time `real`.
  public func time(at real: Date) -> Date {
    guard !isReal else { return real }
    if offset < 0 { return real.addingTimeInterval(-offset) }
    return min(real, origin.addingTimeInterval(-offset + real.timeIntervalSince(origin) * speed))
  }

  public func now() -> Date { time(at: Date()) }

  /// How far behind real time it starts, in days (negative: ahead).
  public var daysBehind: Double { offset / 86_400 }
}
