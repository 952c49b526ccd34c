import Foundation
import PostgresNIO
import Services

// The audit log, its Merkle tree and the rows its entries cover: the same queries inside and
// outside a write transaction.
extension PostgresAccess {
  public func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditLog.Entry] {
    try await run {
      try await $0.all(.with("SELECT * FROM audit_log WHERE sequence > ? ORDER BY sequence LIMIT ?", [sequence, limit])) {
        try Rows.audit($0, prefix: "")
      }
    }
  }

  public func merkleNodes(_ ids: Set<MerkleTree.NodeID>) async throws -> [MerkleTree.NodeID: MerkleTree.Hash] {
    guard !ids.isEmpty else { return [:] }
    let sorted = ids.sorted()
    // Two arrays unnested side by side: one statement whatever the number of ids.
    let sql = SQL.with(
      "SELECT level, idx, hash FROM merkle_node WHERE (level, idx) IN (SELECT * FROM unnest(?::bigint[], ?::bigint[]))",
      [sorted.map { Int64($0.level) }, sorted.map(\.index)])
    let rows = try await run { try await $0.all(sql) { (MerkleTree.NodeID(level: try $0.int("level"), index: try $0.int64("idx")), try $0.string("hash")) } }
    var nodes: [MerkleTree.NodeID: MerkleTree.Hash] = [:]
    for (id, hash) in rows { nodes[id] = Hex.bytes(hash) }
    return nodes
  }

  public func merkleTreeSize() async throws -> Int64 {
    try await run {
      try await $0.one(SQL("SELECT COALESCE(MAX(idx) + 1, 0) AS size FROM merkle_node WHERE level = 0")) { try $0.int64("size") } ?? 0
    }
  }

  /// Streams the table's rows: PostgreSQL sends them as they are read, so memory stays flat.
  public func forEachCoveredRecord(_ table: CoveredTable, _ body: (CoveredRecord) throws -> Void) async throws {
    let (select, fieldCount) = Self.coveredColumns(table)
    try await run { connection in
      for try await row in try await connection.query(SQL("SELECT \(select) FROM \(table.rawValue)").query, logger: PostgresStore.quiet) {
        let c = Columns(row)
        var fields: [String] = []
        for index in 0..<fieldCount { fields.append(try c.optionalString("f\(index)") ?? "") }
        var columns: [String: String] = [:]
        for column in table.checkedColumns { columns[column] = try c.optionalString("c_" + column) ?? "" }
        try body(CoveredRecord(
          key: try c.string("row_key"), auditSequence: try c.optionalInt64("audit_sequence"), fields: fields,
          recordedAt: try c.optionalString("x_at"), actor: try c.optionalString("x_by"), columns: columns))
      }
    }
  }

  /// The key, entry and covered columns (`f0`, `f1`, …) of each covered table, as `CoveredTable` lists them.
  static func coveredColumns(_ table: CoveredTable) -> (String, Int) {
    let checked = [
      "\(table.timeColumn) AS x_at", "\(table.actorColumn ?? "NULL::text") AS x_by",
    ] + table.checkedColumns.map { "\($0)::text AS c_\($0)" }
    let (digest, count) = digestColumns(table)
    return (digest + ", " + checked.joined(separator: ", "), count)
  }

  static func digestColumns(_ table: CoveredTable) -> (String, Int) {
    switch table {
    case .application: ("id AS row_key, audit_sequence, materials AS f0", 1)
    case .change: ("id AS row_key, audit_sequence, after AS f0", 1)
    case .removal:
      ("id AS row_key, audit_sequence, credit_code AS f0, art16_case::text AS f1, decided_on AS f2, description AS f3", 4)
    case .certificate: ("serial AS row_key, audit_sequence, sha256_fingerprint AS f0", 1)
    case .documentRecord: ("sha256 || '/' || owner AS row_key, audit_sequence, sha256 AS f0", 1)
    case .activityVersion: ("activity_id || '/' || version AS row_key, audit_sequence, content AS f0", 1)
    case .recordVersion: ("id || '/' || version AS row_key, audit_sequence, content AS f0", 1)
    }
  }
}

extension PostgresStore {
  public func writeAudit<T: Sendable>(_ body: (any AuditTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension PostgresTransaction: AuditTransaction {
  func lastAuditEntry() async throws -> AuditLog.Entry? {
    try await one(SQL("SELECT * FROM audit_log ORDER BY sequence DESC LIMIT 1")) { try Rows.audit($0, prefix: "") }
  }

  func insertAuditEntry(_ e: AuditLog.Entry) async throws {
    insert(
      """
      INSERT INTO audit_log (sequence, recorded_at, actor, method, request_sha256, record_sha256, previous_hash, hash,
                             receipt_signature, key_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [e.sequence, e.recordedAt, e.actor, e.method, e.requestSHA256, e.recordSHA256, e.previousHash, e.hash,
       Data(e.signature).base64EncodedString(), e.keyID])
  }

  func setReceiptSignature(sequence: Int64, signature: [UInt8], keyID: String) async throws {
    try await execute(.with(
      "UPDATE audit_log SET receipt_signature = ?, key_id = ? WHERE sequence = ?",
      [Data(signature).base64EncodedString(), keyID, sequence]))
  }

  func insertMerkleNodes(_ nodes: [MerkleTree.NodeID: MerkleTree.Hash]) async throws {
    guard !nodes.isEmpty else { return }
    let sorted = nodes.sorted { $0.key < $1.key }
    insert(
      "INSERT INTO merkle_node (level, idx, hash) SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::text[])",
      [sorted.map { Int64($0.key.level) }, sorted.map(\.key.index), sorted.map { Hex.string($0.value) }])
  }
}
