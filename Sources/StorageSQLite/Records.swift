import Foundation
import GRDB
import GRDBSQLite
import Services

// The domain's rows as GRDB records: each table's columns, and how a row reads and writes.
// Instants are RFC 3339 text (`Timestamps`), days `YYYY-MM-DD`, structured values the JSON the
// domain wrote. Rows that carry their receipt read it from `audit_log` joined as `a_*` columns.

extension Row {
  func instant(_ column: String) -> Date {
    (self[column] as String?).flatMap(Timestamps.parse) ?? .distantPast
  }

  /// The instant in the result column at `index` (faster than by name, for hot queries).
  func instant(_ index: Int) -> Date {
    (self[index] as String?).flatMap(Timestamps.parse) ?? .distantPast
  }

  func optionalInstant(_ column: String) -> Date? {
    (self[column] as String?).flatMap(Timestamps.parse)
  }

  func day(_ column: String) -> CalendarDate {
    (self[column] as String?).flatMap(CalendarDate.init) ?? CalendarDate(dayNumber: 0)
  }

  /// The audit entry joined under the `a_` prefix (see `AuditLog.Entry.joined`).
  var joinedAudit: AuditLog.Entry {
    AuditLog.Entry(
      sequence: self["a_sequence"], recordedAt: self["a_recorded_at"], actor: self["a_actor"], method: self["a_method"],
      requestSHA256: self["a_request_sha256"], recordSHA256: self["a_record_sha256"], previousHash: self["a_previous_hash"],
      hash: self["a_hash"], signature: Self.bytes(base64: self["a_receipt_signature"]), keyID: self["a_key_id"])
  }

  static func bytes(base64: String?) -> [UInt8] {
    base64.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? []
  }
}

extension AuditLog.Entry: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "audit_log"

  /// The columns to select with a row whose receipt it is, joined as `a`.
  static let joined = """
    a.sequence AS a_sequence, a.recorded_at AS a_recorded_at, a.actor AS a_actor, a.method AS a_method,
    a.request_sha256 AS a_request_sha256, a.record_sha256 AS a_record_sha256, a.previous_hash AS a_previous_hash, a.hash AS a_hash,
    a.receipt_signature AS a_receipt_signature, a.key_id AS a_key_id
    """

  public enum Columns {
    static let sequence = Column("sequence")
  }

  public init(row: Row) {
    self.init(
      sequence: row["sequence"], recordedAt: row["recorded_at"], actor: row["actor"], method: row["method"],
      requestSHA256: row["request_sha256"], recordSHA256: row["record_sha256"], previousHash: row["previous_hash"], hash: row["hash"],
      signature: Row.bytes(base64: row["receipt_signature"]), keyID: row["key_id"])
  }

  public func encode(to container: inout PersistenceContainer) {
    container["sequence"] = sequence
    container["recorded_at"] = recordedAt
    container["actor"] = actor
    container["method"] = method
    container["request_sha256"] = requestSHA256
    container["record_sha256"] = recordSHA256
    container["previous_hash"] = previousHash
    container["hash"] = hash
    container["receipt_signature"] = Data(signature).base64EncodedString()
    container["key_id"] = keyID
  }
}

extension IdempotencyRecord: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "idempotency"

  public init(row: Row) {
    self.init(
      actor: row["actor"], method: row["method"], requestID: row["request_id"], requestSHA256: row["request_sha256"],
      result: row["result"])
  }

  public func encode(to container: inout PersistenceContainer) {
    container["actor"] = actor
    container["method"] = method
    container["request_id"] = requestID
    container["request_sha256"] = requestSHA256
    container["result"] = result
  }
}

extension AgencyRow: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "agency"

  public enum Columns {
    static let creditCode = Column("credit_code")
    static let status = Column("status")
    static let districtCode = Column("district_code")
    static let name = Column("name")
  }

  public init(row: Row) {
    self.init(
      creditCode: row["credit_code"], name: row["name"], status: AgencyRecord.Status(rawValue: row["status"]) ?? .enrolled,
      districtCode: row["district_code"], enrolledAt: row.instant("enrolled_at"), listedAt: row.optionalInstant("listed_at"),
      removedAt: row.optionalInstant("removed_at"), removalCount: row["removal_count"], version: row["version"])
  }

  public func encode(to container: inout PersistenceContainer) {
    container["credit_code"] = creditCode
    container["name"] = name
    container["status"] = status.rawValue
    container["district_code"] = districtCode
    container["enrolled_at"] = Timestamps.format(enrolledAt)
    container["listed_at"] = listedAt.map(Timestamps.format)
    container["removed_at"] = removedAt.map(Timestamps.format)
    container["removal_count"] = removalCount
    container["version"] = version
  }
}

extension AgencyVersionRow: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "agency_version"

  public init(row: Row) {
    self.init(
      creditCode: row["credit_code"], version: row["version"], since: row.instant("since"), name: row["name"],
      status: AgencyRecord.Status(rawValue: row["status"]) ?? .listed, record: row["record"], recordSHA256: row["record_sha256"])
  }

  /// A version joined to its agency under the `v_` prefix; nil when the agency has none.
  init?(joined row: Row) {
    guard let version: Int64 = row["v_version"] else { return nil }
    self.init(
      creditCode: row["credit_code"], version: version, since: row.instant("v_since"), name: row["v_name"],
      status: AgencyRecord.Status(rawValue: row["v_status"]) ?? .listed, record: row["v_record"], recordSHA256: row["v_record_sha256"])
  }

  public func encode(to container: inout PersistenceContainer) {
    container["credit_code"] = creditCode
    container["version"] = version
    container["since"] = Timestamps.format(since)
    container["name"] = name
    container["status"] = status.rawValue
    container["record"] = record
    container["record_sha256"] = recordSHA256
  }
}

extension CertificateRow: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "certificate"

  public init(row: Row) {
    self.init(
      serial: row["serial"], creditCode: row["credit_code"], subject: row["subject"], notBefore: row.instant("not_before"),
      notAfter: row.instant("not_after"), sha256Fingerprint: row["sha256_fingerprint"], issuedAt: row.instant("issued_at"),
      revokedAt: row.optionalInstant("revoked_at"), revocationReason: row["revocation_reason"], audit: row.joinedAudit)
  }

  public func encode(to container: inout PersistenceContainer) {
    container["serial"] = serial
    container["credit_code"] = creditCode
    container["subject"] = subject
    container["not_before"] = Timestamps.format(notBefore)
    container["not_after"] = Timestamps.format(notAfter)
    container["sha256_fingerprint"] = sha256Fingerprint
    container["issued_at"] = Timestamps.format(issuedAt)
    container["revoked_at"] = revokedAt.map(Timestamps.format)
    container["revocation_reason"] = revocationReason
    container["audit_sequence"] = audit.sequence
  }
}

extension ApplicationRow: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "application"

  public init(row: Row) {
    self.init(
      id: row["id"], creditCode: row["credit_code"], status: ApplicationRecord.Status(rawValue: row["status"]) ?? .pending,
      materials: row["materials"], warnings: row["warnings"], submittedAt: row.instant("submitted_at"),
      submittedBy: row["submitted_by"], decision: (row["decision"] as String?).flatMap(ApplicationRecord.Decision.init(rawValue:)),
      reasons: row["reasons"], reviewedBy: row["reviewed_by"], reviewedAt: row.optionalInstant("reviewed_at"), audit: row.joinedAudit)
  }

  public func encode(to container: inout PersistenceContainer) {
    container["id"] = id
    container["number"] = IDSequence.application.number(of: id)
    container["credit_code"] = creditCode
    container["status"] = status.rawValue
    container["materials"] = materials
    container["warnings"] = warnings
    container["submitted_at"] = Timestamps.format(submittedAt)
    container["submitted_by"] = submittedBy
    container["decision"] = decision?.rawValue
    container["reasons"] = reasons
    container["reviewed_by"] = reviewedBy
    container["reviewed_at"] = reviewedAt.map(Timestamps.format)
    container["audit_sequence"] = audit.sequence
  }
}

extension ChangeRow: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "change"

  public init(row: Row) {
    self.init(
      id: row["id"], creditCode: row["credit_code"], kind: ChangeKind(rawValue: row["kind"]) ?? .unspecified,
      effectiveOn: row.day("effective_on"), dueOn: row.day("due_on"), late: row["late"], filedAt: row.instant("filed_at"),
      filedBy: row["filed_by"], before: row["before"], after: row["after"], documents: row["documents"], note: row["note"],
      version: row["version"], audit: row.joinedAudit)
  }

  public func encode(to container: inout PersistenceContainer) {
    container["id"] = id
    container["number"] = IDSequence.change.number(of: id)
    container["credit_code"] = creditCode
    container["kind"] = kind.rawValue
    container["effective_on"] = effectiveOn.description
    container["due_on"] = dueOn.description
    container["late"] = late
    container["filed_at"] = Timestamps.format(filedAt)
    container["filed_by"] = filedBy
    container["before"] = before
    container["after"] = after
    container["documents"] = documents
    container["note"] = note
    container["version"] = version
    container["audit_sequence"] = audit.sequence
  }
}

extension FindingRow: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "finding"

  public init(row: Row) {
    self.init(
      id: row["id"], creditCode: row["credit_code"], category: row["category"], source: row["source"], sourceID: row["source_id"],
      description: row["description"], raisedAt: row.instant("raised_at"), verified: row["verified"], rule: row["rule"],
      activityID: row["activity_id"], activityVersion: row["activity_version"], fields: row["fields"], status: row["status"],
      districtCode: row["district_code"], caseID: row["case_id"])
  }

  public func encode(to container: inout PersistenceContainer) {
    container["id"] = id
    container["credit_code"] = creditCode
    container["category"] = category
    container["source"] = source
    container["source_id"] = sourceID
    container["description"] = description
    container["raised_at"] = Timestamps.format(raisedAt)
    container["verified"] = verified
    container["rule"] = rule
    container["activity_id"] = activityID
    container["activity_version"] = activityVersion
    container["fields"] = fields
    container["status"] = status
    container["number"] = IDSequence.finding.number(of: id)
    container["district_code"] = districtCode
    container["case_id"] = caseID
  }
}

extension RemovalRow: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "removal"

  public init(row: Row) {
    self.init(
      id: row["id"], creditCode: row["credit_code"], art16Case: row["art16_case"], decidedOn: row.day("decided_on"),
      description: row["description"], evidence: row["evidence"], removalCount: row["removal_count"],
      removedAt: row.instant("removed_at"), audit: row.joinedAudit)
  }

  public func encode(to container: inout PersistenceContainer) {
    container["id"] = id
    container["credit_code"] = creditCode
    container["art16_case"] = art16Case
    container["decided_on"] = decidedOn.description
    container["description"] = description
    container["evidence"] = evidence
    container["removal_count"] = removalCount
    container["removed_at"] = Timestamps.format(removedAt)
    container["audit_sequence"] = audit.sequence
  }
}

extension BanRecord: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "ban"

  public init(row: Row) {
    let subject: String = row["subject"]
    self.init(
      subject: (row["subject_kind"] as String) == "agency" ? .agency(subject) : .person(idNumber: subject),
      personName: row["person_name"], startsOn: row.day("starts_on"), endsOn: row.day("ends_on"), art16Case: row["art16_case"],
      repeatOffence: row["repeat_offence"], removalID: row["removal_id"])
  }

  public func encode(to container: inout PersistenceContainer) {
    switch subject {
    case .agency(let code):
      container["subject_kind"] = "agency"
      container["subject"] = code
    case .person(let id):
      container["subject_kind"] = "person"
      container["subject"] = id
    }
    container["person_name"] = personName
    container["starts_on"] = startsOn.description
    container["ends_on"] = endsOn.description
    container["art16_case"] = art16Case
    container["repeat_offence"] = repeatOffence
    container["removal_id"] = removalID
  }
}

extension DocumentRow: FetchableRecord, PersistableRecord {
  /// The owner's record; `size_bytes` comes joined from `document_content`.
  public static let databaseTableName = "document_record"

  public init(row: Row) {
    self.init(
      sha256: row["sha256"], sizeBytes: row["size_bytes"], fileName: row["file_name"], mediaType: row["media_type"],
      owner: row["owner"], uploadedAt: row.instant("uploaded_at"), uploadedBy: row["uploaded_by"], audit: row.joinedAudit)
  }

  public func encode(to container: inout PersistenceContainer) {
    container["sha256"] = sha256
    container["owner"] = owner
    container["file_name"] = fileName
    container["media_type"] = mediaType
    container["uploaded_at"] = Timestamps.format(uploadedAt)
    container["uploaded_by"] = uploadedBy
    container["audit_sequence"] = audit.sequence
  }
}

// Statements whose text never varies go through the connection's statement cache: compiled
// (and run past GRDB's authorizer) once per connection, not at every call. So do the IN lists
// of a filing's lookups, whose text varies only with the number of items (one statement per
// number seen); text that varies otherwise (optional filters) is compiled each time.
extension Database {
  /// `?, ?, ?` for a list (an IN list, a row of values) of `count` items.
  static func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
  }
}

extension Database {
  func executeCached(sql: String, arguments: StatementArguments = []) throws {
    try cachedStatement(sql: sql).execute(arguments: arguments)
  }

  /// Inserts `rows` (values in the order of `columns`) with one statement: a filing's facts
  /// are a few dozen rows, and a statement each cost more than the rows.
  ///
  /// The values are bound with SQLite's own calls on the cached statement: through
  /// `StatementArguments`, each value boxed as an existential cost more than SQLite's work on
  /// the rows (profiles of `make bench-filing`; these run under the write lock).
  func insert(into table: String, columns: [String], rows: [[SQLiteValue]]) throws {
    guard !rows.isEmpty else { return }
    let tuple = "(\(Self.placeholders(columns.count)))"
    let statement = try cachedStatement(
      sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: tuple, count: rows.count).joined(separator: ", "))
    let handle = statement.sqliteStatement
    func failure(_ code: Int32) -> DatabaseError { DatabaseError(resultCode: ResultCode(rawValue: code), message: lastErrorMessage, sql: statement.sql) }
    defer {
      sqlite3_reset(handle)
      sqlite3_clear_bindings(handle)
    }
    var index: Int32 = 1
    for row in rows {
      for value in row {
        let code: Int32 = switch value {
        case .text(let text): text.withCString { sqlite3_bind_text(handle, index, $0, Int32(text.utf8.count), SQLiteValue.transient) }
        case .real(let number): sqlite3_bind_double(handle, index, number)
        case .integer(let number): sqlite3_bind_int64(handle, index, number)
        case .null: sqlite3_bind_null(handle, index)
        }
        guard code == SQLITE_OK else { throw failure(code) }
        index += 1
      }
    }
    let code = sqlite3_step(handle)
    guard code == SQLITE_DONE else { throw failure(code) }
  }
}

/// A value bound by `Database.insert(into:columns:rows:)`.
enum SQLiteValue {
  case text(String)
  case real(Double)
  case integer(Int64)
  case null

  /// SQLITE_TRANSIENT: SQLite copies the text before the call returns.
  static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

extension FetchableRecord {
  static func fetchAll(cached db: Database, sql: String, arguments: StatementArguments = []) throws -> [Self] {
    try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
  }

  static func fetchOne(cached db: Database, sql: String, arguments: StatementArguments = []) throws -> Self? {
    try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
  }
}

extension DatabaseValueConvertible {
  static func fetchAll(cached db: Database, sql: String, arguments: StatementArguments = []) throws -> [Self] {
    try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
  }

  static func fetchOne(cached db: Database, sql: String, arguments: StatementArguments = []) throws -> Self? {
    try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
  }
}

extension Row {
  static func fetchAll(cached db: Database, sql: String, arguments: StatementArguments = []) throws -> [Row] {
    try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
  }

  static func fetchOne(cached db: Database, sql: String, arguments: StatementArguments = []) throws -> Row? {
    try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
  }

  /// Each row mapped in place as the statement steps, without the copy of every row that
  /// `fetchAll` makes first: for the lookups a filing makes under the write lock.
  static func fetchAll<T>(cached db: Database, sql: String, arguments: StatementArguments = [], _ transform: (Row) throws -> T) throws -> [T] {
    let rows = try fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
    var mapped: [T] = []
    while let row = try rows.next() { mapped.append(try transform(row)) }
    return mapped
  }
}
