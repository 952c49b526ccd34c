import Synchronization

/// Decoded registry records by the SHA-256 of their JSON. A version's record never changes
/// once written and its digest names it, so an entry is never stale, and every server keeps
/// its own. Decoding a listed agency's record costs more than reading its row; a page of 100
/// agencies served from here costs little more than the query.
final class RecordCache: Sendable {
  private let entries = Mutex<[String: ApplicationMaterials]>([:])
  /// At most this many records; when full, a quarter is dropped to make room.
  let capacity: Int

  init(capacity: Int = 20_000) {
    self.capacity = capacity
  }

  /// The record stored as `json` with digest `sha256`, decoded once.
  func materials(json: String, sha256: String) -> ApplicationMaterials? {
    if let cached = entries.withLock({ $0[sha256] }) { return cached }
    guard let decoded = Registry.decode(ApplicationMaterials.self, json) else { return nil }
    entries.withLock { entries in
      if entries.count >= capacity {
        for key in entries.keys.prefix(max(1, capacity / 4)) { entries.removeValue(forKey: key) }
      }
      entries[sha256] = decoded
    }
    return decoded
  }
}
