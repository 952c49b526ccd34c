import Foundation
import Services
import Testing

/// The contract every store implements, run on each engine (`Engine.all`): what each method
/// returns, paging in keyset order, filters, atomicity and serialised writes. A new store
/// method gets its test here, and passes on both engines.
@Suite("Store contract, on every engine")
struct StoreContractTests {
  static let base = Date(timeIntervalSince1970: 1_790_000_000)

  // MARK: - Fixtures

  /// Appends an audit entry and returns it, the way every write does.
  static func entry(_ tx: some WriteTransaction, _ label: String, at offset: Double = 0) async throws -> AuditLog.Entry {
    try await AuditLog.append(
      tx, key: TestKeys.signing, actor: "spiffe://cq-monitoring/bureau/city/tester", method: "test/\(label)", requestSHA256: Digest.sha256Hex(label),
      recordSHA256: Digest.sha256Hex(label + " record"), at: base.addingTimeInterval(offset))
  }

  static func code(_ index: Int) -> String { String(format: "91500000TEST%06d", index) }

  /// Enrols `count` agencies, numbered from 0; even ones listed in 500103, odd ones enrolled.
  static func agencies(_ store: any Store, count: Int) async throws {
    try await store.writeRegistry { tx in
      for index in 0..<count {
        var row = AgencyRow(creditCode: code(index), name: "机构 \(index)", status: .enrolled, enrolledAt: base)
        try await tx.insertAgency(row)
        if index % 2 == 0 {
          row.status = .listed
          row.version = 1
          row.districtCode = "500103"
          row.listedAt = base.addingTimeInterval(60)
          try await tx.insertAgencyVersion(AgencyVersionRow(
            creditCode: row.creditCode, version: 1, since: base.addingTimeInterval(60), name: row.name, status: .listed,
            record: "{\"n\":\(index)}", recordSHA256: Digest.sha256Hex("{\"n\":\(index)}")))
          try await tx.updateAgency(row)
        }
      }
    }
  }

  static func application(_ tx: some RegistryTransaction, agency: String, number: Int64, status: ApplicationRecord.Status = .rejected) async throws -> ApplicationRow {
    let row = ApplicationRow(
      id: IDSequence.application.id(number), creditCode: agency, status: status, materials: "{}", warnings: "[]",
      submittedAt: base.addingTimeInterval(Double(number)), submittedBy: "spiffe://cq-monitoring/agency/\(agency)",
      audit: try await entry(tx, "application \(number)", at: Double(number)))
    try await tx.insertApplication(row)
    return row
  }

  // MARK: - Agencies

  @Test("agencies: read back as written, versions as of an instant, updates", arguments: Engine.all)
  func agencies(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await Self.agencies(store, count: 3)
      let listed = try #require(try await store.agency(Self.code(0)))
      #expect(listed.status == .listed && listed.version == 1 && listed.districtCode == "500103" && listed.name == "机构 0")
      #expect(listed.enrolledAt == Self.base && listed.listedAt == Self.base.addingTimeInterval(60) && listed.removedAt == nil)
      #expect(try await store.agency("91500000MA5U7BCX7A") == nil)
      #expect(try await store.agencyVersion(Self.code(0), asOf: nil)?.record == "{\"n\":0}")
      #expect(try await store.agencyVersion(Self.code(0), asOf: Self.base) == nil)
      #expect(try await store.agencyVersion(Self.code(0), asOf: Self.base.addingTimeInterval(60))?.version == 1)
      #expect(try await store.agencyVersion(Self.code(1), asOf: nil) == nil)
    }
  }

  @Test("agencies: pages in credit-code order, each filter, nothing repeated or skipped", arguments: Engine.all)
  func agencyPages(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await Self.agencies(store, count: 25)
      var seen: [String] = []
      var after: String?
      repeat {
        let page = try await store.agencies(AgencyFilter(), after: after, limit: 7)
        seen += page.map(\.agency.creditCode)
        after = page.count == 7 ? page.last?.agency.creditCode : nil
      } while after != nil
      #expect(seen == (0..<25).map(Self.code))

      let listed = try await store.agencies(AgencyFilter(status: .listed), after: nil, limit: 100)
      #expect(listed.map(\.agency.creditCode) == stride(from: 0, to: 25, by: 2).map(Self.code))
      #expect(listed.allSatisfy { $0.current?.version == 1 && $0.current?.record.hasPrefix("{\"n\":") == true })
      let enrolled = try await store.agencies(AgencyFilter(status: .enrolled), after: nil, limit: 100)
      #expect(enrolled.count == 12 && enrolled.allSatisfy { $0.current == nil })
      #expect(try await store.agencies(AgencyFilter(districtCode: "500103"), after: Self.code(20), limit: 100).map(\.agency.creditCode) == [Self.code(22), Self.code(24)])
      #expect(try await store.agencies(AgencyFilter(districtCode: "500101"), after: nil, limit: 100).isEmpty)
      #expect(try await store.agencies(AgencyFilter(nameContains: "构 1"), after: nil, limit: 100).count == 11)
      #expect(try await store.agencies(AgencyFilter(status: .listed, districtCode: "500103", nameContains: "构 2"), after: nil, limit: 100).count == 4)
    }
  }

  @Test("a page never repeats or skips a row while others insert", arguments: Engine.all)
  func pagingUnderInserts(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      let agency = Self.code(1)
      try await Self.agencies(store, count: 2)
      try await store.writeRegistry { tx in
        for number in Int64(1)...30 { _ = try await Self.application(tx, agency: agency, number: number) }
      }
      // Page newest first while newer applications keep arriving: every one that existed at
      // the start is seen exactly once, in order.
      var seen: [String] = []
      var before: Int64?
      var next: Int64 = 31
      repeat {
        let page = try await store.applications(ApplicationFilter(creditCode: agency), before: before, limit: 4)
        seen += page.map(\.id)
        before = page.count == 4 ? IDSequence.application.number(of: page.last!.id) : nil
        let number = next
        try await store.writeRegistry { tx in _ = try await Self.application(tx, agency: agency, number: number) }
        next += 1
      } while before != nil
      let original = (1...30).reversed().map { IDSequence.application.id(Int64($0)) }
      #expect(Array(seen.drop { IDSequence.application.number(of: $0)! > 30 }) == original)
      #expect(Set(seen).count == seen.count)
    }
  }

  // MARK: - Certificates, applications, changes

  @Test("certificates: newest first in pages, revocation keeps the first reason, revoked serials", arguments: Engine.all)
  func certificates(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await Self.agencies(store, count: 1)
      try await store.writeRegistry { tx in
        for index in 1...5 {
          try await tx.insertCertificate(CertificateRow(
            serial: "0a0\(index)", creditCode: Self.code(0), subject: "CN=x", notBefore: Self.base, notAfter: Self.base.addingTimeInterval(86400),
            sha256Fingerprint: Digest.sha256Hex("cert \(index)"), issuedAt: Self.base, audit: try await Self.entry(tx, "cert \(index)")))
        }
        try await tx.revokeCertificate(serial: "0a02", at: Self.base.addingTimeInterval(5), reason: "key lost")
        try await tx.revokeCertificate(serial: "0a02", at: Self.base.addingTimeInterval(9), reason: "again")
      }
      let first = try await store.certificates(of: Self.code(0), before: nil, limit: 3)
      #expect(first.map(\.serial) == ["0a05", "0a04", "0a03"])
      let rest = try await store.certificates(of: Self.code(0), before: first.last!.audit.sequence, limit: 3)
      #expect(rest.map(\.serial) == ["0a02", "0a01"])
      let revoked = try #require(try await store.certificate(serial: "0a02"))
      #expect(revoked.revocationReason == "key lost" && revoked.revokedAt == Self.base.addingTimeInterval(5))
      #expect(revoked.audit.sequence == 2 && revoked.audit.method == "test/cert 2")
      #expect(try await store.revokedSerials() == ["0a02"])
      #expect(try await store.certificate(serial: "ffff") == nil)
    }
  }

  @Test("applications: the decision is saved, filters by agency and status, one pending per agency", arguments: Engine.all)
  func applications(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await Self.agencies(store, count: 2)
      try await store.writeRegistry { tx in
        _ = try await Self.application(tx, agency: Self.code(0), number: 1)
        _ = try await Self.application(tx, agency: Self.code(1), number: 2)
        var pending = try await Self.application(tx, agency: Self.code(0), number: 3, status: .pending)
        #expect(try await tx.pendingApplication(of: Self.code(0)) == "app-000003")
        pending.status = .approved
        pending.decision = .approve
        pending.reasons = "[]"
        pending.reviewedBy = "spiffe://cq-monitoring/bureau/city/tester"
        pending.reviewedAt = Self.base.addingTimeInterval(99)
        try await tx.updateApplication(pending)
      }
      let decided = try #require(try await store.application(id: "app-000003"))
      #expect(decided.status == .approved && decided.decision == .approve && decided.reviewedAt == Self.base.addingTimeInterval(99))
      #expect(decided.audit.sequence == 3 && decided.submittedAt == Self.base.addingTimeInterval(3))
      #expect(try await store.pendingApplication(of: Self.code(0)) == nil)
      #expect(try await store.applications(ApplicationFilter(), before: nil, limit: 10).map(\.id) == ["app-000003", "app-000002", "app-000001"])
      #expect(try await store.applications(ApplicationFilter(creditCode: Self.code(0)), before: nil, limit: 10).map(\.id) == ["app-000003", "app-000001"])
      #expect(try await store.applications(ApplicationFilter(status: .rejected), before: 2, limit: 10).map(\.id) == ["app-000001"])

      // The schema itself refuses a second pending application.
      await #expect(throws: StoreError.self) {
        try await store.writeRegistry { tx in
          _ = try await Self.application(tx, agency: Self.code(1), number: 4, status: .pending)
          _ = try await Self.application(tx, agency: Self.code(1), number: 5, status: .pending)
        }
      }
      #expect(try await store.application(id: "app-000004") == nil)
    }
  }

  @Test("changes, findings, removals and bans read back as written", arguments: Engine.all)
  func changesAndRemovals(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await Self.agencies(store, count: 1)
      let agency = Self.code(0)
      let day = CalendarDate(year: 2026, month: 1, day: 31)!
      try await store.writeRegistry { tx in
        for number in 1...4 {
          try await tx.insertChange(ChangeRow(
            id: IDSequence.change.id(Int64(number)), creditCode: agency, kind: number % 2 == 0 ? .address : .name, effectiveOn: day,
            dueOn: day.adding(months: 1), late: number == 3, filedAt: Self.base, filedBy: "x", before: "\"b\"", after: "\"a\"",
            documents: "[]", note: "note \(number)", version: Int64(number + 1), audit: try await Self.entry(tx, "change \(number)")))
        }
        try await tx.insertFinding(FindingRow(
          id: "fnd-000001", creditCode: agency, category: 5, source: 3, sourceID: "chg-000003", description: "late", raisedAt: Self.base, verified: true))
        try await tx.insertRemoval(RemovalRow(
          id: "rem-000001", creditCode: agency, art16Case: 2, decidedOn: day, description: "why", evidence: "[]", removalCount: 1,
          removedAt: Self.base, audit: try await Self.entry(tx, "removal")))
        try await tx.insertBan(BanRecord(subject: .agency(agency), personName: "", startsOn: day, endsOn: day.adding(years: 2), art16Case: 2, repeatOffence: false, removalID: "rem-000001"))
        try await tx.insertBan(BanRecord(subject: .person(idNumber: "11010519491231002X"), personName: "张伟", startsOn: day, endsOn: day.adding(years: 2), art16Case: 2, repeatOffence: false, removalID: "rem-000001"))
      }
      let change = try #require(try await store.change(id: "chg-000002"))
      #expect(change.kind == .address && change.effectiveOn == day && change.dueOn == CalendarDate(year: 2026, month: 2, day: 28) && change.version == 3)
      #expect(try await store.changes(ChangeFilter(creditCode: agency), before: nil, limit: 3).map(\.id) == ["chg-000004", "chg-000003", "chg-000002"])
      #expect(try await store.changes(ChangeFilter(creditCode: agency), before: 2, limit: 3).map(\.id) == ["chg-000001"])
      #expect(try await store.changes(ChangeFilter(creditCode: agency, kind: .name), before: nil, limit: 9).map(\.id) == ["chg-000003", "chg-000001"])
      #expect(try await store.changes(ChangeFilter(creditCode: agency, lateOnly: true), before: nil, limit: 9).map(\.id) == ["chg-000003"])
      #expect(try await store.changes(ChangeFilter(creditCode: Self.code(9)), before: nil, limit: 9).isEmpty)
      #expect(try await store.findings(of: agency).map(\.sourceID) == ["chg-000003"])
      let removal = try #require(try await store.removal(id: "rem-000001"))
      #expect(removal.art16Case == 2 && removal.decidedOn == day && removal.audit.method == "test/removal")
      #expect(try await store.bans(ofRemoval: "rem-000001").count == 2)
      let person = try await store.bans(on: .person(idNumber: "11010519491231002X"))
      #expect(person.map(\.personName) == ["张伟"] && person.first?.endsOn == CalendarDate(year: 2028, month: 1, day: 31))
      #expect(try await store.bans(on: .agency(agency)).first?.subject == .agency(agency))
      #expect(try await store.bans(on: .agency("11010519491231002X")).isEmpty)
    }
  }

  // MARK: - Documents

  @Test("documents: bytes once, in parts, whole; a record per owner; missing digests by owner", arguments: Engine.all)
  func documents(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      let partSize = type(of: store).documentPartSize
      let bytes = (0..<(partSize * 2 + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
      let digest = Digest.sha256Hex(bytes)
      let file = FileManager.default.temporaryDirectory.appendingPathComponent("doc-\(UUID())").path
      FileManager.default.createFile(atPath: file, contents: Data(bytes))
      defer { try? FileManager.default.removeItem(atPath: file) }
      func record(_ tx: some DocumentTransaction, owner: String, name: String) async throws -> DocumentRow {
        DocumentRow(
          sha256: digest, sizeBytes: Int64(bytes.count), fileName: name, mediaType: "application/pdf", owner: owner,
          uploadedAt: Self.base, uploadedBy: "x", audit: try await Self.entry(tx, "upload \(owner)"))
      }
      let first = try await store.writeDocuments { tx in
        #expect(try await tx.hasDocumentContents(sha256: digest) == false)
        try await tx.insertDocumentContents(sha256: digest, sizeBytes: Int64(bytes.count), contentsOf: file)
        let row = try await record(tx, owner: Self.code(0), name: "scan.pdf")
        try await tx.insertDocument(row)
        #expect(try await tx.document(sha256: digest, owner: Self.code(0)) == row)
        #expect(try await tx.hasDocumentContents(sha256: digest))
        return row
      }
      let second = try await store.writeDocuments { tx in
        let row = try await record(tx, owner: "bureau:city", name: "copy.pdf")
        try await tx.insertDocument(row)
        return row
      }
      var read: [UInt8] = []
      var index = 0
      while let part = try await store.documentPart(sha256: digest, index: index) {
        #expect(part.count <= partSize)
        read += part
        index += 1
      }
      #expect(index == 3 && read == bytes)
      #expect(try await store.document(sha256: digest, owner: "bureau:city") == second)
      #expect(try await store.document(sha256: digest, owner: nil) == first, "the first record, for officers")
      #expect(try await store.document(sha256: digest, owner: Self.code(1)) == nil)
      let absent = String(repeating: "0", count: 64)
      #expect(try await store.missingDocuments([digest, absent], owner: Self.code(0)) == [absent])
      #expect(try await store.missingDocuments([digest], owner: Self.code(1)) == [digest])
      #expect(try await store.missingDocuments([], owner: Self.code(0)) == [])
      await #expect(throws: StoreError.self) { try await store.writeDocuments { tx in try await tx.insertDocument(first) } }
    }
  }

  // MARK: - Transactions

  @Test("a transaction that throws leaves nothing behind, not even an id", arguments: Engine.all)
  func rollback(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      struct Refused: Error {}
      await #expect(throws: Refused.self) {
        try await store.writeRegistry { tx in
          try await tx.insertAgency(AgencyRow(creditCode: Self.code(0), name: "x", status: .enrolled, enrolledAt: Self.base))
          _ = try await Self.entry(tx, "doomed")
          try await tx.insertIdempotencyRecord(IdempotencyRecord(actor: "a", method: "m", requestID: "r", requestSHA256: "h", result: "{}"))
          _ = try await tx.nextNumber(in: .application)
          throw Refused()
        }
      }
      #expect(try await store.agency(Self.code(0)) == nil)
      #expect(try await store.auditEntries(after: 0, limit: 10).isEmpty)
      let (number, replay) = try await store.writeRegistry { tx in
        (try await tx.nextNumber(in: .application), try await tx.idempotencyRecord(actor: "a", method: "m", requestID: "r"))
      }
      #expect(number == 1 && replay == nil)
    }
  }

  @Test("idempotency keys and sequences", arguments: Engine.all)
  func idempotencyAndSequences(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      let key = IdempotencyRecord(actor: "spiffe://x", method: "cqmon.v1.RegistryService/SubmitApplication", requestID: "r-1", requestSHA256: "ab", result: "{\"id\":\"app-000001\"}")
      let numbers = try await store.writeRegistry { tx in
        try await tx.insertIdempotencyRecord(key)
        return [try await tx.nextNumber(in: .application), try await tx.nextNumber(in: .application), try await tx.nextNumber(in: .change)]
      }
      #expect(numbers == [1, 2, 1])
      let found = try await store.writeRegistry { tx in
        (try await tx.idempotencyRecord(actor: key.actor, method: key.method, requestID: "r-1"),
         try await tx.idempotencyRecord(actor: key.actor, method: "other", requestID: "r-1"))
      }
      #expect(found.0 == key && found.1 == nil)
      await #expect(throws: StoreError.self) { try await store.writeRegistry { tx in try await tx.insertIdempotencyRecord(key) } }
    }
  }

  @Test("write transactions are serialised: concurrent appends make one chain, no fork, no gap", arguments: Engine.all)
  func serialised(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<40 {
          group.addTask {
            try await store.writeRegistry { tx in
              _ = try await tx.nextNumber(in: .change)
              _ = try await Self.entry(tx, "concurrent \(index)")
            }
          }
        }
        try await group.waitForAll()
      }
      let verification = try await AuditLog.verify(store, batch: 7)
      #expect(verification.entries == 40 && verification.firstBroken == nil)
      #expect(try await store.writeRegistry { try await $0.nextNumber(in: .change) } == 41)
    }
  }

  @Test("concurrent writes, every third failing: each failure undoes only itself, every success is there, no gap", arguments: Engine.all)
  func failuresAmongConcurrentWrites(engine: Engine) async throws {
    struct Refused: Error {}
    try await withStore(engine, groupAge: .seconds(5)) { s in
      let store = s.store
      let before = store.writeStatistics()
      let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
        for index in 0..<60 {
          group.addTask {
            do {
              try await store.writeRegistry { tx in
                _ = try await tx.nextNumber(in: .removal)
                _ = try await Self.entry(tx, "write \(index)")
                if index % 3 == 0 { throw Refused() }
              }
              return (index, true)
            } catch is Refused {
              return (index, false)
            }
          }
        }
        return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
      }
      #expect(outcomes.values.filter { $0 }.count == 40)
      // The writes arrived together, so some shared a commit (groups stay open for seconds here,
      // however loaded the machine): the failures above were undone inside groups, by their
      // savepoints.
      let statistics = store.writeStatistics() - before
      #expect(statistics.turns == 60 && statistics.commits < statistics.turns)
      // Exactly the writes that returned are in the log, once each, in one unbroken chain; the
      // numbers the refused ones drew were given back.
      let entries = try await store.auditEntries(after: 0, limit: 100)
      #expect(Set(entries.map(\.method)) == Set(outcomes.filter { $0.value }.map { "test/write \($0.key)" }))
      #expect(try await AuditLog.verify(store).firstBroken == nil)
      #expect(try await store.writeRegistry { try await $0.nextNumber(in: .removal) } == 41)
    }
  }

  @Test("concurrent writes, every fourth breaking a unique key as its last statement: those fail as conflicts, alone", arguments: Engine.all)
  func conflictsAmongConcurrentWrites(engine: Engine) async throws {
    // The conflict comes from the body's last insert, which PostgreSQL sends only when the
    // body ends: it must still fail that write alone, as a conflict, inside its group.
    try await withStore(engine, groupAge: .seconds(5)) { s in
      let store = s.store
      let taken = IdempotencyRecord(actor: "spiffe://x", method: "m", requestID: "taken", requestSHA256: "ab", result: "{}")
      try await store.writeRegistry { try await $0.insertIdempotencyRecord(taken) }
      let before = store.writeStatistics()
      let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
        for index in 0..<40 {
          group.addTask {
            do {
              try await store.writeRegistry { tx in
                _ = try await Self.entry(tx, "write \(index)")
                var key = taken
                if index % 4 != 0 { key.requestID = "r-\(index)" }
                try await tx.insertIdempotencyRecord(key)
              }
              return (index, true)
            } catch let error as StoreError where error.code == .conflict {
              return (index, false)
            }
          }
        }
        return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
      }
      #expect(outcomes.filter { !$0.value }.map(\.key).sorted() == Array(stride(from: 0, to: 40, by: 4)))
      let statistics = store.writeStatistics() - before
      #expect(statistics.turns == 40 && statistics.commits < statistics.turns)
      let entries = try await store.auditEntries(after: 0, limit: 100)
      #expect(Set(entries.map(\.method)) == Set(outcomes.filter { $0.value }.map { "test/write \($0.key)" }))
      #expect(try await AuditLog.verify(store).firstBroken == nil)
      for index in [1, 2, 3, 5] {
        #expect(try await store.writeRegistry { try await $0.idempotencyRecord(actor: "spiffe://x", method: "m", requestID: "r-\(index)") } != nil)
      }
    }
  }

  @Test("a write in progress is invisible to readers until it commits", arguments: Engine.all)
  func isolation(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      try await store.writeRegistry { tx in
        try await tx.insertAgency(AgencyRow(creditCode: Self.code(0), name: "x", status: .enrolled, enrolledAt: Self.base))
        #expect(try await tx.agency(Self.code(0)) != nil)
        #expect(try await store.agency(Self.code(0)) == nil)
      }
      #expect(try await store.agency(Self.code(0)) != nil)
    }
  }

  @Test("the audit log reads in sequence order, a batch at a time", arguments: Engine.all)
  func auditLog(engine: Engine) async throws {
    try await withStore(engine) { s in
      let store = s.store
      let last = try await store.writeRegistry { tx in
        var last: AuditLog.Entry?
        for index in 1...5 { last = try await Self.entry(tx, "e\(index)", at: Double(index)) }
        #expect(try await tx.lastAuditEntry() == last)
        return last
      }
      #expect(try await store.auditEntries(after: 2, limit: 2).map(\.sequence) == [3, 4])
      #expect(try await store.auditEntries(after: 4, limit: 9) == [last!])
      #expect(last?.recordedAt == "2026-09-21T14:13:25.000Z")
    }
  }
}
