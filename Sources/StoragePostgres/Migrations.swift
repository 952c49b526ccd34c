/// PostgreSQL's schema history: append only, like SQLite's, and with the same meaning (the
/// contract suite holds both to it). Plain SQL that PostgreSQL-compatible distributed engines
/// accept too; the one PostgreSQL-only feature is the advisory lock around migrating.
///
/// Instants are RFC 3339 text, exactly as written: audit hashes and receipt signatures cover
/// that text, and `copy-database` moves it byte for byte.
enum Migrations {
  static let all: [(name: String, statements: [String])] = [
    ("v1 registry, documents, audit", [
      "CREATE TABLE server_metadata (key text PRIMARY KEY, value text NOT NULL)",
      "INSERT INTO server_metadata (key, value) VALUES ('schema_created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))",
      // Every write transaction locks this row first: writes are serialised across servers,
      // as the audit chain needs. The lock is what counts; `writes` is not kept up.
      "CREATE TABLE write_lock (id bigint PRIMARY KEY, writes bigint NOT NULL)",
      "INSERT INTO write_lock (id, writes) VALUES (1, 0)",
      """
      CREATE TABLE audit_log (
        sequence bigint PRIMARY KEY, recorded_at text NOT NULL, actor text NOT NULL, method text NOT NULL,
        request_sha256 text NOT NULL, record_sha256 text NOT NULL, previous_hash text NOT NULL, hash text NOT NULL UNIQUE)
      """,
      "CREATE TABLE id_sequence (name text PRIMARY KEY, value bigint NOT NULL)",
      """
      CREATE TABLE idempotency (
        actor text NOT NULL, method text NOT NULL, request_id text NOT NULL, request_sha256 text NOT NULL,
        result_id text NOT NULL, PRIMARY KEY (actor, method, request_id))
      """,
      """
      CREATE TABLE agency (
        credit_code text PRIMARY KEY, name text NOT NULL,
        status text NOT NULL CHECK (status IN ('enrolled', 'listed', 'removed')),
        district_code text NOT NULL DEFAULT '', enrolled_at text NOT NULL, listed_at text, removed_at text,
        removal_count bigint NOT NULL DEFAULT 0, version bigint NOT NULL DEFAULT 0)
      """,
      "CREATE INDEX agency_by_district ON agency (district_code, credit_code)",
      "CREATE INDEX agency_by_status ON agency (status, credit_code)",
      """
      CREATE TABLE agency_version (
        credit_code text NOT NULL REFERENCES agency, version bigint NOT NULL, since text NOT NULL, name text NOT NULL,
        status text NOT NULL, record text NOT NULL, record_sha256 text NOT NULL, PRIMARY KEY (credit_code, version))
      """,
      """
      CREATE TABLE certificate (
        serial text PRIMARY KEY, credit_code text NOT NULL REFERENCES agency, subject text NOT NULL,
        not_before text NOT NULL, not_after text NOT NULL, sha256_fingerprint text NOT NULL, issued_at text NOT NULL,
        revoked_at text, revocation_reason text, audit_sequence bigint NOT NULL)
      """,
      "CREATE INDEX certificate_by_agency ON certificate (credit_code, audit_sequence)",
      """
      CREATE TABLE application (
        id text PRIMARY KEY, number bigint NOT NULL UNIQUE, credit_code text NOT NULL REFERENCES agency,
        status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'returned')),
        materials text NOT NULL, warnings text NOT NULL, submitted_at text NOT NULL, submitted_by text NOT NULL,
        decision text, reasons text, reviewed_by text, reviewed_at text, audit_sequence bigint NOT NULL)
      """,
      // Art. 4: one pending application per agency, enforced by the schema.
      "CREATE UNIQUE INDEX application_one_pending ON application (credit_code) WHERE status = 'pending'",
      "CREATE INDEX application_by_agency ON application (credit_code, number)",
      "CREATE INDEX application_by_status ON application (status, number)",
      """
      CREATE TABLE change (
        id text PRIMARY KEY, number bigint NOT NULL UNIQUE, credit_code text NOT NULL REFERENCES agency,
        kind bigint NOT NULL, effective_on text NOT NULL, due_on text NOT NULL, late boolean NOT NULL,
        filed_at text NOT NULL, filed_by text NOT NULL, before text NOT NULL, after text NOT NULL,
        documents text NOT NULL, note text NOT NULL, version bigint NOT NULL, audit_sequence bigint NOT NULL)
      """,
      "CREATE INDEX change_by_agency ON change (credit_code, number)",
      "CREATE INDEX change_by_kind ON change (credit_code, kind, number)",
      "CREATE INDEX change_late ON change (credit_code, number) WHERE late",
      """
      CREATE TABLE finding (
        id text PRIMARY KEY, credit_code text NOT NULL REFERENCES agency, category bigint NOT NULL,
        source bigint NOT NULL, source_id text NOT NULL, description text NOT NULL, raised_at text NOT NULL,
        verified boolean NOT NULL)
      """,
      "CREATE INDEX finding_by_agency ON finding (credit_code, raised_at)",
      """
      CREATE TABLE removal (
        id text PRIMARY KEY, credit_code text NOT NULL REFERENCES agency, art16_case bigint NOT NULL,
        decided_on text NOT NULL, description text NOT NULL, evidence text NOT NULL, removal_count bigint NOT NULL,
        removed_at text NOT NULL, audit_sequence bigint NOT NULL)
      """,
      """
      CREATE TABLE ban (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        subject_kind text NOT NULL CHECK (subject_kind IN ('agency', 'person')), subject text NOT NULL,
        person_name text NOT NULL, starts_on text NOT NULL, ends_on text NOT NULL, art16_case bigint NOT NULL,
        repeat_offence boolean NOT NULL, removal_id text NOT NULL REFERENCES removal)
      """,
      "CREATE INDEX ban_by_subject ON ban (subject)",
      "CREATE INDEX ban_by_removal ON ban (removal_id)",
      """
      CREATE TABLE document (
        sha256 text PRIMARY KEY, size_bytes bigint NOT NULL, file_name text NOT NULL, media_type text NOT NULL,
        owner_credit_code text NOT NULL, uploaded_at text NOT NULL, uploaded_by text NOT NULL,
        audit_sequence bigint NOT NULL)
      """,
      // Documents' bytes live in the database, so that every server reads every upload.
      """
      CREATE TABLE document_part (
        sha256 text NOT NULL REFERENCES document, part bigint NOT NULL, bytes bytea NOT NULL,
        PRIMARY KEY (sha256, part))
      """,
    ]),
    ("v2 a document record per owner", [
      // The bytes once (by digest); a record for each agency or bureau office that uploaded them.
      "CREATE TABLE document_content (sha256 text PRIMARY KEY, size_bytes bigint NOT NULL)",
      """
      CREATE TABLE document_record (
        sha256 text NOT NULL REFERENCES document_content, owner text NOT NULL, file_name text NOT NULL,
        media_type text NOT NULL, uploaded_at text NOT NULL, uploaded_by text NOT NULL, audit_sequence bigint NOT NULL,
        PRIMARY KEY (sha256, owner))
      """,
      "INSERT INTO document_content (sha256, size_bytes) SELECT sha256, size_bytes FROM document",
      // Before, the bureau's uploads had no owner; they become the city office's.
      """
      INSERT INTO document_record (sha256, owner, file_name, media_type, uploaded_at, uploaded_by, audit_sequence)
      SELECT sha256, CASE owner_credit_code WHEN '' THEN 'bureau:city' ELSE owner_credit_code END, file_name, media_type,
             uploaded_at, uploaded_by, audit_sequence FROM document
      """,
      "ALTER TABLE document_part DROP CONSTRAINT document_part_sha256_fkey",
      "ALTER TABLE document_part ADD CONSTRAINT document_part_sha256_fkey FOREIGN KEY (sha256) REFERENCES document_content",
      "DROP TABLE document",
    ]),
    ("v3 transparency log", [
      // Each entry's receipt signature, made once as it is written (base64; empty for entries
      // written before, until the server signs them at start).
      "ALTER TABLE audit_log ADD COLUMN receipt_signature text NOT NULL DEFAULT ''",
      "ALTER TABLE audit_log ADD COLUMN key_id text NOT NULL DEFAULT ''",
      // The hash (hex) of every complete subtree of the log's Merkle tree: node (level, idx)
      // covers leaves idx·2^level ..< (idx+1)·2^level. Filled at start for entries before.
      "CREATE TABLE merkle_node (level bigint NOT NULL, idx bigint NOT NULL, hash text NOT NULL, PRIMARY KEY (level, idx))",
    ]),
    ("v4 activities", [
      """
      CREATE TABLE activity (
        id text PRIMARY KEY, number bigint NOT NULL UNIQUE, credit_code text NOT NULL REFERENCES agency,
        status text NOT NULL CHECK (status IN ('filed', 'withdrawn')), version bigint NOT NULL, filed_at text NOT NULL,
        report_number text NOT NULL, client_name text NOT NULL, sampled_from text NOT NULL, sampled_until text NOT NULL,
        finding_count bigint NOT NULL DEFAULT 0)
      """,
      // A report number names one activity of its agency.
      "CREATE UNIQUE INDEX activity_report ON activity (credit_code, report_number)",
      "CREATE INDEX activity_by_agency ON activity (credit_code, number)",
      "CREATE INDEX activity_by_status ON activity (status, number)",
      """
      CREATE TABLE activity_version (
        activity_id text NOT NULL REFERENCES activity, version bigint NOT NULL, content text NOT NULL,
        content_sha256 text NOT NULL, version_at text NOT NULL, version_by text NOT NULL, reason text NOT NULL,
        audit_sequence bigint NOT NULL, PRIMARY KEY (activity_id, version))
      """,
      "CREATE TABLE activity_district (district_code text NOT NULL, number bigint NOT NULL, activity_id text NOT NULL, PRIMARY KEY (district_code, number))",
      "CREATE TABLE activity_parameter (parameter text NOT NULL, number bigint NOT NULL, activity_id text NOT NULL, PRIMARY KEY (parameter, number))",
      "ALTER TABLE finding ADD COLUMN rule text NOT NULL DEFAULT ''",
      "ALTER TABLE finding ADD COLUMN activity_id text",
      "ALTER TABLE finding ADD COLUMN activity_version bigint",
      "ALTER TABLE finding ADD COLUMN fields text NOT NULL DEFAULT '[]'",
      "ALTER TABLE finding ADD COLUMN status text NOT NULL DEFAULT 'open'",
      // Findings before were raised verified (late change filings): confirmed.
      "UPDATE finding SET status = 'confirmed' WHERE verified",
      "CREATE INDEX finding_by_activity ON finding (activity_id)",
      "CREATE INDEX finding_by_rule ON finding (rule, status)",
    ]),
    ("v5 activity facts", [
      "CREATE TABLE activity_sampling (activity_id text NOT NULL, credit_code text NOT NULL, id_number text NOT NULL, started_at text NOT NULL, ended_at text NOT NULL, latitude double precision NOT NULL, longitude double precision NOT NULL)",
      "CREATE INDEX activity_sampling_by_person ON activity_sampling (id_number, started_at)",
      "CREATE INDEX activity_sampling_by_activity ON activity_sampling (activity_id)",
      "CREATE TABLE activity_instrument (activity_id text NOT NULL, credit_code text NOT NULL, instrument_id text NOT NULL, started_at text NOT NULL, ended_at text NOT NULL)",
      "CREATE INDEX activity_instrument_by_use ON activity_instrument (credit_code, instrument_id, started_at)",
      "CREATE INDEX activity_instrument_by_activity ON activity_instrument (activity_id)",
      "CREATE TABLE activity_sample (credit_code text NOT NULL, sample_id text NOT NULL, activity_id text NOT NULL)",
      "CREATE INDEX activity_sample_by_id ON activity_sample (credit_code, sample_id)",
      "CREATE INDEX activity_sample_by_activity ON activity_sample (activity_id)",
      "CREATE TABLE activity_result_series (series text NOT NULL, activity_id text NOT NULL)",
      "CREATE INDEX activity_result_series_by_series ON activity_result_series (series)",
      "CREATE INDEX activity_result_series_by_activity ON activity_result_series (activity_id)",
    ]),
    ("v6 agency staff", [
      // Who is on the staff of which listed agency: the current version's staff list.
      "CREATE TABLE agency_staff (id_number text NOT NULL, credit_code text NOT NULL, PRIMARY KEY (id_number, credit_code))",
      """
      INSERT INTO agency_staff (id_number, credit_code)
      SELECT DISTINCT s -> 'person' ->> 'idNumber', a.credit_code
      FROM agency a JOIN agency_version v ON v.credit_code = a.credit_code AND v.version = a.version,
           jsonb_array_elements(CASE WHEN v.record = 'null' THEN '[]'::jsonb ELSE COALESCE(v.record::jsonb -> 'staff', '[]'::jsonb) END) s
      WHERE a.status = 'listed' AND s -> 'person' ->> 'idNumber' IS NOT NULL
      """,
    ]),
    ("v7 covering indexes for the cross-activity checks", [
      // A busy sampler or instrument has many rows in the window a check reads: index-only scans.
      "DROP INDEX activity_sampling_by_person",
      "CREATE INDEX activity_sampling_by_person ON activity_sampling (id_number, started_at, ended_at, latitude, longitude, credit_code, activity_id)",
      "DROP INDEX activity_instrument_by_use",
      "CREATE INDEX activity_instrument_by_use ON activity_instrument (credit_code, instrument_id, ended_at, started_at, activity_id)",
    ]),
    ("v8 finding numbers", [
      // Findings are listed newest first by the number in their id, filtered by agency, rule
      // and status.
      "ALTER TABLE finding ADD COLUMN number bigint",
      "UPDATE finding SET number = CAST(substr(id, 5) AS bigint)",
      "CREATE INDEX finding_by_number ON finding (number)",
      "CREATE INDEX finding_by_agency_number ON finding (credit_code, number)",
      "CREATE INDEX finding_by_status ON finding (status, number)",
      "DROP INDEX finding_by_rule",
      "CREATE INDEX finding_by_rule ON finding (rule, status, number)",
    ]),
    ("v9 activities by client", [
      "CREATE INDEX activity_by_client ON activity (client_name, number)",
    ]),
    ("v10 supervision", [
      // Supervision records: every version as written, and one index row per record with what
      // its lists filter on.
      """
      CREATE TABLE supervision_record (
        id text NOT NULL, version bigint NOT NULL, content text NOT NULL, recorded_at text NOT NULL, recorded_by text NOT NULL,
        audit_sequence bigint NOT NULL, PRIMARY KEY (id, version))
      """,
      """
      CREATE TABLE supervision_index (
        id text PRIMARY KEY, kind text NOT NULL, number bigint NOT NULL, version bigint NOT NULL, credit_code text NOT NULL,
        district_code text NOT NULL, status text NOT NULL, day text NOT NULL, key text NOT NULL)
      """,
      "CREATE INDEX supervision_by_kind ON supervision_index (kind, number)",
      "CREATE INDEX supervision_by_agency ON supervision_index (kind, credit_code, number)",
      "CREATE INDEX supervision_by_district ON supervision_index (kind, district_code, number)",
      "CREATE INDEX supervision_by_status ON supervision_index (kind, status, day)",
      "CREATE UNIQUE INDEX supervision_by_key ON supervision_index (kind, key) WHERE key <> ''",
      // A seed committed to stays here, out of every record, until its plan reveals it.
      "CREATE TABLE draw_seed (commitment_id text PRIMARY KEY, seed text NOT NULL)",
      "ALTER TABLE finding ADD COLUMN district_code text NOT NULL DEFAULT ''",
      "ALTER TABLE finding ADD COLUMN case_id text NOT NULL DEFAULT ''",
      "CREATE INDEX finding_by_district ON finding (district_code, number)",
      "CREATE INDEX activity_district_by_activity ON activity_district (activity_id)",
    ]),
    ("v11 records of every service", [
      // Credit keeps its records the way supervision does: the tables are named for what they hold.
      "ALTER TABLE supervision_record RENAME TO record_version",
      "ALTER TABLE supervision_index RENAME TO record_index",
    ]),
    ("v12 rating changes", [
      // The partners' feed (WatchRatings): every change to published ratings, by cursor.
      """
      CREATE TABLE rating_change (
        cursor bigint PRIMARY KEY, kind bigint NOT NULL, year bigint NOT NULL, credit_code text NOT NULL,
        level text NOT NULL, rating text NOT NULL, evaluation_id text NOT NULL, changed_at text NOT NULL)
      """,
      "CREATE INDEX rating_change_by_agency ON rating_change (credit_code, cursor)",
    ]),
    ("v13 results of writes", [
      // A retry gets back what the first call returned: the result is kept with the key.
      // Keys from before keep no result.
      "ALTER TABLE idempotency ADD COLUMN result text",
      "ALTER TABLE idempotency DROP COLUMN result_id",
    ]),
    ("v14 an agency's applications by status", [
      // An agency's applications of one status, newest first (its approvals, which the audit
      // verification replays): without it a planner may walk every application of the status.
      // The same statement as SQLite's v17.
      "CREATE INDEX application_by_agency_status ON application (credit_code, status, number)",
    ]),
  ]
}
