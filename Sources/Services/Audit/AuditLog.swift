import Foundation
public import GRDB

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
  }

  /// The hash before the first entry.
  public static let genesis = String(repeating: "0", count: 64)

  /// Appends an entry inside the caller's transaction; returns it.
  @discardableResult
  public static func append(
    _ db: Database, actor: String, method: String, requestSHA256: String, recordSHA256: String, at instant: Date
  ) throws -> Entry {
    let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1")
    let sequence: Int64 = (last?["sequence"] ?? 0) + 1
    let previous: String = last?["hash"] ?? genesis
    let recordedAt = Timestamps.format(instant)
    let hash = Self.hash(sequence: sequence, recordedAt: recordedAt, actor: actor, method: method, requestSHA256: requestSHA256, recordSHA256: recordSHA256, previousHash: previous)
    try db.execute(
      sql: """
        INSERT INTO audit_log (sequence, recorded_at, actor, method, request_sha256, record_sha256, previous_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [sequence, recordedAt, actor, method, requestSHA256, recordSHA256, previous, hash])
    return Entry(
      sequence: sequence, recordedAt: recordedAt, actor: actor, method: method, requestSHA256: requestSHA256,
      recordSHA256: recordSHA256, previousHash: previous, hash: hash)
  }

  static func hash(
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

    public static func == (lhs: Self, rhs: Self) -> Bool {
      lhs.entries == rhs.entries && lhs.firstBroken?.sequence == rhs.firstBroken?.sequence
        && lhs.firstBroken?.problem == rhs.firstBroken?.problem
    }
  }

  /// Recomputes every hash and link, oldest first, and reports the first break.
  public static func verify(_ db: Database) throws -> Verification {
    var previous = genesis
    var expected: Int64 = 1
    var count: Int64 = 0
    let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY sequence")
    while let row = try rows.next() {
      let sequence: Int64 = row["sequence"]
      count += 1
      if sequence != expected {
        return Verification(entries: count, firstBroken: (expected, "entry \(expected) is missing"))
      }
      let stored: String = row["previous_hash"]
      if stored != previous {
        return Verification(entries: count, firstBroken: (sequence, "its link to the previous entry does not match"))
      }
      let recomputed = hash(
        sequence: sequence, recordedAt: row["recorded_at"], actor: row["actor"], method: row["method"],
        requestSHA256: row["request_sha256"], recordSHA256: row["record_sha256"], previousHash: stored)
      let hash: String = row["hash"]
      if recomputed != hash {
        return Verification(entries: count, firstBroken: (sequence, "its content does not match its hash"))
      }
      previous = hash
      expected += 1
    }
    return Verification(entries: count, firstBroken: nil)
  }
}

/// Instants as stored: RFC 3339 in UTC with milliseconds, which sorts as text.
public enum Timestamps {
  public static func format(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
  }

  public static func parse(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text)
  }
}
