public import CProtoCodec

/// The arena that protobuf-c structs are built in while encoding (see `pc_arena.h`).
///
/// Everything a C message points to — strings, byte arrays, repeated fields, sub-messages — is
/// copied here, so the Swift values need not outlive the call and the whole tree is released
/// at once. Field paths for errors are built only when an error happens. Out of memory is
/// fatal, as it is for Swift's own allocations.
public struct ProtoArena {
  let raw: UnsafeMutablePointer<PCArena>

  /// The thread's cached arena (see `pc_arena_acquire`); give it back with `release()`.
  init(capacity: Int) {
    guard let raw = pc_arena_acquire(capacity) else { fatalError("ProtoCodec: out of memory") }
    self.raw = raw
  }

  func release() {
    pc_arena_release(raw)
  }

  private func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
    let (bytes, overflow) = MemoryLayout<T>.stride.multipliedReportingOverflow(by: Swift.max(count, 1))
    guard !overflow, let pointer = pc_arena_alloc(raw, bytes) else { fatalError("ProtoCodec: out of memory") }
    return pointer.bindMemory(to: T.self, capacity: count)
  }

  /// A NUL-terminated copy of `string`. A string holding a NUL is refused: protobuf-c would
  /// silently cut it there.
  public func string(_ string: String, field: StaticString) throws(ProtoEncodingError) -> UnsafeMutablePointer<CChar> {
    var hasNul: Int32 = 0
    let copy =
      string.utf8.withContiguousStorageIfAvailable { utf8 in
        utf8.withMemoryRebound(to: CChar.self) { pc_arena_strndup(raw, $0.baseAddress, $0.count, &hasNul) }
      } ?? {
        var string = string  // a bridged or lazily-stored string: made contiguous first
        return string.withUTF8 { utf8 in
          utf8.withMemoryRebound(to: CChar.self) { pc_arena_strndup(raw, $0.baseAddress, $0.count, &hasNul) }
        }
      }()
    guard let copy else { fatalError("ProtoCodec: out of memory") }
    if hasNul != 0 { throw ProtoEncodingError(field: "\(field)", reason: .nulInString) }
    return copy
  }

  public func bytes(_ bytes: [UInt8]) -> ProtobufCBinaryData {
    let copy = bytes.withUnsafeBytes { pc_arena_memdup(raw, $0.baseAddress, $0.count) }
    guard let copy else { fatalError("ProtoCodec: out of memory") }
    return ProtobufCBinaryData(len: bytes.count, data: copy)
  }

  /// A C array with the same layout as the Swift array (integers and floating point).
  public func scalars<T: BitwiseCopyable>(_ values: [T]) -> UnsafeMutablePointer<T> {
    let pointer = allocate(T.self, count: values.count)
    values.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(start: pointer, count: $0.count).initialize(from: $0) }
    return pointer
  }

  public func mapped<T, C>(_ values: [T], _ transform: (T) -> C) -> UnsafeMutablePointer<C> {
    let pointer = allocate(C.self, count: values.count)
    for (index, value) in values.enumerated() { (pointer + index).initialize(to: transform(value)) }
    return pointer
  }

  public func strings(_ values: [String], field: StaticString) throws(ProtoEncodingError) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
    let pointer = allocate(UnsafeMutablePointer<CChar>?.self, count: values.count)
    for index in values.indices {
      do {
        (pointer + index).initialize(to: try string(values[index], field: field))
      } catch {
        throw error.at(index)
      }
    }
    return pointer
  }

  /// A C struct for `message`, initialised by protobuf-c and filled from the Swift value.
  public func message<M: ProtoMessage>(_ message: M, field: StaticString) throws(ProtoEncodingError) -> UnsafeMutablePointer<M.CMessage> {
    do {
      return try self.message(message)
    } catch {
      throw error.inside("\(field)")
    }
  }

  private func message<M: ProtoMessage>(_ message: M) throws(ProtoEncodingError) -> UnsafeMutablePointer<M.CMessage> {
    let descriptor = M.cDescriptor.pointer
    guard let raw = pc_arena_alloc(raw, descriptor.pointee.sizeof_message) else {
      fatalError("ProtoCodec: out of memory")
    }
    protobuf_c_message_init(descriptor, raw)
    let pointer = raw.assumingMemoryBound(to: M.CMessage.self)
    try message.fill(pointer, in: self)
    return pointer
  }

  public func messages<M: ProtoMessage>(_ messages: [M], field: StaticString) throws(ProtoEncodingError) -> UnsafeMutablePointer<UnsafeMutablePointer<M.CMessage>?> {
    let pointer = allocate(UnsafeMutablePointer<M.CMessage>?.self, count: messages.count)
    for index in messages.indices {
      do {
        (pointer + index).initialize(to: try message(messages[index]))
      } catch {
        throw error.inside("\(field)[\(index)]")
      }
    }
    return pointer
  }
}

// MARK: - Reading protobuf-c structs (used by generated `init(c:)`)

/// A string field. protobuf-c never leaves one NULL, but a NULL reads as empty.
@inline(__always)
public func _pcString(_ pointer: UnsafePointer<CChar>?) -> String {
  guard let pointer else { return "" }
  return String(cString: pointer)
}

@inline(__always)
public func _pcBytes(_ data: ProtobufCBinaryData) -> [UInt8] {
  guard data.len > 0, let base = data.data else { return [] }
  return Array(UnsafeBufferPointer(start: base, count: data.len))
}

@inline(__always)
public func _pcScalars<T>(_ pointer: UnsafeMutablePointer<T>?, _ count: Int) -> [T] {
  guard count > 0, let pointer else { return [] }
  return Array(UnsafeBufferPointer(start: pointer, count: count))
}

@inline(__always)
public func _pcMap<C, T>(_ pointer: UnsafeMutablePointer<C>?, _ count: Int, _ transform: (C) -> T) -> [T] {
  guard count > 0, let pointer else { return [] }
  return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
    for index in 0..<count { (buffer.baseAddress! + index).initialize(to: transform(pointer[index])) }
    initialized = count
  }
}

@inline(__always)
public func _pcMessages<M: ProtoMessage>(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<M.CMessage>?>?, _ count: Int) -> [M] {
  _pcMap(pointer, count) { M(c: $0!) }
}
