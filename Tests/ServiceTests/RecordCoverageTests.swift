import Foundation
import GRPCCore
import ProtoCodec
import Services
import Testing

/// Every table of each engine is declared in `RecordCoverage`, and what the declaration says is
/// checked is: a tamper test generated from the schema alters each checked cell, deletes a row
/// and adds a copy under a new key, and `VerifyAuditLog` must report each as broken.
@Suite("Record coverage: every table declared, every checked column caught when tampered", .serialized)
struct RecordCoverageTests {
  @Test("every table, and every column of a covered or derived table, of the schema is declared", arguments: Engine.all)
  func everyTableDeclared(engine: Engine) async throws {
    try await withStore(engine) { store in
      let schema = try await store.schema()
      for (table, columns) in schema.sorted(by: { $0.key < $1.key }) {
        guard let declared = RecordCoverage.table(named: table) else {
          Issue.record("table \(table) on \(engine) is in no category of RecordCoverage: declare it covered, derived or outside the record")
          continue
        }
        #expect(declared.onlyOn == nil || declared.onlyOn == engine.rawValue, "\(table) is declared for \(declared.onlyOn ?? "")")
        guard declared.category != .outside else { continue }
        for column in columns where declared.column(column.name) == nil {
          Issue.record("column \(table).\(column.name) on \(engine) is not declared in RecordCoverage")
        }
        for column in declared.columns where !columns.contains(where: { $0.name == column.name }) {
          Issue.record("RecordCoverage declares \(table).\(column.name), which \(engine) does not have")
        }
      }
      for declared in RecordCoverage.tables where declared.onlyOn == nil || declared.onlyOn == engine.rawValue {
        #expect(schema[declared.name] != nil, "RecordCoverage declares \(declared.name), which \(engine) does not have")
      }
    }
  }

  @Test("the trust guide's table names every declared table under its category, and no other")
  func trustGuideTable() throws {
    let guide = try String(contentsOf: ServerProcess.repository.appendingPathComponent("docs/trust.md"), encoding: .utf8)
    let start = try #require(guide.range(of: "<!-- record-coverage -->")), end = try #require(guide.range(of: "<!-- /record-coverage -->"))
    var listed: [String: String] = [:]
    for line in guide[start.upperBound..<end.lowerBound].split(separator: "\n") where line.hasPrefix("| `") {
      let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
      for name in cells[0].split(separator: ",") { listed[name.trimmingCharacters(in: CharacterSet(charactersIn: " `"))] = cells[1] }
    }
    for declared in RecordCoverage.tables {
      #expect(listed[declared.name] == declared.category.rawValue, "docs/trust.md lists \(declared.name) as \(listed[declared.name] ?? "nothing")")
    }
    #expect(Set(listed.keys) == Set(RecordCoverage.tables.map(\.name)))
  }

  @Test("tables outside the record: altered, they change no answer a client reads", arguments: Engine.all)
  func outsideTablesDoNotMatter(engine: Engine) async throws {
    try await Self.withPopulatedStore(engine) { store, h in
      func answers() async throws -> [String] {
        h.as(Identities.city)
        let verification = try await AuditVerificationTests.verify(h)
        let agencies = try await h.registry.listAgencies(.init())
        // Checkpoints are issued in the background: the one that covers every entry is waited for.
        var checkpoint = try await h.audit.getCheckpoint(.init())
        for _ in 0..<50 where checkpoint.treeSize < verification.entries {
          try await Task.sleep(for: .milliseconds(50))
          checkpoint = try await h.audit.getCheckpoint(.init())
        }
        return ["\(verification.intact) \(verification.entries)", "\(agencies)", "\(checkpoint.treeSize) \(checkpoint.rootHash)"]
      }
      let before = try await answers()
      try await store.tamper("UPDATE server_metadata SET value = 'altered'")
      try await store.tamper(
        engine == .sqlite ? "UPDATE sqlite_sequence SET seq = seq + 1000" : "UPDATE write_lock SET writes = writes + 1000")
      let after = try await answers()
      #expect(after == before, "\(zip(before, after).filter { $0 != $1 })")
    }
  }

  @Test("the record every scenario of the services leaves verifies: each derived table rebuilt is what the writes made", arguments: Engine.all)
  func everyScenarioVerifies(engine: Engine) async throws {
    for scenario in ReplayTests.scenarios {
      try await withStore(engine) { store in
        let clock = scenario.clock()
        try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
          try await scenario.run(h, clock)
          let verification = try await AuditVerificationTests.verify(h)
          #expect(verification.intact && verification.entries > 0, "\(scenario.name) on \(engine): \(verification.problem) \(verification.records)")
        }
      }
    }
  }

  @Test("every table of the record, on both engines, is moved by copy-database")
  func everyRecordTableCopied() {
    for declared in RecordCoverage.tables where declared.category != .outside && declared.onlyOn == nil {
      #expect(CopiedTables.all.contains(declared.name), "copy-database does not move \(declared.name)")
    }
  }

  @Test("each checked cell altered, a row deleted, a copy added: each is reported broken", arguments: Engine.all)
  func tamperEveryCheckedColumn(engine: Engine) async throws {
    try await Self.withPopulatedStore(engine) { store, h in
      let before = try await AuditVerificationTests.verify(h)
      #expect(before.intact, "\(before.records)")
      let (cases, missed, empty, refused) = try await Self.tamperEachTable(store, h, engine: engine)
      print("record coverage on \(engine): \(cases.count) cases: \(cases.joined(separator: "; "))")
      print("record coverage on \(engine): checked tables without rows in this population: \(empty.joined(separator: ", "))")
      print("record coverage on \(engine): refused by the schema's own keys: \(refused.joined(separator: "; "))")
      #expect(missed.isEmpty, "tampering that VerifyAuditLog did not report on \(engine): \(missed)")
      #expect(cases.count > 40)
    }
  }

  @Test("a published year and a direct E: the feed and the records' index, tampered cell by cell, are reported broken", arguments: Engine.all)
  func tamperFeedAndIndex(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = CreditServiceTests.yearAgo()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        try await CreditServiceTests.publication(h, clock: clock)
        h.as(Identities.city)
        let before = try await AuditVerificationTests.verify(h)
        #expect(before.intact, "\(before.records)")
        let (cases, missed, empty, _) = try await Self.tamperEachTable(store, h, engine: engine, only: ["rating_change", "record_index"])
        print("record coverage on \(engine), a published year: \(cases.count) cases: \(cases.joined(separator: "; "))")
        #expect(empty.isEmpty, "tables without rows: \(empty)")
        #expect(missed.isEmpty, "tampering that VerifyAuditLog did not report on \(engine): \(missed)")
        #expect(cases.count >= 18)
      }
    }
  }

  /// Alters each checked cell, deletes a row and adds a copy in every covered and derived table
  /// with rows (of `only`, when given), each on its own and restored after: the cases run, those
  /// `VerifyAuditLog` did not report, the tables without rows, and those the schema refused.
  static func tamperEachTable(_ store: TestStore, _ h: RegistryHarness, engine: Engine, only: Set<String>? = nil) async throws
    -> (cases: [String], missed: [String], empty: [String], refused: [String])
  {
    let schema = try await store.schema()
    var cases: [String] = [], missed: [String] = [], empty: [String] = [], refused: [String] = []
    for declared in RecordCoverage.tables where declared.category != .outside && only?.contains(declared.name) != false {
      guard let columns = schema[declared.name] else { continue }
      let rows = try await store.query("SELECT count(*) FROM \(declared.name)").first?.first??.description ?? "0"
      let checked = declared.columns.filter(\.check.isChecked)
      guard !checked.isEmpty else { continue }
      guard rows != "0" else {
        empty.append(declared.name)
        continue
      }
      let tamper = Tamper(table: declared.name, columns: columns, engine: engine)
      var attempts: [(name: String, sql: String)] = checked.map { column in
        let name = "\(declared.name).\(column.name)"
        let sql = Self.alternatives[name].map { tamper.set(column.name, to: $0) }
          ?? tamper.alter(column.name, type: columns.first { $0.name == column.name }?.type ?? "text")
        return (name + " altered", sql)
      }
      attempts.append(("\(declared.name): a row deleted", tamper.deleteFirst))
      if declared.addedRowsFound {
        let key = try #require(Self.newKey[declared.name], "what a copy of \(declared.name) changes")
        attempts.append(("\(declared.name): a copy under a new key", tamper.copyFirst(changing: key)))
      } else if declared.category == .derived {
        attempts.append(("\(declared.name): a row twice", tamper.copyFirst(changing: [:])))
      }
      for attempt in attempts {
        try await store.tamper(tamper.save)
        do {
          try await store.tamper(attempt.sql)
        } catch {
          // A unique key or a CHECK refuses it: the schema itself prevents this one.
          refused.append(attempt.name)
          try await store.tamper(tamper.restore)
          continue
        }
        let result = try await AuditVerificationTests.verify(h)
        try await store.tamper(tamper.restore)
        cases.append(attempt.name)
        if result.intact { missed.append(attempt.name) }
      }
      #expect(try await AuditVerificationTests.verify(h).intact, "\(declared.name) restored")
    }
    return (cases, missed, empty, refused)
  }

  /// Runs `body` on a fresh store of `engine` filled by `populate`, with the harness serving it.
  static func withPopulatedStore(_ engine: Engine, _ body: (TestStore, RegistryHarness) async throws -> Void) async throws {
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        try await populate(h, clock: clock)
        try await body(store, h)
      }
    }
  }

  /// What a copy changes to make its new key: each unique column, consistently (an id and the
  /// number in it), as someone adding a row by hand would.
  static let newKey: [String: [String: String]] = [
    "application": ["id": "'app-999999'", "number": "999999"], "change": ["id": "'chg-999999'", "number": "999999"],
    "removal": ["id": "'rem-999999'"], "certificate": ["serial": "serial || 'f'"], "document_record": ["owner": "owner || '9'"],
    "agency": ["credit_code": "substr(credit_code, 1, 17) || 'Y'"], "record_index": ["id": "id || '9'"],
    "rating_change": ["cursor": "cursor + 1000"], "finding": ["id": "'fnd-999999'", "number": "999999"],
  ]

  /// Rows of a table the cases tamper with, where only some are checked: a ban on a person is
  /// not found deleted (the removal's entry does not cover whom it named), the agency's is.
  static let rowsTampered = ["ban": "subject_kind = 'agency'"]

  /// Columns of a fixed set of values (some restricted by CHECK): altered to another of them.
  static let alternatives = [
    "agency.status": "CASE status WHEN 'listed' THEN 'removed' WHEN 'removed' THEN 'enrolled' ELSE 'listed' END",
    "agency_version.status": "CASE status WHEN 'listed' THEN 'removed' ELSE 'listed' END",
    "activity.status": "CASE status WHEN 'filed' THEN 'withdrawn' ELSE 'filed' END",
    "ban.subject_kind": "CASE subject_kind WHEN 'agency' THEN 'person' ELSE 'agency' END",
    "rating_change.kind": "CASE kind WHEN 1 THEN 3 ELSE 1 END",
  ]

  /// A listed agency with an upload, an approved application, a change and a filed activity
  /// with a series of results (its index and facts); removed with a person involved (bans) and
  /// listed again after the ban (staff rows and registry versions); an inspector and a seed
  /// committed for the draw: rows in
  /// the tables the registry, filing and supervision write.
  static func populate(_ h: RegistryHarness, clock: TestClock) async throws {
    let digest = try await FilingServiceTests.listedAgency(h, clock: clock)
    h.as(Identities.agency)
    _ = try await h.registry.fileChange(.with {
      $0.requestId = "rename"; $0.creditCode = Materials.applicant; $0.kind = .name
      $0.effectiveOn = Days.china(-1, from: clock.now)
      $0.value = .with { $0.name = "重庆新名称检测有限公司" }
    })
    var content = FilingServiceTests.activity(digest: digest, now: clock.now)
    let template = content.analyses[0]
    content.analyses += ["氨氮", "总磷", "总氮", "悬浮物"].enumerated().map { index, parameter in
      var analysis = template
      analysis.parameter = parameter
      analysis.result = "\(index + 2).\(index + 1)"
      return analysis
    }
    let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
    _ = try await filing.fileActivity(.with { $0.requestId = "f1"; $0.creditCode = Materials.applicant; $0.activity = content })
    // Removed (bans on it and a person), and listed again once the ban is over.
    h.as(Identities.city)
    let decided = CalendarDate(chinaTimeOf: Int64(clock.now.timeIntervalSince1970))
    _ = try await h.registry.removeAgency(.with {
      $0.requestId = "remove"; $0.creditCode = Materials.applicant; $0.art16Case = .fakeDataPunished
      $0.decidedOn = .with { $0.year = Int32(decided.year); $0.month = Int32(decided.month); $0.day = Int32(decided.day) }
      $0.description = "forged report"; $0.evidence = [.with { $0.sha256 = digest }]
      $0.personsInvolved = [.with { $0.name = "李娜"; $0.idNumber = FilingServiceTests.li }]
    })
    clock.advance(days: 366 * 2)
    h.as(Identities.agency)
    let again = try await h.registry.submitApplication(.with {
      $0.requestId = "apply-again"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: digest, on: clock.now)
    })
    h.as(Identities.city)
    _ = try await h.registry.reviewApplication(.with { $0.requestId = "review-again"; $0.applicationId = again.applicationId; $0.decision = .approve })
    let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
    _ = try await inspection.addInspector(.with { $0.requestId = "i1"; $0.name = "陈明"; $0.badgeNumber = "CQ-1" })
    let period: Cqmon_V1_DateRange = .with { $0.start = Days.china(1, from: clock.now); $0.end = Days.china(90, from: clock.now) }
    _ = try await inspection.commitDrawSeed(.with { $0.requestId = "s1"; $0.period = period })
  }

  /// SQL that tampers with one table behind the server's back, on either engine. The table is
  /// saved whole first and put back after each case.
  struct Tamper {
    let table: String
    let columns: [(name: String, type: String)]
    let engine: Engine

    var save: String { "DROP TABLE IF EXISTS tamper_saved; CREATE TABLE tamper_saved AS SELECT * FROM \(table)" }
    var restore: String {
      let names = columns.map(\.name).joined(separator: ", ")
      return "DELETE FROM \(table); INSERT INTO \(table) (\(names)) SELECT \(names) FROM tamper_saved; DROP TABLE tamper_saved"
    }

    /// The first row's physical position (of the rows `RecordCoverageTests.rowsTampered` picks).
    private var first: String {
      let among = RecordCoverageTests.rowsTampered[table].map { " WHERE \($0)" } ?? ""
      return engine == .sqlite
        ? "rowid = (SELECT min(rowid) FROM \(table)\(among))" : "ctid = (SELECT min(ctid) FROM \(table)\(among))"
    }

    /// One cell of the first row changed, whatever its type (and a NULL given a value).
    func alter(_ column: String, type: String) -> String {
      let changed: String
      switch type {
      case _ where type.contains("int"): changed = "COALESCE(\(column) + 1000003, 1000003)"  // past any key in use
      case _ where type.contains("real") || type.contains("double"): changed = "COALESCE(\(column) + 0.5, 0.5)"
      case "boolean": changed = "NOT COALESCE(\(column), false)"
      case "bytea": changed = "COALESCE(\(column) || '\\x00'::bytea, '\\x00'::bytea)"
      // A time that was not there becomes one, as a forger would write it.
      case _ where column.hasSuffix("_at"): changed = "COALESCE(\(column) || 'x', '2024-01-12T00:00:00.000Z')"
      default: changed = "COALESCE(\(column) || 'x', 'x')"
      }
      return "UPDATE \(table) SET \(column) = \(changed) WHERE \(first)"
    }

    /// One cell of the first row set to `expression`.
    func set(_ column: String, to expression: String) -> String {
      "UPDATE \(table) SET \(column) = \(expression) WHERE \(first)"
    }

    var deleteFirst: String { "DELETE FROM \(table) WHERE \(first)" }

    /// The first row inserted again with the columns of `key` set to its expressions.
    func copyFirst(changing key: [String: String]) -> String {
      let names = columns.map(\.name)
      let values = names.map { key[$0] ?? $0 }
      return "INSERT INTO \(table) (\(names.joined(separator: ", "))) SELECT \(values.joined(separator: ", ")) FROM \(table) WHERE \(first)"
    }
  }
}
