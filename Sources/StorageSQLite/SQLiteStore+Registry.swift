import Foundation
import GRDB
import Services

/// The registry's queries, once for reads outside and inside a transaction.
extension SQLiteAccess {
  public func idempotencyRecord(actor: String, method: String, requestID: String) async throws -> IdempotencyRecord? {
    try await run { db in
      try IdempotencyRecord.fetchOne(
        cached: db, sql: "SELECT * FROM idempotency WHERE actor = ? AND method = ? AND request_id = ?", arguments: [actor, method, requestID])
    }
  }

  public func agency(_ creditCode: String) async throws -> AgencyRow? {
    try await run { db in try AgencyRow.fetchOne(db, key: creditCode) }
  }

  public func agencyVersion(_ creditCode: String, asOf: Date?) async throws -> AgencyVersionRow? {
    let bound = asOf.map(Timestamps.format)
    return try await run { db in
      try AgencyVersionRow.fetchOne(
        cached: db, sql: "SELECT * FROM agency_version WHERE credit_code = ? AND (? IS NULL OR since <= ?) ORDER BY version DESC LIMIT 1",
        arguments: [creditCode, bound, bound])
    }
  }

  public func agencies(_ filter: AgencyFilter, after: String?, limit: Int) async throws -> [AgencyListing] {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if let after { conditions.append("g.credit_code > ?"); arguments += [after] }
    if let status = filter.status { conditions.append("g.status = ?"); arguments += [status.rawValue] }
    if !filter.districtCode.isEmpty { conditions.append("g.district_code = ?"); arguments += [filter.districtCode] }
    if !filter.nameContains.isEmpty { conditions.append("instr(g.name, ?) > 0"); arguments += [filter.nameContains] }
    arguments += [limit]
    let sql = """
      SELECT g.*, v.version AS v_version, v.since AS v_since, v.name AS v_name, v.status AS v_status, v.record AS v_record,
             v.record_sha256 AS v_record_sha256
      FROM agency g LEFT JOIN agency_version v ON v.credit_code = g.credit_code AND v.version = g.version
      \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
      ORDER BY g.credit_code LIMIT ?
      """
    let query = sql
    let bound = arguments
    return try await run { db in
      try Row.fetchAll(db, sql: query, arguments: bound).map {
        AgencyListing(agency: AgencyRow(row: $0), current: AgencyVersionRow(joined: $0))
      }
    }
  }

  public func certificate(serial: String) async throws -> CertificateRow? {
    try await run { db in
      try CertificateRow.fetchOne(
        cached: db, sql: "SELECT c.*, \(AuditLog.Entry.joined) FROM certificate c JOIN audit_log a ON a.sequence = c.audit_sequence WHERE c.serial = ?",
        arguments: [serial])
    }
  }

  public func certificates(of creditCode: String, before: Int64?, limit: Int) async throws -> [CertificateRow] {
    try await run { db in
      try CertificateRow.fetchAll(
        cached: db, sql: """
          SELECT c.*, \(AuditLog.Entry.joined) FROM certificate c JOIN audit_log a ON a.sequence = c.audit_sequence
          WHERE c.credit_code = ? AND (? IS NULL OR c.audit_sequence < ?) ORDER BY c.audit_sequence DESC LIMIT ?
          """,
        arguments: [creditCode, before, before, limit])
    }
  }

  public func revokedSerials() async throws -> [String] {
    try await run { db in try String.fetchAll(cached: db, sql: "SELECT serial FROM certificate WHERE revoked_at IS NOT NULL") }
  }

  public func application(id: String) async throws -> ApplicationRow? {
    try await run { db in
      try ApplicationRow.fetchOne(
        cached: db, sql: "SELECT p.*, \(AuditLog.Entry.joined) FROM application p JOIN audit_log a ON a.sequence = p.audit_sequence WHERE p.id = ?",
        arguments: [id])
    }
  }

  public func pendingApplication(of creditCode: String) async throws -> String? {
    try await run { db in
      try String.fetchOne(cached: db, sql: "SELECT id FROM application WHERE credit_code = ? AND status = 'pending'", arguments: [creditCode])
    }
  }

  public func applications(_ filter: ApplicationFilter, before: Int64?, limit: Int) async throws -> [ApplicationRow] {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if let before { conditions.append("p.number < ?"); arguments += [before] }
    if !filter.creditCode.isEmpty { conditions.append("p.credit_code = ?"); arguments += [filter.creditCode] }
    if let status = filter.status { conditions.append("p.status = ?"); arguments += [status.rawValue] }
    arguments += [limit]
    let sql = """
      SELECT p.*, \(AuditLog.Entry.joined) FROM application p JOIN audit_log a ON a.sequence = p.audit_sequence
      \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY p.number DESC LIMIT ?
      """
    let bound = arguments
    return try await run { db in try ApplicationRow.fetchAll(db, sql: sql, arguments: bound) }
  }

  public func change(id: String) async throws -> ChangeRow? {
    try await run { db in
      try ChangeRow.fetchOne(
        cached: db, sql: "SELECT c.*, \(AuditLog.Entry.joined) FROM change c JOIN audit_log a ON a.sequence = c.audit_sequence WHERE c.id = ?",
        arguments: [id])
    }
  }

  public func changes(_ filter: ChangeFilter, before: Int64?, limit: Int) async throws -> [ChangeRow] {
    var conditions = ["c.credit_code = ?"]
    var arguments: StatementArguments = [filter.creditCode]
    if let before { conditions.append("c.number < ?"); arguments += [before] }
    if let kind = filter.kind { conditions.append("c.kind = ?"); arguments += [kind.rawValue] }
    if filter.lateOnly { conditions.append("c.late") }
    arguments += [limit]
    let sql = """
      SELECT c.*, \(AuditLog.Entry.joined) FROM change c JOIN audit_log a ON a.sequence = c.audit_sequence
      WHERE \(conditions.joined(separator: " AND ")) ORDER BY c.number DESC LIMIT ?
      """
    let bound = arguments
    return try await run { db in try ChangeRow.fetchAll(db, sql: sql, arguments: bound) }
  }

  public func findings(of creditCode: String) async throws -> [FindingRow] {
    try await run { db in
      try FindingRow.fetchAll(cached: db, sql: "SELECT * FROM finding WHERE credit_code = ? ORDER BY raised_at, id", arguments: [creditCode])
    }
  }

  public func agencyVersions(of creditCode: String) async throws -> [AgencyVersionRow] {
    try await run { db in
      try AgencyVersionRow.fetchAll(cached: db, sql: "SELECT * FROM agency_version WHERE credit_code = ? ORDER BY version", arguments: [creditCode])
    }
  }

  public func agenciesEmploying(_ idNumbers: [String]) async throws -> [(idNumber: String, creditCode: String)] {
    guard !idNumbers.isEmpty else { return [] }
    return try await run { db in
      try Row.fetchAll(
        cached: db, sql: "SELECT id_number, credit_code FROM agency_staff WHERE id_number IN (\(Database.placeholders(idNumbers.count)))",
        arguments: StatementArguments(idNumbers)
      ) { (idNumber: $0[0] as String, creditCode: $0[1] as String) }
    }
  }

  public func allAgencyStaff() async throws -> [(creditCode: String, idNumber: String)] {
    try await run { db in
      try Row.fetchAll(cached: db, sql: "SELECT credit_code, id_number FROM agency_staff ORDER BY credit_code, id_number") {
        (creditCode: $0[0] as String, idNumber: $0[1] as String)
      }
    }
  }

  public func certifiedAgencies() async throws -> Set<String> {
    Set(try await run { db in try String.fetchAll(cached: db, sql: "SELECT DISTINCT credit_code FROM certificate") })
  }

  public func strayBans() async throws -> [String] {
    try await run { db in
      try String.fetchAll(cached: db, sql: "SELECT DISTINCT removal_id FROM ban WHERE removal_id NOT IN (SELECT id FROM removal) ORDER BY 1")
    }
  }

  public func removals(of creditCode: String) async throws -> [RemovalRow] {
    try await run { db in
      try RemovalRow.fetchAll(
        cached: db, sql: """
          SELECT r.*, \(AuditLog.Entry.joined) FROM removal r JOIN audit_log a ON a.sequence = r.audit_sequence
          WHERE r.credit_code = ? ORDER BY r.audit_sequence
          """,
        arguments: [creditCode])
    }
  }

  public func removal(id: String) async throws -> RemovalRow? {
    try await run { db in
      try RemovalRow.fetchOne(
        cached: db, sql: "SELECT r.*, \(AuditLog.Entry.joined) FROM removal r JOIN audit_log a ON a.sequence = r.audit_sequence WHERE r.id = ?",
        arguments: [id])
    }
  }

  public func bans(on subject: BanRecord.Subject) async throws -> [BanRecord] {
    let (kind, value) = switch subject {
    case .agency(let code): ("agency", code)
    case .person(let id): ("person", id)
    }
    return try await run { db in
      try BanRecord.fetchAll(
        cached: db, sql: "SELECT * FROM ban WHERE subject = ? AND subject_kind = ? ORDER BY ends_on DESC, id", arguments: [value, kind])
    }
  }

  public func bans(ofRemoval removalID: String) async throws -> [BanRecord] {
    try await run { db in
      try BanRecord.fetchAll(cached: db, sql: "SELECT * FROM ban WHERE removal_id = ? ORDER BY ends_on DESC, id", arguments: [removalID])
    }
  }

  public func missingDocuments(_ digests: [String], owner: String) async throws -> Set<String> {
    guard !digests.isEmpty else { return [] }
    return try await run { db in
      let present = Set(try String.fetchAll(
        cached: db, sql: "SELECT sha256 FROM document_record WHERE owner = ? AND sha256 IN (\(Database.placeholders(digests.count)))",
        arguments: StatementArguments([owner] + digests)))
      return Set(digests).subtracting(present)
    }
  }

  public func document(sha256: String, owner: String?) async throws -> DocumentRow? {
    try await run { db in
      try DocumentRow.fetchOne(
        cached: db, sql: """
          SELECT d.*, c.size_bytes, \(AuditLog.Entry.joined) FROM document_record d
          JOIN document_content c ON c.sha256 = d.sha256 JOIN audit_log a ON a.sequence = d.audit_sequence
          WHERE d.sha256 = ? AND (? IS NULL OR d.owner = ?) ORDER BY d.audit_sequence LIMIT 1
          """,
        arguments: [sha256, owner, owner])
    }
  }
}

extension SQLiteStore: RegistryStore {
  public func writeRegistry<T: Sendable>(_ body: (any RegistryTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension SQLiteTransaction: RegistryTransaction {
  func insertIdempotencyRecord(_ record: IdempotencyRecord) async throws { try await insert(record) }

  func nextNumber(in sequence: IDSequence) async throws -> Int64 {
    try await run { db in
      guard let value = try Int64.fetchOne(
        cached: db, sql: "UPDATE id_sequence SET value = value + 1 WHERE name = ? RETURNING value", arguments: [sequence.name])
      else {
        try db.executeCached(sql: "INSERT INTO id_sequence (name, value) VALUES (?, 1)", arguments: [sequence.name])
        return 1
      }
      return value
    }
  }

  func insertAgency(_ row: AgencyRow) async throws { try await insert(row) }
  func updateAgency(_ row: AgencyRow) async throws { try await run { db in try row.update(db) } }
  func insertAgencyVersion(_ row: AgencyVersionRow) async throws { try await insert(row) }

  func replaceAgencyStaff(creditCode: String, idNumbers: [String]) async throws {
    try await run { db in
      try db.executeCached(sql: "DELETE FROM agency_staff WHERE credit_code = ?", arguments: [creditCode])
      for id in Set(idNumbers) {
        try db.executeCached(sql: "INSERT INTO agency_staff (id_number, credit_code) VALUES (?, ?)", arguments: [id, creditCode])
      }
    }
  }
  func insertCertificate(_ row: CertificateRow) async throws { try await insert(row) }

  func revokeCertificate(serial: String, at instant: Date, reason: String) async throws {
    try await run { db in
      try db.executeCached(
        sql: "UPDATE certificate SET revoked_at = COALESCE(revoked_at, ?), revocation_reason = COALESCE(revocation_reason, ?) WHERE serial = ?",
        arguments: [Timestamps.format(instant), reason, serial])
    }
  }

  func insertApplication(_ row: ApplicationRow) async throws { try await insert(row) }
  func updateApplication(_ row: ApplicationRow) async throws { try await run { db in try row.update(db) } }
  func insertChange(_ row: ChangeRow) async throws { try await insert(row) }
  func insertFinding(_ row: FindingRow) async throws { try await insert(row) }
  func insertRemoval(_ row: RemovalRow) async throws { try await insert(row) }
  func insertBan(_ ban: BanRecord) async throws { try await insert(ban) }

  private func insert(_ record: some PersistableRecord & Sendable) async throws {
    try await run { db in try record.insert(db) }
  }
}
