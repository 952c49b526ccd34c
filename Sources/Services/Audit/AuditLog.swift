import Foundation

/// The hash-chained audit log: every write appends an entry — who, which method, when, the
/// SHA-256 of the request and of the record written, and the hash of the previous entry — in
/// the same transaction as the write, so the log and the data cannot disagree.
///
/// An entry's hash is SHA-256 over `sequence|recorded_at|actor|method|request_sha256|record_sha256|previous_hash`.
/// Changing, deleting or reordering any stored entry breaks the chain at that point, which
/// `verify` finds.
public enum AuditLog {
  /// What a write says about itself.
  public struct Entry: Sendable, Equatable {
    public var sequence: Int64
    public var recordedAt: String
    public var actor: String
    public var method: String
    public var requestSHA256: String
    public var recordSHA256: String
    public var previousHash: String
    public var hash: String

    public init(
      sequence: Int64, recordedAt: String, actor: String, method: String, requestSHA256: String, recordSHA256: String,
      previousHash: String, hash: String
    ) {
      self.sequence = sequence
      self.recordedAt = recordedAt
      self.actor = actor
      self.method = method
      self.requestSHA256 = requestSHA256
      self.recordSHA256 = recordSHA256
      self.previousHash = previousHash
      self.hash = hash
    }
  }

  /// The hash before the first entry.
  public static let genesis = String(repeating: "0", count: 64)

  /// Appends an entry inside the caller's transaction; returns it.
  @discardableResult
  public static func append(
    _ transaction: some AuditTransaction, actor: String, method: String, requestSHA256: String, recordSHA256: String,
    at instant: Date
  ) async throws -> Entry {
    let last = try await transaction.lastAuditEntry()
    let sequence = (last?.sequence ?? 0) + 1
    let previous = last?.hash ?? genesis
    let recordedAt = Timestamps.format(instant)
    let entry = Entry(
      sequence: sequence, recordedAt: recordedAt, actor: actor, method: method, requestSHA256: requestSHA256,
      recordSHA256: recordSHA256, previousHash: previous,
      hash: hash(
        sequence: sequence, recordedAt: recordedAt, actor: actor, method: method, requestSHA256: requestSHA256,
        recordSHA256: recordSHA256, previousHash: previous))
    try await transaction.insertAuditEntry(entry)
    return entry
  }

  public static func hash(
    sequence: Int64, recordedAt: String, actor: String, method: String, requestSHA256: String, recordSHA256: String,
    previousHash: String
  ) -> String {
    Digest.sha256Hex([String(sequence), recordedAt, actor, method, requestSHA256, recordSHA256, previousHash].joined(separator: "|"))
  }

  /// The outcome of checking the whole chain.
  public struct Verification: Sendable, Equatable {
    /// Entries checked.
    public var entries: Int64
    /// The first entry whose stored hash or link does not match, and why; nil when intact.
    public var firstBroken: (sequence: Int64, problem: String)?
    /// The newest entry's hash when intact: what a later verification must extend.
    public var headHash: String

    public static func == (lhs: Self, rhs: Self) -> Bool {
      lhs.entries == rhs.entries && lhs.firstBroken?.sequence == rhs.firstBroken?.sequence
        && lhs.firstBroken?.problem == rhs.firstBroken?.problem && lhs.headHash == rhs.headHash
    }
  }

  /// Recomputes every hash and link, oldest first, a batch at a time, and reports the first break.
  public static func verify(_ store: some AuditStore, batch: Int = 1000) async throws -> Verification {
    var previous = genesis
    var expected: Int64 = 1
    var count: Int64 = 0
    while true {
      let entries = try await store.auditEntries(after: expected - 1, limit: batch)
      for entry in entries {
        count += 1
        if entry.sequence != expected {
          return Verification(entries: count, firstBroken: (expected, "entry \(expected) is missing"), headHash: "")
        }
        if entry.previousHash != previous {
          return Verification(entries: count, firstBroken: (entry.sequence, "its link to the previous entry does not match"), headHash: "")
        }
        let recomputed = hash(
          sequence: entry.sequence, recordedAt: entry.recordedAt, actor: entry.actor, method: entry.method,
          requestSHA256: entry.requestSHA256, recordSHA256: entry.recordSHA256, previousHash: entry.previousHash)
        if recomputed != entry.hash {
          return Verification(entries: count, firstBroken: (entry.sequence, "its content does not match its hash"), headHash: "")
        }
        previous = entry.hash
        expected += 1
      }
      if entries.count < batch { return Verification(entries: count, firstBroken: nil, headHash: previous) }
    }
  }
}
