import Foundation
import GRDB
import Services

// The audit log, its Merkle tree and the rows its entries cover: the same queries inside and
// outside a write transaction.
extension SQLiteAccess {
  public func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditLog.Entry] {
    try await run { db in
      try AuditLog.Entry.fetchAll(cached: db, sql: "SELECT * FROM audit_log WHERE sequence > ? ORDER BY sequence LIMIT ?", arguments: [sequence, limit])
    }
  }

  public func merkleNodes(_ ids: Set<MerkleTree.NodeID>) async throws -> [MerkleTree.NodeID: MerkleTree.Hash] {
    guard !ids.isEmpty else { return [:] }
    let sorted = ids.sorted()
    return try await run { db in
      var nodes: [MerkleTree.NodeID: MerkleTree.Hash] = [:]
      // At most a few hundred ids (O(log² n)), in one statement: a join of the ids against the
      // primary key, a lookup each. (`(level, idx) IN (VALUES …)` reads the whole table.)
      let placeholders = Array(repeating: "(?, ?)", count: sorted.count).joined(separator: ", ")
      var arguments = StatementArguments()
      for id in sorted { arguments += [id.level, id.index] }
      // Cached: the text varies only with the number of ids.
      let statement = try db.cachedStatement(
        sql: """
          SELECT m.level, m.idx, m.hash FROM (VALUES \(placeholders)) AS wanted
          JOIN merkle_node m ON m.level = wanted.column1 AND m.idx = wanted.column2
          """)
      let rows = try Row.fetchCursor(statement, arguments: arguments)
      while let row = try rows.next() {
        nodes[MerkleTree.NodeID(level: row[0], index: row[1])] = Hex.bytes(row[2])
      }
      return nodes
    }
  }

  public func merkleTreeSize() async throws -> Int64 {
    try await run { db in try Int64.fetchOne(cached: db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM merkle_node WHERE level = 0") ?? 0 }
  }

  /// Pages of rows in rowid order, so that the whole table is read without holding it.
  public func forEachCoveredRecord(_ table: CoveredTable, _ body: (CoveredRecord) throws -> Void) async throws {
    let select = Self.coveredColumns(table)
    var after: Int64 = 0
    while true {
      let position = after
      let page = try await run { db in
        try Row.fetchAll(
          cached: db, sql: "SELECT rowid AS position, \(select) FROM \(table.rawValue) WHERE rowid > ? ORDER BY rowid LIMIT 500",
          arguments: [position]
        ).map { row in
          var fields: [String] = []
          var index = 0
          while row.hasColumn("f\(index)") {
            fields.append(row["f\(index)"] ?? "")
            index += 1
          }
          var columns: [String: String] = [:]
          for column in table.checkedColumns { columns[column] = row["c_" + column] ?? "" }
          let record = CoveredRecord(
            key: row["row_key"], auditSequence: row["audit_sequence"], fields: fields, recordedAt: row["x_at"], actor: row["x_by"],
            columns: columns)
          return (row["position"] as Int64, record)
        }
      }
      for (position, record) in page {
        after = position
        try body(record)
      }
      if page.count < 500 { return }
    }
  }

  /// The key, entry and covered columns (`f0`, `f1`, …) of each covered table, as `CoveredTable` lists them.
  static func coveredColumns(_ table: CoveredTable) -> String {
    let checked = [
      "\(table.timeColumn) AS x_at", "\(table.actorColumn ?? "NULL") AS x_by",
    ] + table.checkedColumns.map { "CAST(\($0) AS TEXT) AS c_\($0)" }
    return digestColumns(table) + ", " + checked.joined(separator: ", ")
  }

  static func digestColumns(_ table: CoveredTable) -> String {
    switch table {
    case .application: "id AS row_key, audit_sequence, materials AS f0"
    case .change: "id AS row_key, audit_sequence, after AS f0"
    case .removal:
      "id AS row_key, audit_sequence, credit_code AS f0, CAST(art16_case AS TEXT) AS f1, decided_on AS f2, description AS f3"
    case .certificate: "serial AS row_key, audit_sequence, sha256_fingerprint AS f0"
    case .documentRecord: "sha256 || '/' || owner AS row_key, audit_sequence, sha256 AS f0"
    case .activityVersion: "activity_id || '/' || version AS row_key, audit_sequence, content AS f0"
    case .recordVersion: "id || '/' || version AS row_key, audit_sequence, content AS f0"
    }
  }
}

extension SQLiteStore {
  public func writeAudit<T: Sendable>(_ body: (any AuditTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension AuditFile {
  func writeAudit<T: Sendable>(_ body: (any AuditTransaction) async throws -> T) async throws -> T {
    throw StoreError(.unavailable, "a backup file is read only")
  }
}

extension SQLiteTransaction: AuditTransaction {
  func lastAuditEntry() async throws -> AuditLog.Entry? {
    try await run { db in try AuditLog.Entry.fetchOne(cached: db, sql: "SELECT * FROM audit_log ORDER BY sequence DESC LIMIT 1") }
  }

  func insertAuditEntry(_ entry: AuditLog.Entry) async throws {
    try await run { db in try entry.insert(db) }
  }

  func setReceiptSignature(sequence: Int64, signature: [UInt8], keyID: String) async throws {
    try await run { db in
      try db.executeCached(
        sql: "UPDATE audit_log SET receipt_signature = ?, key_id = ? WHERE sequence = ?",
        arguments: [Data(signature).base64EncodedString(), keyID, sequence])
    }
  }

  func insertMerkleNodes(_ nodes: [MerkleTree.NodeID: MerkleTree.Hash]) async throws {
    try await run { db in
      for (id, hash) in nodes {
        try db.executeCached(sql: "INSERT INTO merkle_node (level, idx, hash) VALUES (?, ?, ?)", arguments: [id.level, id.index, Hex.string(hash)])
      }
    }
  }
}
