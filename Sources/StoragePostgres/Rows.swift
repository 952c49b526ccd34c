import Foundation
import Services

// The domain's rows read from result columns, and the columns they are written to, in the
// order of `insert`'s placeholders. Rows that carry their receipt read it from `audit_log`
// joined as `a_*` columns.

enum Rows {
  static let joinedAudit = """
    a.sequence AS a_sequence, a.recorded_at AS a_recorded_at, a.actor AS a_actor, a.method AS a_method,
    a.request_sha256 AS a_request_sha256, a.record_sha256 AS a_record_sha256, a.previous_hash AS a_previous_hash, a.hash AS a_hash,
    a.receipt_signature AS a_receipt_signature, a.key_id AS a_key_id
    """

  /// A page query with each row's receipt joined: the page is cut first and only its rows are
  /// joined, so the plan never depends on the size of the audit log.
  static func withReceipts(_ page: SQL, order: String) -> SQL {
    var sql = page
    sql.wrap(prefix: "SELECT p.*, \(joinedAudit) FROM (", suffix: ") p JOIN audit_log a ON a.sequence = p.audit_sequence ORDER BY p.\(order)")
    return sql
  }

  static func audit(_ c: Columns, prefix: String = "a_") throws -> AuditLog.Entry {
    AuditLog.Entry(
      sequence: try c.int64(prefix + "sequence"), recordedAt: try c.string(prefix + "recorded_at"), actor: try c.string(prefix + "actor"),
      method: try c.string(prefix + "method"), requestSHA256: try c.string(prefix + "request_sha256"),
      recordSHA256: try c.string(prefix + "record_sha256"), previousHash: try c.string(prefix + "previous_hash"),
      hash: try c.string(prefix + "hash"),
      signature: Data(base64Encoded: try c.string(prefix + "receipt_signature")).map(Array.init) ?? [],
      keyID: try c.string(prefix + "key_id"))
  }

  static func agency(_ c: Columns) throws -> AgencyRow {
    AgencyRow(
      creditCode: try c.string("credit_code"), name: try c.string("name"),
      status: AgencyRecord.Status(rawValue: try c.string("status")) ?? .enrolled, districtCode: try c.string("district_code"),
      enrolledAt: try c.instant("enrolled_at"), listedAt: try c.optionalInstant("listed_at"),
      removedAt: try c.optionalInstant("removed_at"), removalCount: try c.int("removal_count"), version: try c.int64("version"))
  }

  static func agencyVersion(_ c: Columns, prefix: String = "") throws -> AgencyVersionRow {
    AgencyVersionRow(
      creditCode: try c.string("credit_code"), version: try c.int64(prefix + "version"), since: try c.instant(prefix + "since"),
      name: try c.string(prefix + "name"), status: AgencyRecord.Status(rawValue: try c.string(prefix + "status")) ?? .listed,
      record: try c.string(prefix + "record"), recordSHA256: try c.string(prefix + "record_sha256"))
  }

  static func certificate(_ c: Columns) throws -> CertificateRow {
    CertificateRow(
      serial: try c.string("serial"), creditCode: try c.string("credit_code"), subject: try c.string("subject"),
      notBefore: try c.instant("not_before"), notAfter: try c.instant("not_after"), sha256Fingerprint: try c.string("sha256_fingerprint"),
      issuedAt: try c.instant("issued_at"), revokedAt: try c.optionalInstant("revoked_at"),
      revocationReason: try c.optionalString("revocation_reason"), audit: try audit(c))
  }

  static func application(_ c: Columns) throws -> ApplicationRow {
    ApplicationRow(
      id: try c.string("id"), creditCode: try c.string("credit_code"),
      status: ApplicationRecord.Status(rawValue: try c.string("status")) ?? .pending, materials: try c.string("materials"),
      warnings: try c.string("warnings"), submittedAt: try c.instant("submitted_at"), submittedBy: try c.string("submitted_by"),
      decision: try c.optionalString("decision").flatMap(ApplicationRecord.Decision.init(rawValue:)),
      reasons: try c.optionalString("reasons"), reviewedBy: try c.optionalString("reviewed_by"),
      reviewedAt: try c.optionalInstant("reviewed_at"), audit: try audit(c))
  }

  static func change(_ c: Columns) throws -> ChangeRow {
    ChangeRow(
      id: try c.string("id"), creditCode: try c.string("credit_code"), kind: ChangeKind(rawValue: try c.int("kind")) ?? .unspecified,
      effectiveOn: try c.day("effective_on"), dueOn: try c.day("due_on"), late: try c.bool("late"), filedAt: try c.instant("filed_at"),
      filedBy: try c.string("filed_by"), before: try c.string("before"), after: try c.string("after"),
      documents: try c.string("documents"), note: try c.string("note"), version: try c.int64("version"), audit: try audit(c))
  }

  static func finding(_ c: Columns) throws -> FindingRow {
    FindingRow(
      id: try c.string("id"), creditCode: try c.string("credit_code"), category: try c.int("category"), source: try c.int("source"),
      sourceID: try c.string("source_id"), description: try c.string("description"), raisedAt: try c.instant("raised_at"),
      verified: try c.bool("verified"), rule: try c.string("rule"), activityID: try c.optionalString("activity_id"),
      activityVersion: try c.optionalInt64("activity_version").map(Int.init), fields: try c.string("fields"), status: try c.string("status"),
      districtCode: try c.string("district_code"), caseID: try c.string("case_id"))
  }

  static func removal(_ c: Columns) throws -> RemovalRow {
    RemovalRow(
      id: try c.string("id"), creditCode: try c.string("credit_code"), art16Case: try c.int("art16_case"),
      decidedOn: try c.day("decided_on"), description: try c.string("description"), evidence: try c.string("evidence"),
      removalCount: try c.int("removal_count"), removedAt: try c.instant("removed_at"), audit: try audit(c))
  }

  static func ban(_ c: Columns) throws -> BanRecord {
    let subject = try c.string("subject")
    return BanRecord(
      subject: try c.string("subject_kind") == "agency" ? .agency(subject) : .person(idNumber: subject),
      personName: try c.string("person_name"), startsOn: try c.day("starts_on"), endsOn: try c.day("ends_on"),
      art16Case: try c.int("art16_case"), repeatOffence: try c.bool("repeat_offence"), removalID: try c.string("removal_id"))
  }

  static func document(_ c: Columns) throws -> DocumentRow {
    DocumentRow(
      sha256: try c.string("sha256"), sizeBytes: try c.int64("size_bytes"), fileName: try c.string("file_name"),
      mediaType: try c.string("media_type"), owner: try c.string("owner"), uploadedAt: try c.instant("uploaded_at"),
      uploadedBy: try c.string("uploaded_by"), audit: try audit(c))
  }
}
