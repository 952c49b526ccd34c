import Foundation
import Logging
@testable import RPCServer
import Testing

@Suite("Log lines: text and JSON through the batching sink")
struct LogHandlerTests {
  /// A sink on a pipe and a reader of what has reached the pipe so far.
  final class Capture {
    let pipe = Pipe()
    let sink: LogSink

    init() {
      sink = LogSink(descriptor: pipe.fileHandleForWriting.fileDescriptor)
      _ = fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETFL, O_NONBLOCK)
    }

    /// The bytes that have reached the pipe, without waiting.
    func written() -> String {
      var bytes: [UInt8] = []
      var chunk = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = read(pipe.fileHandleForReading.fileDescriptor, &chunk, chunk.count)
        guard count > 0 else { break }
        bytes += chunk[..<count]
      }
      return String(decoding: bytes, as: UTF8.self)
    }
  }

  @Test("a warning is written before log returns, with every line before it, in order")
  func warningFlushesInOrder() {
    let capture = Capture()
    let logger = Logger(label: "monitord") { LineLogHandler(label: $0, sink: capture.sink) }
    for index in 0..<100 { logger.info("call", metadata: ["n": "\(index)"]) }
    logger.warning("call refused", metadata: ["reason": "METHOD_NOT_ALLOWED", "method": "a/b"])
    let lines = capture.written().split(separator: "\n")
    #expect(lines.count == 101)
    #expect(lines.prefix(100).enumerated().allSatisfy { $0.element.hasSuffix("info monitord: call n=\($0.offset)") })
    // Metadata sorted by key; the timestamp is UTC with milliseconds.
    let last = String(lines[100])
    #expect(last.hasSuffix(" warning monitord: call refused method=a/b reason=METHOD_NOT_ALLOWED"))
    #expect(last.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z .*/) != nil, "\(last)")
  }

  @Test("info lines are held for the writer thread and reach the file within its interval")
  func infoIsBatched() async throws {
    let capture = Capture()
    var logger = Logger(label: "monitord") { LineLogHandler(label: $0, sink: capture.sink) }
    logger[metadataKey: "connection"] = "7"
    logger.info("listening", metadata: ["address": "127.0.0.1:1"])
    var text = ""
    for _ in 0..<100 where text.isEmpty {
      try await Task.sleep(for: .milliseconds(20))
      text = capture.written()
    }
    #expect(text.hasSuffix("info monitord: listening address=127.0.0.1:1 connection=7\n"), "\(text)")
  }

  @Test("a JSON line is one valid object whose values survive quotes, backslashes and control characters")
  func jsonEscapes() throws {
    let capture = Capture()
    let logger = Logger(label: "monitord") { LineLogHandler(label: $0, format: .json, sink: capture.sink) }
    let awkward = "say \"hi\"\\ then\nnew line\ttab \u{01} 重庆"
    logger.error("odd \"message\"", metadata: ["value": "\(awkward)", "msg": "not the message"])
    let line = capture.written()
    #expect(line.hasSuffix("}\n") && line.split(separator: "\n").count == 1)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
    #expect(object["value"] == awkward)
    #expect(object["msg"] == "odd \"message\"")
    #expect(object["level"] == "error" && object["logger"] == "monitord")
    #expect(object["ts"]?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
  }
}
