/// How `VerifyAuditLog` checks each table of the store, declared in one place for both engines.
///
/// Every table is one of: covered (each row recomputed from the audit entry that made it),
/// derived (rebuilt from covered tables and compared), or outside the record (with the reason it
/// may be). Every column of a covered or derived table says how it is checked, or plainly that
/// it is not yet and why. `RecordCoverageTests` reads the schema of each engine and fails on a
/// table or a column that is not declared here, so a table cannot be added without deciding how
/// it is checked.
public enum RecordCoverage {
  public enum Category: String, Sendable {
    case covered, derived, outside
  }

  /// How one column is checked.
  public enum Column: Sendable, Equatable {
    /// Compared with what the log or the covered tables say it must be (the text says what).
    case checked(String)
    /// Not compared: the reason.
    case unchecked(String)

    public var isChecked: Bool {
      if case .unchecked = self { return false }
      return true
    }
  }

  public struct Table: Sendable {
    public var name: String
    public var category: Category
    /// Why the table is what it is: for one outside the record, why it may be.
    public var reason: String
    /// Each column and how it is checked (covered and derived tables).
    public var columns: [(name: String, check: Column)]
    /// The engine it exists on, when only one has it.
    public var onlyOn: String?
    /// Whether a row nobody filed (a copy of a row under a new key) is named.
    public var addedRowsFound: Bool

    public func column(_ name: String) -> Column? { columns.first { $0.name == name }?.check }
  }

  private static func table(
    _ name: String, _ category: Category, _ reason: String, onlyOn: String? = nil, addedRowsFound: Bool = false,
    _ columns: KeyValuePairs<String, Column> = [:]
  ) -> Table {
    Table(
      name: name, category: category, reason: reason, columns: columns.map { ($0.key, $0.value) }, onlyOn: onlyOn,
      addedRowsFound: addedRowsFound)
  }

  private static let entryTime = Column.checked("the recorded_at of the entry that made the row")
  private static let entryActor = Column.checked("the actor of the entry that made the row")
  private static let numberOfID = Column.checked("the number in the row's id")
  private static let notCovered = "no audit entry's digest covers it"

  public static let tables: [Table] = [
    // MARK: Covered: each row against the entry it names.
    table("application", .covered, "an application as submitted, and the officer's decision on it", addedRowsFound: true, [
      "id": .checked("its number is the row's number"), "number": numberOfID, "credit_code": .checked("the applicant named in the covered materials"),
      "materials": .checked("the SHA-256 of the entry of SubmitApplication"), "audit_sequence": .checked("names that entry"),
      "submitted_at": entryTime, "submitted_by": entryActor,
      "status": .checked("pending without a decision, else what the decision sets"),
      "decision": .checked("in the digest of the entry of ReviewApplication, with the id and reasons"),
      "reasons": .checked("in the digest of the entry of ReviewApplication"),
      "reviewed_by": .checked("the actor of that entry"), "reviewed_at": .checked("the time of that entry"),
      "warnings": .unchecked("the validator's advice at submission, recomputable from the materials; not yet recomputed"),
    ]),
    table("change", .covered, "an Art. 5 change as filed", addedRowsFound: true, [
      "id": .checked("its number is the row's number"), "number": numberOfID, "after": .checked("the SHA-256 of the entry of FileChange"),
      "audit_sequence": .checked("names that entry"), "filed_at": entryTime, "filed_by": entryActor,
      "version": .checked("the registry version it made, replayed (agency_version)"),
      "credit_code": .checked("the agency whose registry versions it made, replayed (agency_version)"),
      "kind": .unchecked(notCovered + " beyond the new value, which names the kind"),
      "before": .unchecked(notCovered + "; it is the previous registry version's value"),
      "effective_on": .unchecked(notCovered), "due_on": .unchecked(notCovered), "late": .unchecked(notCovered),
      "documents": .unchecked(notCovered), "note": .unchecked(notCovered),
    ]),
    table("removal", .covered, "a removal from the registry (Art. 16, 20)", addedRowsFound: true, [
      "id": .unchecked("the row's key; no digest covers it"), "credit_code": .checked("the SHA-256 of the entry of RemoveAgency or TriggerLevelE"),
      "art16_case": .checked("in the entry's SHA-256"), "decided_on": .checked("in the entry's SHA-256"),
      "description": .checked("in the entry's SHA-256"), "audit_sequence": .checked("names that entry"), "removed_at": entryTime,
      "removal_count": .checked("the agency's removals up to this one"),
      "evidence": .unchecked(notCovered),
    ]),
    table("certificate", .covered, "a certificate issued to an agency's LIMS", addedRowsFound: true, [
      "serial": .unchecked("the row's key; inside the DER bytes, which are not kept"), "sha256_fingerprint": .checked("the SHA-256 of the entry of EnrollAgency or RenewCertificate"),
      "audit_sequence": .checked("names that entry"), "issued_at": entryTime,
      "subject": .checked("CN= the credit code"), "credit_code": .checked("the agency whose row it enrols (agency)"),
      "not_before": .unchecked("inside the DER bytes the fingerprint covers, which are not kept"),
      "not_after": .unchecked("inside the DER bytes the fingerprint covers, which are not kept"),
      "revoked_at": .checked("the time of the entry of RevokeCertificate; none without one"),
      "revocation_reason": .checked("in the digest of the entry of RevokeCertificate, with the serial"),
    ]),
    table("document_record", .covered, "a document as one owner uploaded it", addedRowsFound: true, [
      "sha256": .checked("the SHA-256 of the entry of Upload"), "owner": .unchecked("the row's key; no digest covers it"), "audit_sequence": .checked("names the entry of Upload, whose SHA-256 is the key"),
      "uploaded_at": entryTime, "uploaded_by": entryActor,
      "file_name": .unchecked(notCovered), "media_type": .unchecked(notCovered),
    ]),
    table("activity_version", .covered, "every version of a filed activity", [
      "activity_id": .unchecked("the row's key; no digest covers it"), "version": .unchecked("the row's key; no digest covers it"), "content": .checked("the SHA-256 of the entry that filed, amended or withdrew it"),
      "content_sha256": .unchecked("the SHA-256 of the activity's protobuf bytes as the LIMS sent them, which are not kept"), "audit_sequence": .checked("names that entry"),
      "version_at": entryTime, "version_by": entryActor,
      "reason": .unchecked(notCovered),
    ]),
    table("record_version", .covered, "every version of an officer's record (supervision, credit)", [
      "id": .unchecked("the row's key; no digest covers it"), "version": .unchecked("the row's key; no digest covers it"), "content": .checked("the SHA-256 of the entry that wrote it"),
      "audit_sequence": .checked("names that entry"), "recorded_at": entryTime, "recorded_by": entryActor,
    ]),
    table("audit_log", .covered, "the log itself: each entry's hash, its link to the one before, and the tree of all of them", [
      "sequence": .checked("one entry after another, from 1"), "recorded_at": .checked("in the entry's hash"), "actor": .checked("in the entry's hash"),
      "method": .checked("in the entry's hash"), "request_sha256": .checked("in the entry's hash"),
      "record_sha256": .checked("in the entry's hash"), "previous_hash": .checked("the hash of the entry before"),
      "hash": .checked("the SHA-256 of the entry"),
      "receipt_signature": .unchecked("checked by whoever holds the receipt, against the published key; the log's integrity rests on the hashes and the signed checkpoints"),
      "key_id": .unchecked("names the key a receipt's holder checks the signature with"),
    ]),

    // MARK: Derived: rebuilt from the covered tables and compared.
    table("agency", .derived, "an agency's current state, which decides who may file", addedRowsFound: true, [
      "credit_code": .checked("an agency enrolled by a covered certificate; a row without one, or a certificate without its row, is named"),
      "status": .checked("the latest registry version's; enrolled when it has none"),
      "name": .checked("the latest registry version's (before the first listing, the enrolment's name, which no digest covers)"),
      "version": .checked("the number of registry versions"),
      "district_code": .checked("the district of the latest registry version's address"),
      "enrolled_at": .checked("the issue time of the agency's first certificate"),
      "listed_at": .checked("the time of the agency's first registry version"),
      "removed_at": .checked("the time of the agency's latest removal; none without one"),
      "removal_count": .checked("the agency's covered removals"),
    ]),
    table("agency_version", .derived, "each registry version, replayed from the approval, changes and removals that made it", [
      "credit_code": .checked("the agency whose filings are replayed"), "version": .unchecked("the row's key; matched with a change by it, with an approval or a removal by its time"),
      "record": .checked("the approved materials with each covered change applied in turn"),
      "record_sha256": .checked("the SHA-256 of the record"),
      "since": .checked("the time of the approval, change or removal that made it"),
      "name": .checked("the name in the record"),
      "status": .checked("listed, or removed for the version a removal made"),
    ]),
    table("agency_staff", .derived, "who is on the staff of which listed agency (the check across agencies, Art. 9)", [
      "id_number": .checked("the staff of the agency's latest registry version, while it is listed"),
      "credit_code": .checked("a listed agency"),
    ]),
    table("activity", .derived, "an activity's current state, rebuilt from its covered versions", [
      "id": .checked("an activity with covered versions; a row without them, or versions without their row, is named"),
      "number": .checked("the number in its id"),
      "credit_code": .checked("the agency that filed its first version (the entry's actor)"),
      "status": .checked("withdrawn when its latest version's entry is a withdrawal, filed otherwise"),
      "version": .checked("its latest version's number"), "filed_at": .checked("the time of its first version"),
      "report_number": .checked("its latest version's report number"), "client_name": .checked("its latest version's client"),
      "sampled_from": .checked("the start of its latest version's sampling"),
      "sampled_until": .checked("the end of its latest version's sampling"),
      "finding_count": .checked("the findings the off-site checks raised on its versions"),
    ]),
    table("activity_district", .derived, "which districts an activity's sites are in (lists by district)", [
      "district_code": .checked("the districts of its latest version's sampling events"), "number": .checked("the activity's number"),
      "activity_id": .checked("an activity that has the row; a row of none is named"),
    ]),
    table("activity_parameter", .derived, "which parameters an activity measured (lists by parameter)", [
      "parameter": .checked("the parameters of its latest version's analyses"), "number": .checked("the activity's number"),
      "activity_id": .checked("an activity that has the row; a row of none is named"),
    ]),
    table("activity_sampling", .derived, "who sampled where and when, for the off-site checks (Art. 9)", [
      "activity_id": .checked("an activity that stands (withdrawn ones have none)"), "credit_code": .checked("its filer"),
      "id_number": .checked("a sampler of its latest version"), "started_at": .checked("the sampling event's start"),
      "ended_at": .checked("the sampling event's end"), "latitude": .checked("the sampling event's site"),
      "longitude": .checked("the sampling event's site"),
    ]),
    table("activity_instrument", .derived, "which instrument was in use when, for the off-site checks", [
      "activity_id": .checked("an activity that stands"), "credit_code": .checked("its filer"),
      "instrument_id": .checked("an analysis of its latest version"), "started_at": .checked("the analysis's start"),
      "ended_at": .checked("the analysis's end"),
    ]),
    table("activity_sample", .derived, "which activity holds a sample id, for the off-site checks", [
      "credit_code": .checked("its filer"), "sample_id": .checked("a sample of its latest version"),
      "activity_id": .checked("an activity that stands"),
    ]),
    table("activity_result_series", .derived, "result series seen before, for the fabrication check", [
      "series": .checked("the SHA-256 of a sample's results in its latest version"), "activity_id": .checked("an activity that stands"),
    ]),
    table("record_index", .derived, "what lists of officers' records filter on, one row per record, written and rebuilt by one function per kind", addedRowsFound: true, [
      "id": .checked("a record with versions, or a case its inspection opened; a record or a case without its row is named"),
      "kind": .checked("the kind its id's prefix names"), "number": .checked("the number in its id (a calendar's year)"),
      "version": .checked("its record's latest version (a case: not compared, the inspection's version that opened it is not kept apart)"),
      "credit_code": .checked("the agency its latest version concerns"), "district_code": .checked("the district its latest version names"),
      "status": .checked("its latest version's status; a commitment's, the plan that used it; a plan's, the plan that replaced it"),
      "day": .checked("the day its kind's lists filter on, from its latest version"),
      "key": .checked("an inspector's badge number; a case's inspection"),
    ]),
    table("finding", .derived, "findings, raised again by replaying in the order of their entries the filings (the off-site checks), the late changes, the inspections and the verified complaints that raised them", addedRowsFound: true, [
      "id": .checked("the place of the finding in the replay (an inspection's or a complaint's, as its record names it); a finding missing or a row of none is named"),
      "number": .checked("the number in its id"), "credit_code": .checked("the agency the raising write concerns"),
      "category": .checked("the rule's Art. 9 category, or the officer's"), "source": .checked("off-site check, inspection or complaint"),
      "source_id": .checked("the activity, change, inspection or complaint that raised it"),
      "description": .checked("the words of the check, the inspection or the complaint's resolution"),
      "raised_at": .checked("the time of the raising entry"), "verified": .checked("whether its status is confirmed or rectified"),
      "rule": .checked("the off-site check's rule"), "activity_id": .checked("the activity it was raised on"),
      "activity_version": .checked("the version filed, or the activity's latest when an inspection raised it"),
      "fields": .checked("the fields the check names"), "status": .checked("the latest decision's, or what it was raised as"),
      "district_code": .checked("the inspection's or the complaint's district"), "case_id": .checked("the case a 9(2) inspection finding opened"),
    ]),
    table("ban", .derived, "bans on agencies and people that follow from removals (Art. 20); a person's ban deleted is not found, as the removal's entry does not cover whom it named", [
      "id": .unchecked("the row's key, numbered by the database"),
      "subject_kind": .checked("agency for the removed agency's ban"),
      "subject": .unchecked("the removed agency for its ban; for a person's, whom the removal request named, which no digest covers"),
      "person_name": .unchecked("the name the removal request gave, which no digest covers"),
      "starts_on": .checked("the day the removal was decided"), "ends_on": .checked("the end of the term its removal count sets (Art. 20)"),
      "art16_case": .checked("the removal's case"), "repeat_offence": .checked("whether it is the agency's second removal or later"),
      "removal_id": .checked("a removal that is there"),
    ]),
    table("rating_change", .derived, "the partners' feed, replayed from the covered publications and direct E removals in the order of their entries", addedRowsFound: true, [
      "cursor": .checked("the change's place in the replayed feed, from 1; a change missing or a row of none is named"),
      "kind": .checked("published or direct E for a publication's ratings; revoked, then direct E, for a removal of TriggerLevelE"),
      "year": .checked("the evaluation's year; a direct E's, the year of the removal's decision"),
      "credit_code": .checked("the rated agency"), "level": .checked("its level in the published evaluation, or E"),
      "rating": .checked("the published rating as the evaluation gives it (revoked: as the latest published year gave it)"),
      "evaluation_id": .checked("the evaluation published, or the removal"),
      "changed_at": .checked("the time of the publication, or of the removal's entry"),
    ]),
    table("draw_seed", .derived, "the draw's secret seeds, revealed after the plan", [
      "commitment_id": .checked("a covered commitment, which holds the seed's SHA-256; a commitment without its seed is named"),
      "seed": .checked("its SHA-256 is the one committed to"),
    ]),
    table("document_content", .derived, "the bytes of each document, by SHA-256 (SQLite keeps them in files, PostgreSQL in document_part)", [
      "sha256": .checked("the SHA-256 of the bytes read back, which the upload's entry covers"),
      "size_bytes": .checked("the length of the bytes read back"),
    ]),
    table("document_part", .derived, "the bytes of each document in parts of 1 MiB", onlyOn: "postgres", [
      "sha256": .checked("a document kept; a part of none is named"), "part": .checked("read back in order, the whole hashes to the SHA-256"),
      "bytes": .checked("read back, the whole hashes to the SHA-256"),
    ]),
    table("merkle_node", .derived, "the log's tree, kept so that roots and proofs cost O(log n)", [
      "level": .unchecked("the node's position"), "idx": .unchecked("the node's position"),
      "hash": .unchecked("only the nodes the root reads are compared with the tree rebuilt from the entries; a proof through another altered node fails at the client, against the signed root"),
    ]),
    table("id_sequence", .derived, "the last number issued in each sequence of ids", [
      "name": .checked("one row per sequence of ids; a row of another is named"),
      "value": .checked("the greatest number in use in the sequence's ids"),
    ]),

    // MARK: Outside the record.
    table(
      "idempotency", .outside,
      "replies already given, kept for retries with the same request_id; every reply that reports a write carries its receipt, which the client verifies against the log"),
    table("server_metadata", .outside, "when the schema was created; read by no answer"),
    table("grdb_migrations", .outside, "the schema migrations applied; the server refuses to start on a schema it does not know", onlyOn: "sqlite"),
    table("schema_migration", .outside, "the schema migrations applied; the server refuses to start on a schema it does not know", onlyOn: "postgres"),
    table("sqlite_sequence", .outside, "SQLite's own counters for AUTOINCREMENT keys", onlyOn: "sqlite"),
    table("write_lock", .outside, "the row writers lock to take turns, and a count of writes for the metrics", onlyOn: "postgres"),
  ]

  /// The declaration of `name`, nil when it has none.
  public static func table(named name: String) -> Table? { tables.first { $0.name == name } }
}
