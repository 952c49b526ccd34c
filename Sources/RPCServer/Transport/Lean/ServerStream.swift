import GRPCCore
import NIOCore
import NIOHTTP2
import Synchronization

/// One call on a connection. The connection's event loop feeds it request parts and writes
/// what the call's task hands it; the two sides meet under one lock, held for a few
/// instructions at a time. Everything outside `shared` is touched on the event loop only.
final class ServerStream: @unchecked Sendable {
  let id: HTTP2StreamID
  /// Strong: a job queued for the stream may run after the channel let go of its handler;
  /// the connection drops its streams when they close, so no cycle outlives them.
  let connection: GRPCConnectionHandler
  let eventLoop: any EventLoop

  // Loop-only state.
  /// A message split across DATA frames, until it is whole.
  var partial: ByteBuffer?
  var headersSent = false
  var clientEnded = false
  var serverEnded = false
  /// Bytes received and not yet returned to the client's stream window.
  var unreturnedCredit = 0

  struct Shared {
    var parts: [RPCRequestPart<WireBytes>] = []
    var head = 0
    var ended: Result<Void, RPCError>?
    var reader: CheckedContinuation<RPCRequestPart<WireBytes>?, any Error>?
    /// Bytes the consumer's pace held back from the window; returned once it catches up.
    var owedCredit = 0

    var outbox: [RPCResponsePart<WireBytes>] = []
    var drainScheduled = false
    var statusQueued = false
    /// Response bytes handed to the loop and not yet known to be on the socket.
    var pendingBytes = 0
    var writer: CheckedContinuation<Void, any Error>?

    var closed = false
    var cancelled = false
    var handle: ServerContext.RPCCancellationHandle?
    var task: Task<Void, Never>?

    var queued: Int { parts.count - head }
  }
  let shared = Mutex(Shared())

  /// Messages waiting for the consumer beyond which the window is no longer returned on arrival.
  static let queuedMessageLimit = 4
  /// Response bytes in flight beyond which a writer waits, and the part of them written without
  /// tracking each frame's completion.
  static let writeHighWatermark = 256 << 10
  static let untrackedBytes = 64 << 10

  /// Streams alive in this process: tests see that none outlives its call.
  static let live = Atomic<Int>(0)

  init(id: HTTP2StreamID, connection: GRPCConnectionHandler, metadata: Metadata) {
    Self.live.add(1, ordering: .relaxed)
    self.id = id
    self.connection = connection
    self.eventLoop = connection.eventLoop
    shared.withLock { $0.parts.append(.metadata(metadata)) }
  }

  deinit {
    Self.live.subtract(1, ordering: .relaxed)
  }

  // MARK: The loop's side: request parts in, cancellation.

  /// Queues a request message for the call.
  func received(_ message: ByteBuffer) {
    let reader = shared.withLock { s -> CheckedContinuation<RPCRequestPart<WireBytes>?, any Error>? in
      if let reader = s.reader {
        s.reader = nil
        return reader
      }
      s.parts.append(.message(WireBytes(message)))
      return nil
    }
    reader?.resume(returning: .message(WireBytes(message)))
  }

  /// Whether `bytes` just received may go back to the client's window at once: yes while the
  /// call keeps up; otherwise they are owed, and returned when it has read what is queued.
  func mayReturnCredit(_ bytes: Int) -> Bool {
    shared.withLock { s in
      if s.queued <= Self.queuedMessageLimit { return true }
      s.owedCredit += bytes
      return false
    }
  }

  func finishInbound(_ result: Result<Void, RPCError>) {
    let reader = shared.withLock { s -> CheckedContinuation<RPCRequestPart<WireBytes>?, any Error>? in
      if s.ended == nil { s.ended = result }
      guard s.queued == 0, let reader = s.reader else { return nil }
      s.reader = nil
      return reader
    }
    switch result {
    case .success: reader?.resume(returning: nil)
    case .failure(let error): reader?.resume(throwing: error)
    }
  }

  /// The client reset the stream, or the connection went: the call is cancelled, its reads and
  /// writes fail, and whatever it still writes is dropped.
  func cancel(_ reason: String) {
    let error = RPCError(code: .cancelled, message: reason)
    let (reader, writer, handle) = shared.withLock { s in
      s.closed = true
      s.cancelled = true
      if s.ended == nil { s.ended = .failure(error) }
      defer { s.reader = nil; s.writer = nil; s.outbox.removeAll() }
      return (s.reader, s.writer, s.handle)
    }
    reader?.resume(throwing: error)
    writer?.resume(throwing: error)
    handle?.cancel()
    cancelTask()
  }

  /// GRPCCore only tells a cancelled call's handler through its cancellation handle (a
  /// deadline, or this transport); a handler waiting on something else (a watch) would wait on.
  /// Cancelling its task ends every such wait.
  func cancelTask() {
    shared.withLock { $0.task }?.cancel()
  }

  func run(_ task: Task<Void, Never>) {
    let cancelled = shared.withLock { s in
      s.task = task
      return s.cancelled
    }
    if cancelled { task.cancel() }
  }

  /// Called by the task once GRPCCore has made the call's cancellation handle.
  func attach(_ handle: ServerContext.RPCCancellationHandle) {
    let cancelled = shared.withLock { s in
      s.handle = handle
      return s.cancelled
    }
    if cancelled { handle.cancel() }
  }

  // MARK: The task's side: request parts out.

  private enum Next { case part(RPCRequestPart<WireBytes>, owed: Int), end(Result<Void, RPCError>), wait }

  private static func take(_ s: inout Shared) -> Next {
      if s.head < s.parts.count {
        let part = s.parts[s.head]
        s.head += 1
        if s.head == s.parts.count {
          s.parts.removeAll(keepingCapacity: true)
          s.head = 0
        }
        var owed = 0
        if s.queued == 0 {
          owed = s.owedCredit
          s.owedCredit = 0
        }
        return .part(part, owed: owed)
      }
      if let ended = s.ended { return .end(ended) }
      return .wait
  }

  private static func finish(_ result: Result<Void, RPCError>) throws -> RPCRequestPart<WireBytes>? {
      if case .failure(let error) = result { throw error }
      return nil
  }

  func next() async throws -> RPCRequestPart<WireBytes>? {

    switch shared.withLock({ Self.take(&$0) }) {
    case .part(let part, let owed):
      if owed > 0 { returnCredit(owed) }
      return part
    case .end(let result):
      return try Self.finish(result)
    case .wait:
      break
    }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RPCRequestPart<WireBytes>?, any Error>) in
        let next = shared.withLock { s -> Next in
          let next = Self.take(&s)
          if case .wait = next {
            if Task.isCancelled {
              return .end(.failure(RPCError(code: .cancelled, message: "the call was cancelled")))
            }
            s.reader = continuation
          }
          return next
        }
        switch next {
        case .part(let part, let owed):
          if owed > 0 { returnCredit(owed) }
          continuation.resume(returning: part)
        case .end(let result):
          continuation.resume(with: Result { try Self.finish(result) })
        case .wait:
          break
        }
      }
    } onCancel: {
      let reader = shared.withLock { s in
        defer { s.reader = nil }
        return s.reader
      }
      reader?.resume(throwing: RPCError(code: .cancelled, message: "the call was cancelled"))
    }
  }

  private func returnCredit(_ bytes: Int) {
    eventLoop.execute { self.connection.returnCredit(bytes, to: self) }
  }

  // MARK: The task's side: response parts in.

  func write(_ part: RPCResponsePart<WireBytes>) async throws {
    enum Outcome { case queued(schedule: Bool, wait: Bool), refused(RPCError) }
    let outcome = shared.withLock { s -> Outcome in
      if s.closed { return .refused(RPCError(code: .cancelled, message: "the stream is closed")) }
      if s.statusQueued { return .refused(RPCError(code: .internalError, message: "the call's status was already written")) }
      s.outbox.append(part)
      switch part {
      case .status: s.statusQueued = true
      case .message(let bytes): s.pendingBytes += bytes.count
      case .metadata: break
      }
      let schedule = !s.drainScheduled
      s.drainScheduled = true
      return .queued(schedule: schedule, wait: s.pendingBytes > Self.writeHighWatermark)
    }
    switch outcome {
    case .refused(let error):
      throw error
    case .queued(let schedule, let wait):
      if schedule { eventLoop.execute { self.connection.drain(self) } }
      if wait { try await waitForWrites() }
    }
  }

  private func waitForWrites() async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
      let ready = shared.withLock { s -> Result<Void, RPCError>? in
        if s.closed { return .failure(RPCError(code: .cancelled, message: "the stream is closed")) }
        if s.pendingBytes <= Self.writeHighWatermark { return .success(()) }
        s.writer = continuation
        return nil
      }
      if let ready { continuation.resume(with: ready) }
    }
  }

  /// The task finished without a status (GRPCCore always writes one; an error here is a bug
  /// or a cancelled call): the client is told by a reset.
  func finishOutbound(failed: Bool) {
    let reset = shared.withLock { s in !s.statusQueued && !s.closed }
    if reset || failed {
      eventLoop.execute { self.connection.reset(self, code: .internalError) }
    }
  }

  // MARK: The loop's side: response parts out.

  func takeOutbox() -> [RPCResponsePart<WireBytes>] {
    shared.withLock { s in
      s.drainScheduled = false
      guard !s.outbox.isEmpty else { return [] }
      let parts = s.outbox
      s.outbox.removeAll(keepingCapacity: true)
      return parts
    }
  }

  /// Whether the next response message is worth following to the socket: only once more than
  /// `untrackedBytes` are in flight, so that small answers cost no promise.
  var tracksWrites: Bool { shared.withLock { $0.pendingBytes > Self.untrackedBytes } }

  /// `bytes` of response are on the socket (or dropped): a waiting writer may go on.
  func release(_ bytes: Int) {
    let writer = shared.withLock { s -> CheckedContinuation<Void, any Error>? in
      s.pendingBytes -= bytes
      guard s.pendingBytes <= Self.writeHighWatermark, let writer = s.writer else { return nil }
      s.writer = nil
      return writer
    }
    writer?.resume()
  }
}

/// The call's request parts, as GRPCCore reads them.
struct ServerStreamInbound: AsyncSequence, Sendable {
  typealias Element = RPCRequestPart<WireBytes>
  let stream: ServerStream

  struct AsyncIterator: AsyncIteratorProtocol {
    let stream: ServerStream
    mutating func next() async throws -> RPCRequestPart<WireBytes>? { try await stream.next() }
  }

  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: stream) }
}

/// The call's response parts, as GRPCCore writes them.
struct ServerStreamOutbound: ClosableRPCWriterProtocol {
  typealias Element = RPCResponsePart<WireBytes>
  let stream: ServerStream

  func write(_ element: Element) async throws { try await stream.write(element) }

  func write(contentsOf elements: some Sequence<Element>) async throws {
    for element in elements { try await stream.write(element) }
  }

  func finish() async { stream.finishOutbound(failed: false) }

  func finish(throwing error: any Error) async { stream.finishOutbound(failed: true) }
}
