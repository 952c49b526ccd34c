import Foundation
import PostgresNIO
import Services

// The reads the audit verification makes of the tables it rebuilds.

extension PostgresStore: FilingVerificationReads {
  public func activityIDs(after: String, limit: Int) async throws -> [String] {
    try await run { try await $0.all(.with("SELECT id FROM activity WHERE id > ? ORDER BY id LIMIT ?", [after, Int64(limit)])) { try $0.string("id") } }
  }

  public func activityIndexRows(id: String) async throws -> ActivityIndexRows {
    try await run { connection in
      func lines(_ sql: String, _ line: (Columns) throws -> String) async throws -> [String] {
        try await connection.all(.with(sql, [id]), line)
      }
      let number = try await connection.one(.with("SELECT number::text AS number FROM activity WHERE id = ?", [id])) {
        try $0.optionalString("number")
      } ?? nil
      var rows = ActivityIndexRows(number: number)
      rows.districts = try await lines("SELECT district_code, number::text AS number FROM activity_district WHERE activity_id = ?") {
        ActivityIndexRows.district(try $0.string("district_code"), number: try $0.optionalString("number"))
      }
      rows.parameters = try await lines("SELECT parameter, number::text AS number FROM activity_parameter WHERE activity_id = ?") {
        ActivityIndexRows.parameter(try $0.string("parameter"), number: try $0.optionalString("number"))
      }
      rows.samplings = try await lines(
        "SELECT credit_code, id_number, started_at, ended_at, latitude, longitude FROM activity_sampling WHERE activity_id = ?"
      ) {
        ActivityIndexRows.sampling(
          creditCode: try $0.string("credit_code"), idNumber: try $0.string("id_number"), startedAt: try $0.string("started_at"),
          endedAt: try $0.string("ended_at"), latitude: try $0.double("latitude"), longitude: try $0.double("longitude"))
      }
      rows.instruments = try await lines(
        "SELECT credit_code, instrument_id, started_at, ended_at FROM activity_instrument WHERE activity_id = ?"
      ) {
        ActivityIndexRows.instrument(
          creditCode: try $0.string("credit_code"), instrumentID: try $0.string("instrument_id"), startedAt: try $0.string("started_at"),
          endedAt: try $0.string("ended_at"))
      }
      rows.samples = try await lines("SELECT credit_code, sample_id FROM activity_sample WHERE activity_id = ?") {
        ActivityIndexRows.sample(creditCode: try $0.string("credit_code"), sampleID: try $0.string("sample_id"))
      }
      rows.series = try await lines("SELECT series FROM activity_result_series WHERE activity_id = ?") { try $0.string("series") }
      return rows
    }
  }

  public func activityOrphans() async throws -> (unlisted: [String], stray: [(table: String, activityID: String)]) {
    try await run { connection in
      let unlisted = try await connection.all(.with(
        "SELECT DISTINCT activity_id FROM activity_version WHERE activity_id NOT IN (SELECT id FROM activity) ORDER BY 1", [])
      ) { try $0.string("activity_id") }
      let stray = try await connection.all(.with(ActivityIndexTables.strayRows, [])) {
        (table: try $0.string("tbl"), activityID: try $0.string("activity_id"))
      }
      return (unlisted, stray)
    }
  }
}

extension PostgresStore: SequenceVerificationReads {
  public func idSequenceValues() async throws -> [String: Int64] {
    let rows = try await run {
      try await $0.all(.with("SELECT name, value FROM id_sequence", [])) { (try $0.string("name"), try $0.int64("value")) }
    }
    return Dictionary(rows) { $1 }
  }

  public func greatestNumber(in sequence: IDSequence) async throws -> Int64? {
    try await run { connection in
      // Removals keep their number only in the id; the other tables keep it in a column.
      guard sequence.table != "removal" else {
        return try await connection.all(.with("SELECT id FROM removal", [])) { try $0.string("id") }.compactMap(sequence.number(of:)).max()
      }
      guard sequence.table != "record_index" else {
        return try await connection.one(.with("SELECT max(number) AS greatest FROM record_index WHERE id LIKE ?", [sequence.prefix + "-%"])) {
          try $0.optionalInt64("greatest")
        } ?? nil
      }
      return try await connection.one(.with("SELECT max(number) AS greatest FROM \(sequence.table)", [])) { try $0.optionalInt64("greatest") } ?? nil
    }
  }
}

extension PostgresStore: DocumentVerificationReads {
  public func documentContents(after: String, limit: Int) async throws -> [(sha256: String, sizeBytes: Int64)] {
    try await run {
      try await $0.all(.with("SELECT sha256, size_bytes FROM document_content WHERE sha256 > ? ORDER BY sha256 LIMIT ?", [after, Int64(limit)])) {
        (sha256: try $0.string("sha256"), sizeBytes: try $0.int64("size_bytes"))
      }
    }
  }

  public func documentOrphans() async throws -> [(table: String, key: String)] {
    try await run {
      try await $0.all(.with(
        """
        SELECT 'document_content' AS tbl, sha256 AS key FROM document_content WHERE sha256 NOT IN (SELECT sha256 FROM document_record)
        UNION SELECT 'document_record', sha256 || '/' || owner FROM document_record WHERE sha256 NOT IN (SELECT sha256 FROM document_content)
        UNION SELECT DISTINCT 'document_part', sha256 || '/' || part FROM document_part WHERE sha256 NOT IN (SELECT sha256 FROM document_content)
        ORDER BY 1, 2
        """, [])
      ) { (table: try $0.string("tbl"), key: try $0.string("key")) }
    }
  }
}

extension PostgresStore: SupervisionVerificationReads {
  public func recordIndexIDs(after: String, limit: Int) async throws -> [String] {
    try await run { try await $0.all(.with("SELECT id FROM record_index WHERE id > ? ORDER BY id LIMIT ?", [after, Int64(limit)])) { try $0.string("id") } }
  }

  public func unindexedRecordIDs() async throws -> [String] {
    try await run {
      try await $0.all(.with("SELECT DISTINCT id FROM record_version WHERE id NOT IN (SELECT id FROM record_index) ORDER BY id", [])) {
        try $0.string("id")
      }
    }
  }

  public func drawSeeds() async throws -> [(commitmentID: String, seedHex: String)] {
    try await run {
      try await $0.all(.with("SELECT commitment_id, seed FROM draw_seed ORDER BY commitment_id", [])) {
        (commitmentID: try $0.string("commitment_id"), seedHex: try $0.string("seed"))
      }
    }
  }
}

extension PostgresStore: FindingVerificationReads {
  public func findingRows(after: String, limit: Int) async throws -> [(row: FindingRow, number: String?)] {
    try await run {
      try await $0.all(.with("SELECT *, number::text AS number_text FROM finding WHERE id > ? ORDER BY id LIMIT ?", [after, Int64(limit)])) {
        (row: try Rows.finding($0), number: try $0.optionalString("number_text"))
      }
    }
  }
}
