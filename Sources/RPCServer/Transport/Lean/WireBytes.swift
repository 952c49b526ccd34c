public import GRPCCore
public import NIOCore

/// A gRPC message's bytes as they arrived or will leave: a `ByteBuffer` slice, never copied
/// between the socket and the codec.
public struct WireBytes: GRPCContiguousBytes, Hashable, Sendable {
  public var buffer: ByteBuffer

  public init(_ buffer: ByteBuffer) {
    self.buffer = buffer
  }

  public init(repeating byte: UInt8, count: Int) {
    buffer = ByteBuffer(repeating: byte, count: count)
  }

  public init(_ sequence: some Sequence<UInt8>) {
    buffer = ByteBuffer(bytes: sequence)
  }

  public var count: Int { buffer.readableBytes }

  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try buffer.withUnsafeReadableBytes(body)
  }

  public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
    try buffer.withUnsafeMutableReadableBytes(body)
  }
}
