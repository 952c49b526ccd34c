import Foundation
import GRPCCore
import ProtoCodec
import Services
import Testing

/// `VerifyAuditLog` against someone who edits the database behind the server's back: records
/// altered or deleted, the newest entries cut off, an old entry rewritten with every hash after
/// it recomputed. Each is found and named; the last two only against a checkpoint saved before.
@Suite("Audit verification against tampering")
struct AuditVerificationTests {
  /// An enrolled agency with an upload, a submitted application, its approval and a change:
  /// rows in every covered table. Returns the newest checkpoint, as a partner would keep it.
  static func populate(_ h: RegistryHarness) async throws -> Cqmon_V1_Checkpoint {
    try await h.enrol()
    h.as(Identities.agency)
    let digest = try await h.upload(Array("licence scan".utf8))
    let application = try await h.registry.submitApplication(.with {
      $0.requestId = "apply"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: digest)
    })
    h.as(Identities.city)
    _ = try await h.registry.reviewApplication(.with { $0.requestId = "review"; $0.applicationId = application.applicationId; $0.decision = .approve })
    h.as(Identities.agency)
    _ = try await h.registry.fileChange(.with {
      $0.requestId = "rename"; $0.creditCode = Materials.applicant; $0.kind = .name
      $0.effectiveOn = Days.china(-3)
      $0.value = .with { $0.name = "重庆新名称检测有限公司" }
    })
    h.as(Identities.partner)
    return try await ReceiptTests.checkpoint(h, covering: 5)
  }

  static func verify(_ h: RegistryHarness, checkpoint: String = "") async throws -> Cqmon_V1_AuditVerification {
    h.as(Identities.city)
    return try await h.audit.verifyAuditLog(.with { $0.checkpoint = checkpoint })
  }

  @Test("an intact log verifies, with and without a saved checkpoint", arguments: Engine.all)
  func intact(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        let checkpoint = try await Self.populate(h)
        let result = try await Self.verify(h, checkpoint: checkpoint.note)
        #expect(result.intact, "\(result.problem) \(result.records)")
        #expect(result.entries == 5 && result.treeSize == 5 && result.rootHash == checkpoint.rootHash)
        let bad = await failure { _ = try await Self.verify(h, checkpoint: checkpoint.note.replacingOccurrences(of: "\n5\n", with: "\n4\n")) }
        #expect(bad?.code == .invalidArgument && bad?.fields == ["checkpoint"])
      }
    }
  }

  @Test("a record altered or deleted behind the server's back is named by table and key", arguments: Engine.all)
  func records(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        _ = try await Self.populate(h)
        try await store.tamper("UPDATE application SET materials = replace(materials, '王强', '王弱')")
        try await store.tamper("UPDATE change SET after = replace(after, '新名称', '旧名称')")
        try await store.tamper("UPDATE agency_version SET record = replace(record, '500103', '500104') WHERE version = 2")
        // The fingerprint's first byte changed, whatever it was (a fresh key each run).
        try await store.tamper("""
          UPDATE certificate SET sha256_fingerprint =
            CASE WHEN substr(sha256_fingerprint, 1, 2) = '00' THEN 'ff' ELSE '00' END || substr(sha256_fingerprint, 3)
          """)
        try await store.tamper("DELETE FROM document_record")
        let result = try await Self.verify(h)
        #expect(!result.intact)
        #expect(result.firstBrokenSequence == 0)
        let found = Set(result.records.map { "\($0.table) \($0.key) \($0.auditSequence)" })
        #expect(found == [
          "application app-000001 3", "change chg-000001 5", "agency_version \(Materials.applicant)/2 5", "certificate \(try await Self.serial(h)) 1",
          "document_record  2",
          // Version 1, replayed from the (altered) application, no longer matches either.
          "agency_version \(Materials.applicant)/1 3",
          // The agency's row no longer has the district of its (altered) latest version.
          "agency \(Materials.applicant) 0",
          // The bytes of the deleted record are kept for no record now.
          "document_content \(try #require(result.records.first { $0.table == "document_content" }).key) 0",
        ], "\(result.records)")
        // Version 2 twice: its record, and its name against the (altered) change's new name.
        #expect(result.mismatchedRecords == 9)
        #expect(result.records.first { $0.table == "document_record" }?.problem.contains("deleted") == true)
      }
    }
  }

  @Test("a supervision record altered or deleted is named by its id and version", arguments: Engine.all)
  func recordVersions(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        h.as(Identities.city)
        let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
        let first = try await inspection.addInspector(.with { $0.requestId = "i1"; $0.name = "陈明"; $0.badgeNumber = "CQ-1" })
        let second = try await inspection.addInspector(.with { $0.requestId = "i2"; $0.name = "刘洋"; $0.badgeNumber = "CQ-2" })
        #expect(try await Self.verify(h).intact)
        try await store.tamper("UPDATE record_version SET content = replace(content, '陈明', '陈亮')")
        try await store.tamper("DELETE FROM record_version WHERE id = '\(second.inspectorId)'")
        let result = try await Self.verify(h)
        let found = Set(result.records.map { "\($0.table) \($0.key) \($0.auditSequence)" })
        #expect(found == [
          "record_version \(first.inspectorId)/1 \(first.receipt!.auditSequence)", "record_version  \(second.receipt!.auditSequence)",
          // Its index row names a record that has no version now.
          "record_index \(second.inspectorId) 0",
        ], "\(result.records)")
      }
    }
  }

  @Test("the newest entries cut off are found against a checkpoint saved before", arguments: Engine.all)
  func truncated(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        let checkpoint = try await Self.populate(h)
        // Cut the last entry (the change), its rows and every tree node that covers it: the
        // chain, the tree and the rows that remain are consistent with each other.
        try await store.tamper("DELETE FROM change")
        try await store.tamper("UPDATE id_sequence SET value = 0 WHERE name = 'change'")
        try await store.tamper("DELETE FROM agency_version WHERE version = 2")
        try await store.tamper("UPDATE agency SET version = 1, name = (SELECT name FROM agency_version WHERE version = 1)")
        try await store.tamper("DELETE FROM idempotency WHERE method LIKE '%FileChange'")
        try await store.tamper("DELETE FROM audit_log WHERE sequence > 4")
        try await store.tamper("DELETE FROM merkle_node WHERE (idx + 1) * (1 << CAST(level AS INTEGER)) > 4")
        #expect(try await Self.verify(h).intact, "without a checkpoint, a clean cut is invisible")
        let result = try await Self.verify(h, checkpoint: checkpoint.note)
        #expect(!result.intact)
        #expect(result.problem.contains("fewer than the 5 of the checkpoint"), "\(result.problem)")
      }
    }
  }

  @Test("an old entry rewritten, with every later hash and the tree recomputed, is found against a checkpoint", arguments: Engine.all)
  func rewritten(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        let checkpoint = try await Self.populate(h)
        // Entry 2 (the upload) now says the city uploaded it: rehash the chain from there on.
        var entries = try await store.store.auditEntries(after: 0, limit: 100)
        entries[1].actor = Identities.city
        for index in 1..<entries.count {
          let entry = entries[index]
          entries[index].previousHash = entries[index - 1].hash
          entries[index].hash = AuditLog.hash(
            sequence: entry.sequence, recordedAt: entry.recordedAt, actor: entries[index].actor, method: entry.method,
            requestSHA256: entry.requestSHA256, recordSHA256: entry.recordSHA256, previousHash: entries[index].previousHash)
          try await store.tamper(
            "UPDATE audit_log SET actor = '\(entries[index].actor)', previous_hash = '\(entries[index].previousHash)', hash = '\(entries[index].hash)' WHERE sequence = \(entry.sequence)")
        }
        // The row the entry made says so too: the rewrite is consistent.
        try await store.tamper("UPDATE document_record SET uploaded_by = '\(Identities.city)'")
        try await store.tamper("DELETE FROM merkle_node")
        try await AuditLog.catchUp(store.store, key: TestKeys.signing)
        #expect(try await Self.verify(h).intact, "without a checkpoint, a consistent rewrite is invisible")
        let result = try await Self.verify(h, checkpoint: checkpoint.note)
        #expect(!result.intact)
        #expect(result.problem.contains("no longer has its root"), "\(result.problem)")
      }
    }
  }

  @Test("a registry version rewritten with its digest recomputed is found by replaying the filings that made it", arguments: Engine.all)
  func versionReplayed(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        _ = try await Self.populate(h)
        let versions = try await store.store.agencyVersions(of: Materials.applicant)
        #expect(versions.map(\.version) == [1, 2])
        // Version 1 now says the agency is in Jiangbei, and its stored digest agrees.
        let forged = versions[0].record.replacingOccurrences(of: "500103", with: "500105")
        #expect(forged != versions[0].record)
        try await store.tamper(
          "UPDATE agency_version SET record = '\(forged)', record_sha256 = '\(Digest.sha256Hex(forged))' WHERE version = 1")
        let result = try await Self.verify(h)
        #expect(!result.intact)
        #expect(result.records.map { "\($0.table) \($0.key) \($0.auditSequence)" } == ["agency_version \(Materials.applicant)/1 3"], "\(result.records)")
        #expect(result.records.first?.problem.contains("altered") == true)
      }
    }
  }

  static func serial(_ h: RegistryHarness) async throws -> String {
    h.as(Identities.city)
    return try await h.registry.listCertificates(.with { $0.creditCode = Materials.applicant }).certificates[0].serial
  }
}
