import Foundation
import GRDB
import LIMSSimulation
import Services
import StorageSQLite
import Testing

@Suite("The hash-chained audit log")
struct AuditLogTests {
  static let key = SigningKey.generate(name: "test.cq-monitoring.local/audit")

  /// A log of entries that make no row (as a method that writes nothing the records hold).
  private func store(entries: Int) async throws -> SQLiteStore {
    let store = try SQLiteStore.temporary()
    for index in 1...entries {
      _ = try await store.writeRegistry { tx in
        try await AuditLog.append(
          tx, key: Self.key, actor: "spiffe://cq-monitoring/bureau/city/zhang.wei", method: "cqmon.v1.Test/Append",
          requestSHA256: Digest.sha256Hex("request \(index)"), recordSHA256: Digest.sha256Hex("record \(index)"),
          at: Date(timeIntervalSince1970: 1_795_883_400 + Double(index)))
      }
    }
    return store
  }

  @Test("SHA-256 through OpenSSL matches the known vectors")
  func digests() {
    #expect(Digest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let streaming = StreamingDigest()
    streaming.update(Array("a".utf8))
    streaming.update(Array("bc".utf8))
    #expect(streaming.finalize() == Digest.sha256Hex("abc"))
  }

  @Test("an intact chain verifies, across verification batches")
  func intact() async throws {
    let store = try await store(entries: 5)
    let result = try await AuditLog.verify(store, batch: 2)
    #expect(result.entries == 5)
    #expect(result.firstBroken == nil)
    #expect(result.intact)
    #expect(result.treeSize == 5)
  }

  @Test("a row altered behind the log's back is found at that entry")
  func altered() async throws {
    let store = try await store(entries: 5)
    try await store.writer.write { try $0.execute(sql: "UPDATE audit_log SET actor = 'someone else' WHERE sequence = 3") }
    let result = try await AuditLog.verify(store)
    #expect(result.firstBroken == 3)
    #expect(result.problem == "entry 3: its content does not match its hash")
  }

  @Test("an entry deleted, or a hash rewritten to hide an edit, is found")
  func deletedOrRewritten() async throws {
    let deleted = try await store(entries: 5)
    try await deleted.writer.write { try $0.execute(sql: "DELETE FROM audit_log WHERE sequence = 2") }
    #expect(try await AuditLog.verify(deleted, batch: 2).firstBroken == 2)

    let rewritten = try await store(entries: 5)
    try await rewritten.writer.write { db in
      // Edit entry 4 and recompute its own hash: entry 5's link no longer matches.
      let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_log WHERE sequence = 4")!
      let forged = AuditLog.hash(
        sequence: 4, recordedAt: row["recorded_at"], actor: "forger", method: row["method"], requestSHA256: row["request_sha256"],
        recordSHA256: row["record_sha256"], previousHash: row["previous_hash"])
      try db.execute(sql: "UPDATE audit_log SET actor = 'forger', hash = ? WHERE sequence = 4", arguments: [forged])
    }
    #expect(try await AuditLog.verify(rewritten).firstBroken == 5)
  }

  @Test("timestamps round-trip exactly, as the audit hashes need")
  func timestamps() {
    for text in ["2026-11-29T21:39:12.123Z", "1970-01-01T00:00:00.000Z", "2024-02-29T23:59:59.999Z", "1969-12-31T23:59:59.999Z"] {
      #expect(Timestamps.parse(text).map(Timestamps.format) == text)
    }
    #expect(Timestamps.parse("2026-11-29T21:39:12Z").map(Timestamps.format) == "2026-11-29T21:39:12.000Z")
    #expect(Timestamps.format(Date(timeIntervalSince1970: 1_795_883_400.9996)) == "2026-11-28T16:30:01.000Z")
    // Written in place, digit by digit: the same text as Foundation's formatter, 1900–2100.
    let reference = ISO8601DateFormatter()
    reference.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    var random = SimulationRandom(seed: 24)
    for _ in 0..<1000 {
      let instant = Date(timeIntervalSince1970: (Double.random(in: -2.2e9...4.1e9, using: &random) * 1000).rounded() / 1000)
      #expect(Timestamps.format(instant) == reference.string(from: instant))
    }
    // Any instant formats (proleptic Gregorian), even one no record holds.
    #expect(Timestamps.format(.distantPast) == "0000-12-30T00:00:00.000Z")
    #expect(Timestamps.format(Date(timeIntervalSince1970: 1e12)) == "33658-09-27T01:46:40.000Z")
    for bad in ["", "2026-11-29", "2026-13-01T00:00:00.000Z", "2026-11-29T24:00:00.000Z", "2026-11-29T21:39:12.12Z", "2026-02-30T00:00:00.000Z"] {
      #expect(Timestamps.parse(bad) == nil, "\(bad)")
    }
  }
}
