import Foundation
import PostgresNIO
import Services

/// The registry's queries, once for reads outside and inside a transaction.
extension PostgresAccess {
  public func idempotencyRecord(actor: String, method: String, requestID: String) async throws -> IdempotencyRecord? {
    try await run { try await $0.one(.with(
      "SELECT * FROM idempotency WHERE actor = ? AND method = ? AND request_id = ?", [actor, method, requestID])) { c in
      IdempotencyRecord(
        actor: try c.string("actor"), method: try c.string("method"), requestID: try c.string("request_id"),
        requestSHA256: try c.string("request_sha256"), result: try c.optionalString("result"))
    } }
  }

  public func agency(_ creditCode: String) async throws -> AgencyRow? {
    try await run { try await $0.one(.with("SELECT * FROM agency WHERE credit_code = ?", [creditCode]), Rows.agency) }
  }

  public func agencyVersion(_ creditCode: String, asOf: Date?) async throws -> AgencyVersionRow? {
    var sql = SQL("SELECT * FROM agency_version WHERE credit_code = ")
    sql.bind(creditCode)
    if let asOf {
      sql.add(" AND since <= ")
      sql.bind(Timestamps.format(asOf))
    }
    sql.add(" ORDER BY version DESC LIMIT 1")
    let query = sql
    return try await run { try await $0.one(query) { try Rows.agencyVersion($0) } }
  }

  public func agencies(_ filter: AgencyFilter, after: String?, limit: Int) async throws -> [AgencyListing] {
    var sql = SQL("""
      SELECT g.*, v.version AS v_version, v.since AS v_since, v.name AS v_name, v.status AS v_status, v.record AS v_record,
             v.record_sha256 AS v_record_sha256
      FROM agency g LEFT JOIN agency_version v ON v.credit_code = g.credit_code AND v.version = g.version WHERE TRUE
      """)
    if let after { sql.add(" AND g.credit_code > "); sql.bind(after) }
    if let status = filter.status { sql.add(" AND g.status = "); sql.bind(status.rawValue) }
    if !filter.districtCode.isEmpty { sql.add(" AND g.district_code = "); sql.bind(filter.districtCode) }
    if !filter.nameContains.isEmpty { sql.add(" AND strpos(g.name, "); sql.bind(filter.nameContains); sql.add(") > 0") }
    sql.add(" ORDER BY g.credit_code LIMIT ")
    sql.bind(limit)
    let query = sql
    return try await run { connection in
      try await connection.all(query) { c in
        AgencyListing(agency: try Rows.agency(c), current: try c.optionalInt64("v_version") == nil ? nil : try Rows.agencyVersion(c, prefix: "v_"))
      }
    }
  }

  public func certificate(serial: String) async throws -> CertificateRow? {
    try await run {
      try await $0.one(.with(
        "SELECT c.*, \(Rows.joinedAudit) FROM certificate c JOIN audit_log a ON a.sequence = c.audit_sequence WHERE c.serial = ?",
        [serial]), Rows.certificate)
    }
  }

  public func certificates(of creditCode: String, before: Int64?, limit: Int) async throws -> [CertificateRow] {
    var sql = SQL("SELECT * FROM certificate WHERE credit_code = ")
    sql.bind(creditCode)
    if let before { sql.add(" AND audit_sequence < "); sql.bind(before) }
    sql.add(" ORDER BY audit_sequence DESC LIMIT ")
    sql.bind(limit)
    sql = Rows.withReceipts(sql, order: "audit_sequence DESC")
    let query = sql
    return try await run { try await $0.all(query, Rows.certificate) }
  }

  public func revokedSerials() async throws -> [String] {
    try await run { try await $0.all(SQL("SELECT serial FROM certificate WHERE revoked_at IS NOT NULL")) { try $0.string("serial") } }
  }

  public func application(id: String) async throws -> ApplicationRow? {
    try await run {
      try await $0.one(.with(
        "SELECT p.*, \(Rows.joinedAudit) FROM application p JOIN audit_log a ON a.sequence = p.audit_sequence WHERE p.id = ?", [id]),
        Rows.application)
    }
  }

  public func pendingApplication(of creditCode: String) async throws -> String? {
    try await run {
      try await $0.one(.with("SELECT id FROM application WHERE credit_code = ? AND status = 'pending'", [creditCode])) { try $0.string("id") }
    }
  }

  public func applications(_ filter: ApplicationFilter, before: Int64?, limit: Int) async throws -> [ApplicationRow] {
    var sql = SQL("SELECT * FROM application WHERE TRUE")
    if let before { sql.add(" AND number < "); sql.bind(before) }
    if !filter.creditCode.isEmpty { sql.add(" AND credit_code = "); sql.bind(filter.creditCode) }
    if let status = filter.status { sql.add(" AND status = "); sql.bind(status.rawValue) }
    sql.add(" ORDER BY number DESC LIMIT ")
    sql.bind(limit)
    sql = Rows.withReceipts(sql, order: "number DESC")
    let query = sql
    return try await run { try await $0.all(query, Rows.application) }
  }

  public func change(id: String) async throws -> ChangeRow? {
    try await run {
      try await $0.one(.with(
        "SELECT c.*, \(Rows.joinedAudit) FROM change c JOIN audit_log a ON a.sequence = c.audit_sequence WHERE c.id = ?", [id]),
        Rows.change)
    }
  }

  public func changes(_ filter: ChangeFilter, before: Int64?, limit: Int) async throws -> [ChangeRow] {
    var sql = SQL("SELECT * FROM change WHERE credit_code = ")
    sql.bind(filter.creditCode)
    if let before { sql.add(" AND number < "); sql.bind(before) }
    if let kind = filter.kind { sql.add(" AND kind = "); sql.bind(kind.rawValue) }
    if filter.lateOnly { sql.add(" AND late") }
    sql.add(" ORDER BY number DESC LIMIT ")
    sql.bind(limit)
    sql = Rows.withReceipts(sql, order: "number DESC")
    let query = sql
    return try await run { try await $0.all(query, Rows.change) }
  }

  public func findings(of creditCode: String) async throws -> [FindingRow] {
    try await run { try await $0.all(.with("SELECT * FROM finding WHERE credit_code = ? ORDER BY raised_at, id", [creditCode]), Rows.finding) }
  }

  public func agencyVersions(of creditCode: String) async throws -> [AgencyVersionRow] {
    try await run {
      try await $0.all(.with("SELECT * FROM agency_version WHERE credit_code = ? ORDER BY version", [creditCode])) { try Rows.agencyVersion($0) }
    }
  }

  public func agenciesEmploying(_ idNumbers: [String]) async throws -> [(idNumber: String, creditCode: String)] {
    guard !idNumbers.isEmpty else { return [] }
    return try await run {
      try await $0.all(.with("SELECT id_number, credit_code FROM agency_staff WHERE id_number = ANY(?::text[])", [idNumbers])) {
        (idNumber: try $0.string("id_number"), creditCode: try $0.string("credit_code"))
      }
    }
  }

  public func allAgencyStaff() async throws -> [(creditCode: String, idNumber: String)] {
    try await run {
      try await $0.all(.with("SELECT credit_code, id_number FROM agency_staff ORDER BY credit_code, id_number", [])) {
        (creditCode: try $0.string("credit_code"), idNumber: try $0.string("id_number"))
      }
    }
  }

  public func certifiedAgencies() async throws -> Set<String> {
    Set(try await run { try await $0.all(.with("SELECT DISTINCT credit_code FROM certificate", [])) { try $0.string("credit_code") } })
  }

  public func strayBans() async throws -> [String] {
    try await run {
      try await $0.all(.with("SELECT DISTINCT removal_id FROM ban WHERE removal_id NOT IN (SELECT id FROM removal) ORDER BY 1", [])) {
        try $0.string("removal_id")
      }
    }
  }

  public func removals(of creditCode: String) async throws -> [RemovalRow] {
    try await run {
      try await $0.all(.with(
        """
        SELECT r.*, \(Rows.joinedAudit) FROM removal r JOIN audit_log a ON a.sequence = r.audit_sequence
        WHERE r.credit_code = ? ORDER BY r.audit_sequence
        """, [creditCode]), Rows.removal)
    }
  }

  public func removal(id: String) async throws -> RemovalRow? {
    try await run {
      try await $0.one(.with(
        "SELECT r.*, \(Rows.joinedAudit) FROM removal r JOIN audit_log a ON a.sequence = r.audit_sequence WHERE r.id = ?", [id]),
        Rows.removal)
    }
  }

  public func bans(on subject: BanRecord.Subject) async throws -> [BanRecord] {
    let (kind, value) = switch subject {
    case .agency(let code): ("agency", code)
    case .person(let id): ("person", id)
    }
    return try await run {
      try await $0.all(.with("SELECT * FROM ban WHERE subject = ? AND subject_kind = ? ORDER BY ends_on DESC, id", [value, kind]), Rows.ban)
    }
  }

  public func bans(ofRemoval removalID: String) async throws -> [BanRecord] {
    try await run { try await $0.all(.with("SELECT * FROM ban WHERE removal_id = ? ORDER BY ends_on DESC, id", [removalID]), Rows.ban) }
  }

  public func missingDocuments(_ digests: [String], owner: String) async throws -> Set<String> {
    guard !digests.isEmpty else { return [] }
    let query = SQL.with("SELECT sha256 FROM document_record WHERE owner = ? AND sha256 = ANY(?::text[])", [owner, digests])
    let present = try await run { try await $0.all(query) { try $0.string("sha256") } }
    return Set(digests).subtracting(present)
  }

  public func document(sha256: String, owner: String?) async throws -> DocumentRow? {
    var sql = SQL("""
      SELECT d.*, c.size_bytes, \(Rows.joinedAudit) FROM document_record d
      JOIN document_content c ON c.sha256 = d.sha256 JOIN audit_log a ON a.sequence = d.audit_sequence
      """)
    sql.add(" WHERE d.sha256 = ")
    sql.bind(sha256)
    if let owner { sql.add(" AND d.owner = "); sql.bind(owner) }
    sql.add(" ORDER BY d.audit_sequence LIMIT 1")
    let query = sql
    return try await run { try await $0.one(query, Rows.document) }
  }
}

extension PostgresStore: RegistryStore {
  public func writeRegistry<T: Sendable>(_ body: (any RegistryTransaction) async throws -> T) async throws -> T {
    try await transaction { try await body($0) }
  }
}

extension PostgresTransaction: RegistryTransaction {
  func insertIdempotencyRecord(_ r: IdempotencyRecord) async throws {
    insert(
      "INSERT INTO idempotency (actor, method, request_id, request_sha256, result) VALUES (?, ?, ?, ?, ?)",
      [r.actor, r.method, r.requestID, r.requestSHA256, r.result])
  }

  func nextNumber(in sequence: IDSequence) async throws -> Int64 {
    if let value = try await one(
      .with("UPDATE id_sequence SET value = value + 1 WHERE name = ? RETURNING value", [sequence.name]), { try $0.int64("value") })
    {
      return value
    }
    insert("INSERT INTO id_sequence (name, value) VALUES (?, 1)", [sequence.name])
    return 1
  }

  func insertAgency(_ a: AgencyRow) async throws {
    insert(
      """
      INSERT INTO agency (credit_code, name, status, district_code, enrolled_at, listed_at, removed_at, removal_count, version)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [a.creditCode, a.name, a.status.rawValue, a.districtCode, Timestamps.format(a.enrolledAt), a.listedAt.map(Timestamps.format),
       a.removedAt.map(Timestamps.format), a.removalCount, a.version])
  }

  func updateAgency(_ a: AgencyRow) async throws {
    try await execute(.with(
      """
      UPDATE agency SET name = ?, status = ?, district_code = ?, enrolled_at = ?, listed_at = ?, removed_at = ?, removal_count = ?,
      version = ? WHERE credit_code = ?
      """,
      [a.name, a.status.rawValue, a.districtCode, Timestamps.format(a.enrolledAt), a.listedAt.map(Timestamps.format),
       a.removedAt.map(Timestamps.format), a.removalCount, a.version, a.creditCode]))
  }

  func insertAgencyVersion(_ v: AgencyVersionRow) async throws {
    insert(
      "INSERT INTO agency_version (credit_code, version, since, name, status, record, record_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [v.creditCode, v.version, Timestamps.format(v.since), v.name, v.status.rawValue, v.record, v.recordSHA256])
  }

  func replaceAgencyStaff(creditCode: String, idNumbers: [String]) async throws {
    try await execute(.with("DELETE FROM agency_staff WHERE credit_code = ?", [creditCode]))
    if !idNumbers.isEmpty {
      insert(
        "INSERT INTO agency_staff (id_number, credit_code) SELECT i, ? FROM unnest(?::text[]) AS i", [creditCode, Set(idNumbers).sorted()])
    }
  }

  func insertCertificate(_ c: CertificateRow) async throws {
    insert(
      """
      INSERT INTO certificate (serial, credit_code, subject, not_before, not_after, sha256_fingerprint, issued_at, revoked_at,
      revocation_reason, audit_sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [c.serial, c.creditCode, c.subject, Timestamps.format(c.notBefore), Timestamps.format(c.notAfter), c.sha256Fingerprint,
       Timestamps.format(c.issuedAt), c.revokedAt.map(Timestamps.format), c.revocationReason, c.audit.sequence])
  }

  func revokeCertificate(serial: String, at instant: Date, reason: String) async throws {
    try await execute(.with(
      "UPDATE certificate SET revoked_at = COALESCE(revoked_at, ?), revocation_reason = COALESCE(revocation_reason, ?) WHERE serial = ?",
      [Timestamps.format(instant), reason, serial]))
  }

  func insertApplication(_ p: ApplicationRow) async throws {
    insert(
      """
      INSERT INTO application (id, number, credit_code, status, materials, warnings, submitted_at, submitted_by, decision, reasons,
      reviewed_by, reviewed_at, audit_sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [p.id, IDSequence.application.number(of: p.id) ?? 0, p.creditCode, p.status.rawValue, p.materials, p.warnings,
       Timestamps.format(p.submittedAt), p.submittedBy, p.decision?.rawValue, p.reasons, p.reviewedBy,
       p.reviewedAt.map(Timestamps.format), p.audit.sequence])
  }

  func updateApplication(_ p: ApplicationRow) async throws {
    try await execute(.with(
      "UPDATE application SET status = ?, decision = ?, reasons = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
      [p.status.rawValue, p.decision?.rawValue, p.reasons, p.reviewedBy, p.reviewedAt.map(Timestamps.format), p.id]))
  }

  func insertChange(_ c: ChangeRow) async throws {
    insert(
      """
      INSERT INTO change (id, number, credit_code, kind, effective_on, due_on, late, filed_at, filed_by, before, after, documents, note,
      version, audit_sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [c.id, IDSequence.change.number(of: c.id) ?? 0, c.creditCode, c.kind.rawValue, c.effectiveOn.description, c.dueOn.description,
       c.late, Timestamps.format(c.filedAt), c.filedBy, c.before, c.after, c.documents, c.note, c.version, c.audit.sequence])
  }

  func insertFinding(_ f: FindingRow) async throws {
    insert(
      """
      INSERT INTO finding (id, credit_code, category, source, source_id, description, raised_at, verified, rule, activity_id,
                           activity_version, fields, status, number, district_code, case_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [f.id, f.creditCode, f.category, f.source, f.sourceID, f.description, Timestamps.format(f.raisedAt), f.verified, f.rule,
       f.activityID, f.activityVersion.map(Int64.init), f.fields, f.status, IDSequence.finding.number(of: f.id), f.districtCode, f.caseID])
  }

  func insertRemoval(_ r: RemovalRow) async throws {
    insert(
      """
      INSERT INTO removal (id, credit_code, art16_case, decided_on, description, evidence, removal_count, removed_at, audit_sequence)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [r.id, r.creditCode, r.art16Case, r.decidedOn.description, r.description, r.evidence, r.removalCount,
       Timestamps.format(r.removedAt), r.audit.sequence])
  }

  func insertBan(_ b: BanRecord) async throws {
    let (kind, subject) = switch b.subject {
    case .agency(let code): ("agency", code)
    case .person(let id): ("person", id)
    }
    insert(
      """
      INSERT INTO ban (subject_kind, subject, person_name, starts_on, ends_on, art16_case, repeat_offence, removal_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [kind, subject, b.personName, b.startsOn.description, b.endsOn.description, b.art16Case, b.repeatOffence, b.removalID])
  }
}
