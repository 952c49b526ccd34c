import Foundation
import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// gRPC over one HTTP/2 connection, on the connection's event loop: request HEADERS open a call
/// whose task runs on this loop (`EventLoopExecutor`), DATA frames are cut into messages
/// without copying, and the call's response parts become frames here. No child channel per
/// stream: the streams are entries in a dictionary. Its state is the event loop's alone (hence
/// `@unchecked Sendable`: what other threads touch lives in `ServerStream.shared`).
///
/// Sits behind `NIOHTTP2Handler` (framing, HPACK, stream states, outbound flow control,
/// SETTINGS and PING) and `NIOHTTP2ServerConnectionManagementHandler` (keepalive, GOAWAY on
/// drain). Inbound flow control is this handler's: a stream's window is returned as its bytes
/// arrive while the call keeps up with its messages, and held back when it does not.
final class GRPCConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
  typealias InboundIn = HTTP2Frame
  typealias OutboundOut = HTTP2Frame

  typealias StreamHandler = @Sendable (RPCStream<ServerTransportInbound, ServerTransportOutbound>, ServerContext) async -> Void
  typealias ServerTransportInbound = RPCAsyncSequence<RPCRequestPart<WireBytes>, any Error>
  typealias ServerTransportOutbound = RPCWriter<RPCResponsePart<WireBytes>>.Closable

  struct Configuration: Sendable {
    /// The services' methods by HTTP/2 path (`/cqmon.v1.FilingService/FileActivity`).
    var methods: [String: MethodDescriptor]
    /// A request message larger than this ends the call with RESOURCE_EXHAUSTED.
    var maxRequestPayload: Int
    /// The connection's receive window (the HTTP/2 default is 65,535 bytes).
    var connectionWindow = 1 << 20
  }

  let eventLoop: any EventLoop
  private let configuration: Configuration
  private let streamHandler: StreamHandler
  private let tracker: StreamTracker
  private let executor: EventLoopExecutor
  private var context: ChannelHandlerContext?
  private var streams: [HTTP2StreamID: ServerStream] = [:]
  private var remotePeer = "<unknown>"
  private var localPeer = "<unknown>"
  /// Bytes received on the connection and not yet returned to its window.
  private var connectionCredit = 0
  private var inReadLoop = false
  private var flushPending = false
  private var flushScheduled = false
  /// Draining (GOAWAY sent): the connection closes the moment its last stream ends, and
  /// writes not yet flushed would go with it, so answers are flushed as they are written.
  private var draining = false

  /// A stream's returned window goes out once this much has built up.
  private static let streamCreditBatch = 8 << 10

  init(eventLoop: any EventLoop, configuration: Configuration, tracker: StreamTracker, streamHandler: @escaping StreamHandler) {
    self.eventLoop = eventLoop
    self.configuration = configuration
    self.tracker = tracker
    self.streamHandler = streamHandler
    self.executor = EventLoopExecutor(eventLoop)
  }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    self.context = nil
  }

  func channelActive(context: ChannelHandlerContext) {
    if let address = context.channel.remoteAddress { remotePeer = ConnectionIdentities.key(for: address) }
    if let address = context.channel.localAddress { localPeer = ConnectionIdentities.key(for: address) }
    let increment = configuration.connectionWindow - 65_535
    if increment > 0 {
      context.write(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
      context.flush()
    }
    context.fireChannelActive()
  }

  func channelInactive(context: ChannelHandlerContext) {
    let open = streams
    streams.removeAll()
    for stream in open.values {
      tracker.streamClosed()
      stream.cancel("the connection closed")
    }
    context.fireChannelInactive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    inReadLoop = true
    let frame = unwrapInboundIn(data)
    switch frame.payload {
    case .headers(let headers):
      if let stream = streams[frame.streamID] {
        // Trailers from the client: they may only end its side.
        guard headers.endStream else {
          return end(stream, Status(code: .internalError, message: "request HEADERS after the first must end the stream"))
        }
        stream.clientEnded = true
        finishRequest(stream)
      } else {
        open(frame.streamID, headers.headers, endStream: headers.endStream)
      }
    case .data(let payload):
      let flowControlled = payload.data.readableBytes + (payload.paddingBytes.map { $0 + 1 } ?? 0)
      connectionCredit += flowControlled
      guard let stream = streams[frame.streamID], case .byteBuffer(let bytes) = payload.data else { return }
      received(bytes, flowControlled: flowControlled, endStream: payload.endStream, on: stream)
    case .rstStream(let code):
      if let stream = streams.removeValue(forKey: frame.streamID) {
        tracker.streamClosed()
        stream.cancel("the client reset the stream (\(code))")
      }
    default:
      break
    }
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    inReadLoop = false
    if connectionCredit >= configuration.connectionWindow / 2 {
      context.write(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: connectionCredit))), promise: nil)
      connectionCredit = 0
      flushPending = true
    }
    if flushPending {
      flushPending = false
      context.flush()
    }
    context.fireChannelReadComplete()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if event is ChannelShouldQuiesceEvent { draining = true }
    if let closed = event as? StreamClosedEvent, let stream = streams.removeValue(forKey: closed.streamID) {
      tracker.streamClosed()
      if !(stream.serverEnded && stream.clientEnded) {
        stream.cancel(closed.reason.map { "the stream was reset (\($0))" } ?? "the stream closed")
      }
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    // A stream error has already reset that stream (and its StreamClosedEvent follows); any
    // other error leaves the connection unusable.
    if error is NIOHTTP2Errors.StreamError { return }
    context.close(promise: nil)
  }

  // MARK: Requests

  private func open(_ id: HTTP2StreamID, _ headers: HPACKHeaders, endStream: Bool) {
    guard let contentType = headers.first(name: "content-type"), contentType.hasPrefix("application/grpc") else {
      var refusal = HPACKHeaders()
      refusal.add(name: ":status", value: "415")
      refusal.add(name: "content-type", value: "text/plain")
      return reject(id, refusal, clientEnded: endStream)
    }
    guard headers.first(name: ":method") == "POST" else {
      return reject(id, Self.trailersOnly(Status(code: .invalidArgument, message: ":method must be POST"), [:]), clientEnded: endStream)
    }
    guard let path = headers.first(name: ":path"), let descriptor = configuration.methods[path] ?? Self.descriptor(path: path) else {
      return reject(id, Self.trailersOnly(Status(code: .unimplemented, message: ":path must be /SERVICE/METHOD"), [:]), clientEnded: endStream)
    }
    if let encoding = headers.first(name: "grpc-encoding"), encoding != "identity" {
      var refusal = Self.trailersOnly(Status(code: .unimplemented, message: "\(encoding) compression is not supported; see grpc-accept-encoding"), [:])
      refusal.add(name: "grpc-accept-encoding", value: "identity")
      return reject(id, refusal, clientEnded: endStream)
    }

    let stream = ServerStream(id: id, connection: self, metadata: Self.metadata(headers))
    streams[id] = stream
    tracker.streamOpened()
    if endStream {
      stream.clientEnded = true
      stream.finishInbound(.success(()))
    }

    let handler = streamHandler
    let context = (remote: remotePeer, local: localPeer)
    tracker.taskStarted()
    let task = Task(executorPreference: executor) { [tracker] in
      await withServerContextRPCCancellationHandle { handle in
        stream.attach(handle)
        let rpc = RPCStream(
          descriptor: descriptor, inbound: RPCAsyncSequence(wrapping: ServerStreamInbound(stream: stream)),
          outbound: RPCWriter.Closable(wrapping: ServerStreamOutbound(stream: stream)))
        await withRPCCancellationHandler {
          await handler(rpc, ServerContext(descriptor: descriptor, remotePeer: context.remote, localPeer: context.local, cancellation: handle))
        } onCancelRPC: {
          stream.cancelTask()
        }
      }
      stream.finishOutbound(failed: false)
      tracker.taskFinished()
    }
    // The task's first step runs on this loop after this returns: it is known before it runs.
    stream.run(task)
  }

  /// Answers a request that never becomes a call, and closes its stream.
  private func reject(_ id: HTTP2StreamID, _ headers: HPACKHeaders, clientEnded: Bool) {
    guard let context else { return }
    writeFinal(headers, on: id, clientEnded: clientEnded, context: context)
    flushPending = true
  }

  /// Cuts messages out of the stream's bytes: a message wholly inside one DATA frame is a slice
  /// of it; only a message split across frames is gathered.
  private func received(_ bytes: ByteBuffer, flowControlled: Int, endStream: Bool, on stream: ServerStream) {
    var buffer = bytes
    if var partial = stream.partial {
      partial.writeBuffer(&buffer)
      buffer = partial
      stream.partial = nil
    }
    while buffer.readableBytes >= 5 {
      let flag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
      let length = Int(buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self)!)
      guard flag == 0 else {
        let message = flag == 1 ? "a compressed message, but the call named no grpc-encoding" : "a message's flag byte is \(flag), neither 0 nor 1"
        return end(stream, Status(code: .internalError, message: message))
      }
      guard length <= configuration.maxRequestPayload else {
        return end(stream, Status(code: .resourceExhausted, message: "a message of \(length) bytes is over the server's limit of \(configuration.maxRequestPayload)"))
      }
      guard buffer.readableBytes >= 5 + length else { break }
      buffer.moveReaderIndex(forwardBy: 5)
      stream.received(buffer.readSlice(length: length)!)
    }
    if buffer.readableBytes > 0 { stream.partial = buffer }
    if endStream {
      stream.clientEnded = true
      finishRequest(stream)
    } else if stream.mayReturnCredit(flowControlled) {
      stream.unreturnedCredit += flowControlled
      if stream.unreturnedCredit >= Self.streamCreditBatch { sendStreamCredit(stream) }
    }
  }

  private func finishRequest(_ stream: ServerStream) {
    if stream.partial != nil {
      return end(stream, Status(code: .internalError, message: "the request ended inside a message"))
    }
    stream.finishInbound(.success(()))
  }

  /// The call's task read what was queued: the window held back for it goes back.
  func returnCredit(_ bytes: Int, to stream: ServerStream) {
    guard streams[stream.id] === stream, !stream.clientEnded else { return }
    stream.unreturnedCredit += bytes
    sendStreamCredit(stream)
    flush()
  }

  private func sendStreamCredit(_ stream: ServerStream) {
    guard let context, stream.unreturnedCredit > 0 else { return }
    context.write(wrapOutboundOut(HTTP2Frame(streamID: stream.id, payload: .windowUpdate(windowSizeIncrement: stream.unreturnedCredit))), promise: nil)
    stream.unreturnedCredit = 0
    flushPending = true
  }

  // MARK: Responses

  private static let responseHeaders: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
  private static let okTrailers: HPACKHeaders = ["grpc-status": "0"]

  /// Writes what the call's task queued, then flushes once.
  func drain(_ stream: ServerStream) {
    let parts = stream.takeOutbox()
    guard let context, streams[stream.id] === stream, !stream.serverEnded else {
      for case .message(let bytes) in parts { stream.release(bytes.count) }
      return
    }
    for part in parts {
      switch part {
      case .metadata(let metadata):
        var headers = Self.responseHeaders
        Self.add(metadata, to: &headers)
        writeHeaders(headers, on: stream, context: context)
      case .message(let bytes):
        if !stream.headersSent { writeHeaders(Self.responseHeaders, on: stream, context: context) }
        let count = bytes.count
        var frame = context.channel.allocator.buffer(capacity: 5 + count)
        frame.writeInteger(UInt8(0))
        frame.writeInteger(UInt32(count))
        frame.writeImmutableBuffer(bytes.buffer)
        let data = HTTP2Frame(streamID: stream.id, payload: .data(.init(data: .byteBuffer(frame))))
        if stream.tracksWrites {
          let promise = context.eventLoop.makePromise(of: Void.self)
          promise.futureResult.whenComplete { _ in stream.release(count) }
          context.write(wrapOutboundOut(data), promise: promise)
        } else {
          context.write(wrapOutboundOut(data), promise: nil)
          stream.release(count)
        }
      case .status(let status, let metadata):
        writeStatus(status, metadata, on: stream, context: context)
      }
    }
    flush()
  }

  /// Ends a call from the transport's side (a malformed request): its status, and its task cancelled.
  private func end(_ stream: ServerStream, _ status: Status) {
    guard let context, !stream.serverEnded else { return }
    writeStatus(status, [:], on: stream, context: context)
    stream.cancel(status.message)
    flushPending = true
  }

  /// The call's task ended without a status: the client sees the stream reset.
  func reset(_ stream: ServerStream, code: HTTP2ErrorCode) {
    guard let context, streams[stream.id] === stream, !stream.serverEnded else { return }
    stream.serverEnded = true
    context.write(wrapOutboundOut(HTTP2Frame(streamID: stream.id, payload: .rstStream(code))), promise: nil)
    flush()
  }

  /// The call's status: trailers-only if nothing was sent yet, else trailers (the plain OK ones
  /// built once); the stream is then ended on the server's side.
  private func writeStatus(_ status: Status, _ metadata: Metadata, on stream: ServerStream, context: ChannelHandlerContext) {
    let trailers: HPACKHeaders
    if !stream.headersSent {
      trailers = Self.trailersOnly(status, metadata)
    } else if status.code == .ok && status.message.isEmpty && metadata.isEmpty {
      trailers = Self.okTrailers
    } else {
      var headers = HPACKHeaders()
      Self.addStatus(status, metadata, to: &headers)
      trailers = headers
    }
    stream.headersSent = true
    stream.serverEnded = true
    writeFinal(trailers, on: stream.id, clientEnded: stream.clientEnded, context: context)
  }

  /// HEADERS that end the stream, then RST_STREAM(NO_ERROR) if the client is still sending: the
  /// answer is complete, and the rest of the request is not wanted.
  private func writeFinal(_ headers: HPACKHeaders, on id: HTTP2StreamID, clientEnded: Bool, context: ChannelHandlerContext) {
    context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: headers, endStream: true)))), promise: nil)
    if !clientEnded {
      context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(.noError))), promise: nil)
    }
  }

  /// The response's leading HEADERS (the stream stays open for messages and trailers).
  private func writeHeaders(_ headers: HPACKHeaders, on stream: ServerStream, context: ChannelHandlerContext) {
    stream.headersSent = true
    context.write(wrapOutboundOut(HTTP2Frame(streamID: stream.id, payload: .headers(.init(headers: headers)))), promise: nil)
  }

  /// One flush for every answer written in this turn of the event loop: the calls that end
  /// together leave in one TLS record batch and one write(2), not one each.
  private func flush() {
    if draining && !inReadLoop {
      context?.flush()
    } else if inReadLoop {
      flushPending = true
    } else if !flushScheduled {
      flushScheduled = true
      eventLoop.execute {
        self.flushScheduled = false
        self.context?.flush()
      }
    }
  }

  // MARK: Headers and metadata

  static let maxMessageBytes = 2048

  static func trailersOnly(_ status: Status, _ metadata: Metadata) -> HPACKHeaders {
    var headers = responseHeaders
    addStatus(status, metadata, to: &headers)
    return headers
  }

  static func addStatus(_ status: Status, _ metadata: Metadata, to headers: inout HPACKHeaders) {
    headers.add(name: "grpc-status", value: String(status.code.rawValue))
    if !status.message.isEmpty { headers.add(name: "grpc-message", value: percentEncoded(status.message)) }
    add(metadata, to: &headers)
  }

  static func add(_ metadata: Metadata, to headers: inout HPACKHeaders) {
    for (key, value) in metadata {
      let name = key.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? key.lowercased() : key
      switch value {
      case .string(let text): headers.add(name: name, value: text)
      case .binary(let bytes): headers.add(name: name, value: Data(bytes).base64EncodedString())
      }
    }
  }

  /// The request's headers as GRPCCore's metadata (pseudo-headers included, as grpc-swift's
  /// own transport gives them); `-bin` values decoded from base64, padded or not.
  static func metadata(_ headers: HPACKHeaders) -> Metadata {
    var metadata = Metadata()
    metadata.reserveCapacity(headers.count)
    for (name, value, _) in headers {
      if name.hasSuffix("-bin"), let bytes = base64Decoded(value) {
        metadata.addBinary(bytes, forKey: name)
      } else {
        metadata.addString(value, forKey: name)
      }
    }
    return metadata
  }

  static func base64Decoded(_ text: String) -> [UInt8]? {
    var padded = text
    let remainder = padded.utf8.count % 4
    if remainder == 2 || remainder == 3 { padded += String(repeating: "=", count: 4 - remainder) }
    return Data(base64Encoded: padded).map(Array.init)
  }

  /// grpc-message: printable ASCII but '%' as is, every other byte of the UTF-8 as %XX; cut
  /// at `maxMessageBytes` of UTF-8 (a message quoting a huge request must not make trailers
  /// larger than a client's header list limit, which would lose the status altogether).
  static func percentEncoded(_ full: String) -> String {
    // A character cut in two ends as U+FFFD.
    let message = full.utf8.count > maxMessageBytes ? String(decoding: full.utf8.prefix(maxMessageBytes), as: UTF8.self) + "…" : full
    let plain = message.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E && $0 != UInt8(ascii: "%") }
    if plain { return message }
    var out = [UInt8]()
    out.reserveCapacity(message.utf8.count * 3)
    let hex = Array("0123456789ABCDEF".utf8)
    for byte in message.utf8 {
      if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
        out.append(byte)
      } else {
        out.append(UInt8(ascii: "%"))
        out.append(hex[Int(byte >> 4)])
        out.append(hex[Int(byte & 0xF)])
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// `/package.Service/Method` for a method the server does not have: GRPCCore answers it
  /// UNIMPLEMENTED by name.
  static func descriptor(path: String) -> MethodDescriptor? {
    let parts = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
    return MethodDescriptor(fullyQualifiedService: String(Substring(parts[1])), method: String(Substring(parts[2])))
  }
}
