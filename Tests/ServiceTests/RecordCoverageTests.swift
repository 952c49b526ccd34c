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

  @Test("every table of the record, on both engines, is moved by copy-database")
  func everyRecordTableCopied() {
    for declared in RecordCoverage.tables where declared.category != .outside && declared.onlyOn == nil {
      #expect(CopiedTables.all.contains(declared.name), "copy-database does not move \(declared.name)")
    }
  }

  @Test("each checked cell altered, a row deleted, a copy added: each is reported broken", arguments: Engine.all)
  func tamperEveryCheckedColumn(engine: Engine) async throws {
    try await withStore(engine) { store in
      try await RegistryHarness.run(store: store.store) { h in
        try await Self.populate(h)
        #expect(try await AuditVerificationTests.verify(h).intact)
        let schema = try await store.schema()
        var cases: [String] = [], missed: [String] = [], empty: [String] = []
        for declared in RecordCoverage.tables where declared.category != .outside {
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
          if declared.category == .covered || declared.name == "agency" {
            attempts.append(("\(declared.name): a row deleted", tamper.deleteFirst))
          }
          if declared.addedRowsFound {
            let key = try #require(Self.newKey[declared.name], "what a copy of \(declared.name) changes")
            attempts.append(("\(declared.name): a copy under a new key", tamper.copyFirst(changing: key)))
          }
          for attempt in attempts {
            try await store.tamper(tamper.save)
            try await store.tamper(attempt.sql)
            let result = try await AuditVerificationTests.verify(h)
            try await store.tamper(tamper.restore)
            cases.append(attempt.name)
            if result.intact { missed.append(attempt.name) }
          }
          #expect(try await AuditVerificationTests.verify(h).intact, "\(declared.name) restored")
        }
        print("record coverage on \(engine): \(cases.count) cases: \(cases.joined(separator: "; "))")
        print("record coverage on \(engine): checked tables without rows in this population: \(empty.joined(separator: ", "))")
        #expect(missed.isEmpty, "tampering that VerifyAuditLog did not report on \(engine): \(missed)")
        #expect(cases.count > 40)
      }
    }
  }

  /// What a copy changes to make its new key: each unique column, consistently (an id and the
  /// number in it), as someone adding a row by hand would.
  static let newKey: [String: [String: String]] = [
    "application": ["id": "'app-999999'", "number": "999999"], "change": ["id": "'chg-999999'", "number": "999999"],
    "removal": ["id": "'rem-999999'"], "certificate": ["serial": "serial || 'f'"], "document_record": ["owner": "owner || '9'"],
    "agency": ["credit_code": "substr(credit_code, 1, 17) || 'Y'"],
  ]

  /// Columns of a fixed set of values (some restricted by CHECK): altered to another of them.
  static let alternatives = [
    "agency.status": "CASE status WHEN 'listed' THEN 'removed' WHEN 'removed' THEN 'enrolled' ELSE 'listed' END",
    "agency_version.status": "CASE status WHEN 'listed' THEN 'removed' ELSE 'listed' END",
  ]

  /// A listed agency with an upload, an approved application and a change (staff rows and
  /// registry versions with them), and an inspector: rows in the tables the registry and
  /// supervision write.
  static func populate(_ h: RegistryHarness) async throws {
    _ = try await AuditVerificationTests.populate(h)
    h.as(Identities.city)
    let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
    _ = try await inspection.addInspector(.with { $0.requestId = "i1"; $0.name = "陈明"; $0.badgeNumber = "CQ-1" })
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

    /// The first row's physical position.
    private var first: String {
      engine == .sqlite
        ? "rowid = (SELECT min(rowid) FROM \(table))" : "ctid = (SELECT min(ctid) FROM \(table))"
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
