import Foundation
import GRDB
import Services
import Testing

@Suite("The hash-chained audit log")
struct AuditLogTests {
  private func database(entries: Int) throws -> AppDatabase {
    let database = try AppDatabase.inMemory()
    try database.writer.write { db in
      for index in 1...entries {
        try AuditLog.append(
          db, actor: "spiffe://cq-monitoring/bureau/city/zhang.wei", method: "cqmon.v1.RegistryService/ReviewApplication",
          requestSHA256: Digest.sha256Hex("request \(index)"), recordSHA256: Digest.sha256Hex("record \(index)"),
          at: Date(timeIntervalSince1970: 1_795_883_400 + Double(index)))
      }
    }
    return database
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

  @Test("an intact chain verifies")
  func intact() throws {
    let database = try database(entries: 5)
    let result = try database.writer.read { try AuditLog.verify($0) }
    #expect(result.entries == 5)
    #expect(result.firstBroken == nil)
  }

  @Test("a row altered behind the log's back is found at that entry")
  func altered() throws {
    let database = try database(entries: 5)
    try database.writer.write { try $0.execute(sql: "UPDATE audit_log SET actor = 'someone else' WHERE sequence = 3") }
    let result = try database.writer.read { try AuditLog.verify($0) }
    #expect(result.firstBroken?.sequence == 3)
    #expect(result.firstBroken?.problem == "its content does not match its hash")
  }

  @Test("an entry deleted, or a hash rewritten to hide an edit, is found")
  func deletedOrRewritten() throws {
    let deleted = try database(entries: 5)
    try deleted.writer.write { try $0.execute(sql: "DELETE FROM audit_log WHERE sequence = 2") }
    #expect(try deleted.writer.read { try AuditLog.verify($0) }.firstBroken?.sequence == 2)

    let rewritten = try database(entries: 5)
    try rewritten.writer.write { db in
      // Edit entry 4 and recompute its own hash: entry 5's link no longer matches.
      let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_log WHERE sequence = 4")!
      let forged = Digest.sha256Hex(["4", row["recorded_at"] as String, "forger", row["method"] as String, row["request_sha256"] as String, row["record_sha256"] as String, row["previous_hash"] as String].joined(separator: "|"))
      try db.execute(sql: "UPDATE audit_log SET actor = 'forger', hash = ? WHERE sequence = 4", arguments: [forged])
    }
    #expect(try rewritten.writer.read { try AuditLog.verify($0) }.firstBroken?.sequence == 5)
  }
}
