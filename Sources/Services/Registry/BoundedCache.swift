import Synchronization

/// Values kept in memory by key, at most `capacity` of them; when full, a quarter is dropped to
/// make room. Only for what can be made again from its key, or is checked before it is relied
/// on, so that an entry missing or dropped costs the work of making it and nothing else.
final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
  private let entries = Mutex<[Key: Value]>([:])
  let capacity: Int

  init(capacity: Int) {
    self.capacity = capacity
  }

  subscript(key: Key) -> Value? {
    entries.withLock { $0[key] }
  }

  func store(_ value: Value, for key: Key) {
    entries.withLock { entries in
      if entries[key] == nil, entries.count >= capacity {
        for dropped in entries.keys.prefix(max(1, capacity / 4)) { entries.removeValue(forKey: dropped) }
      }
      entries[key] = value
    }
  }
}
