/// Decoded registry records by the SHA-256 of their JSON. A version's record never changes
/// once written and its digest names it, so an entry is never stale, and every server keeps
/// its own. Decoding a listed agency's record costs more than reading its row; a page of 100
/// agencies served from here costs little more than the query.
final class RecordCache: Sendable {
  private let entries: BoundedCache<String, ApplicationMaterials>

  init(capacity: Int = 20_000) {
    entries = BoundedCache(capacity: capacity)
  }

  /// The record stored as `json` with digest `sha256`, decoded once.
  func materials(json: String, sha256: String) -> ApplicationMaterials? {
    if let cached = entries[sha256] { return cached }
    guard let decoded = Registry.decode(ApplicationMaterials.self, json) else { return nil }
    entries.store(decoded, for: sha256)
    return decoded
  }
}
