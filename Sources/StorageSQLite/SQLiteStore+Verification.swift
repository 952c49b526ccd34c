import Foundation
import GRDB
import Services

// The reads the audit verification makes of the tables it rebuilds.

extension SQLiteStore: FilingVerificationReads {
  public func activityIDs(after: String, limit: Int) async throws -> [String] {
    try await run { db in
      try String.fetchAll(cached: db, sql: "SELECT id FROM activity WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit])
    }
  }

  public func activityIndexRows(id: String) async throws -> ActivityIndexRows {
    try await run { db in
      func lines(_ sql: String, _ line: (Row) -> String) throws -> [String] {
        try Row.fetchAll(cached: db, sql: sql, arguments: [id], line)
      }
      let number = try String.fetchOne(cached: db, sql: "SELECT CAST(number AS TEXT) FROM activity WHERE id = ?", arguments: [id])
      var rows = ActivityIndexRows(number: number)
      rows.districts = try lines("SELECT district_code, CAST(number AS TEXT) FROM activity_district WHERE activity_id = ?") {
        ActivityIndexRows.district($0[0], number: $0[1])
      }
      rows.parameters = try lines("SELECT parameter, CAST(number AS TEXT) FROM activity_parameter WHERE activity_id = ?") {
        ActivityIndexRows.parameter($0[0], number: $0[1])
      }
      rows.samplings = try lines(
        "SELECT credit_code, id_number, started_at, ended_at, latitude, longitude FROM activity_sampling WHERE activity_id = ?"
      ) {
        ActivityIndexRows.sampling(creditCode: $0[0], idNumber: $0[1], startedAt: $0[2], endedAt: $0[3], latitude: $0[4], longitude: $0[5])
      }
      rows.instruments = try lines("SELECT credit_code, instrument_id, started_at, ended_at FROM activity_instrument WHERE activity_id = ?") {
        ActivityIndexRows.instrument(creditCode: $0[0], instrumentID: $0[1], startedAt: $0[2], endedAt: $0[3])
      }
      rows.samples = try lines("SELECT credit_code, sample_id FROM activity_sample WHERE activity_id = ?") {
        ActivityIndexRows.sample(creditCode: $0[0], sampleID: $0[1])
      }
      rows.series = try lines("SELECT series FROM activity_result_series WHERE activity_id = ?") { $0[0] }
      return rows
    }
  }

  public func activityOrphans() async throws -> (unlisted: [String], stray: [(table: String, activityID: String)]) {
    try await run { db in
      let unlisted = try String.fetchAll(
        cached: db, sql: "SELECT DISTINCT activity_id FROM activity_version WHERE activity_id NOT IN (SELECT id FROM activity) ORDER BY 1")
      let stray = try Row.fetchAll(cached: db, sql: ActivityIndexTables.strayRows) { (table: $0[0] as String, activityID: $0[1] as String) }
      return (unlisted, stray)
    }
  }
}

extension SQLiteStore: SequenceVerificationReads {
  public func idSequenceValues() async throws -> [String: Int64] {
    try await run { db in
      Dictionary(try Row.fetchAll(cached: db, sql: "SELECT name, value FROM id_sequence") { ($0[0] as String, $0[1] as Int64) }) { $1 }
    }
  }

  public func greatestNumber(in sequence: IDSequence) async throws -> Int64? {
    try await run { db in
      // Removals keep their number only in the id; the other tables keep it in a column.
      guard sequence.table != "removal" else {
        return try String.fetchAll(cached: db, sql: "SELECT id FROM removal").compactMap(sequence.number(of:)).max()
      }
      guard sequence.table != "record_index" else {
        return try Int64.fetchOne(cached: db, sql: "SELECT max(number) FROM record_index WHERE id LIKE ?", arguments: [sequence.prefix + "-%"])
      }
      return try Int64.fetchOne(cached: db, sql: "SELECT max(number) FROM \(sequence.table)")
    }
  }
}

extension SQLiteStore: DocumentVerificationReads {
  public func documentContents(after: String, limit: Int) async throws -> [(sha256: String, sizeBytes: Int64)] {
    try await run { db in
      try Row.fetchAll(
        cached: db, sql: "SELECT sha256, size_bytes FROM document_content WHERE sha256 > ? ORDER BY sha256 LIMIT ?", arguments: [after, limit]
      ) { (sha256: $0[0] as String, sizeBytes: $0[1] as Int64) }
    }
  }

  public func documentOrphans() async throws -> [(table: String, key: String)] {
    try await run { db in
      try Row.fetchAll(
        cached: db,
        sql: """
          SELECT 'document_content', sha256 FROM document_content WHERE sha256 NOT IN (SELECT sha256 FROM document_record)
          UNION SELECT 'document_record', sha256 || '/' || owner FROM document_record WHERE sha256 NOT IN (SELECT sha256 FROM document_content)
          ORDER BY 1, 2
          """
      ) { (table: $0[0] as String, key: $0[1] as String) }
    }
  }
}

extension SQLiteStore: SupervisionVerificationReads {
  public func recordIndexIDs(after: String, limit: Int) async throws -> [String] {
    try await run { db in
      try String.fetchAll(cached: db, sql: "SELECT id FROM record_index WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit])
    }
  }

  public func unindexedRecordIDs() async throws -> [String] {
    try await run { db in
      try String.fetchAll(cached: db, sql: "SELECT DISTINCT id FROM record_version WHERE id NOT IN (SELECT id FROM record_index) ORDER BY id")
    }
  }

  public func drawSeeds() async throws -> [(commitmentID: String, seedHex: String)] {
    try await run { db in
      try Row.fetchAll(cached: db, sql: "SELECT commitment_id, seed FROM draw_seed ORDER BY commitment_id") {
        (commitmentID: $0[0] as String, seedHex: $0[1] as String)
      }
    }
  }
}

extension SQLiteStore: FindingVerificationReads {
  public func findingRows(after: String, limit: Int) async throws -> [(row: FindingRow, number: String?)] {
    try await run { db in
      try Row.fetchAll(
        cached: db, sql: "SELECT *, CAST(number AS TEXT) AS number_text FROM finding WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit]
      ).map { (row: FindingRow(row: $0), number: $0["number_text"]) }
    }
  }
}
