import GRDB

extension SQLiteStore {
  /// The schema's history. Append only: never edit or reorder a migration that has shipped, and
  /// never use application types inside one (they change; the migration must not).
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1 server metadata") { db in
      try db.create(table: "server_metadata") { t in
        t.primaryKey("key", .text)
        t.column("value", .text).notNull()
      }
      try db.execute(
        sql: "INSERT INTO server_metadata (key, value) VALUES ('schema_created_at', datetime('now'))")
    }
    migrator.registerMigration("v2 audit log") { db in
      try db.create(table: "audit_log") { t in
        t.primaryKey("sequence", .integer)
        t.column("recorded_at", .text).notNull()
        t.column("actor", .text).notNull()
        t.column("method", .text).notNull()
        t.column("request_sha256", .text).notNull()
        t.column("record_sha256", .text).notNull()
        t.column("previous_hash", .text).notNull()
        t.column("hash", .text).notNull().unique()
      }
    }
    migrator.registerMigration("v3 registry") { db in
      // Client-chosen request ids: the same (actor, method, request_id) again returns the first
      // result, recorded here by the id of what it created.
      try db.create(table: "idempotency") { t in
        t.column("actor", .text).notNull()
        t.column("method", .text).notNull()
        t.column("request_id", .text).notNull()
        t.column("request_sha256", .text).notNull()
        t.column("result_id", .text).notNull()
        t.primaryKey(["actor", "method", "request_id"])
      }
      try db.create(table: "agency") { t in
        t.primaryKey("credit_code", .text)
        t.column("name", .text).notNull()
        t.column("status", .text).notNull().check(sql: "status IN ('enrolled', 'listed', 'removed')")
        t.column("enrolled_at", .text).notNull()
        t.column("listed_at", .text)
        t.column("removed_at", .text)
        t.column("removal_count", .integer).notNull().defaults(to: 0)
        t.column("version", .integer).notNull().defaults(to: 0)
      }
      // Every registry version of every agency, never updated: GetAgency as of any instant.
      try db.create(table: "agency_version") { t in
        t.column("credit_code", .text).notNull().references("agency")
        t.column("version", .integer).notNull()
        t.column("since", .text).notNull()
        t.column("name", .text).notNull()
        t.column("status", .text).notNull()
        t.column("record", .text).notNull()
        t.column("record_sha256", .text).notNull()
        t.primaryKey(["credit_code", "version"])
      }
      try db.create(table: "certificate") { t in
        t.primaryKey("serial", .text)
        t.column("credit_code", .text).notNull().references("agency")
        t.column("subject", .text).notNull()
        t.column("not_before", .text).notNull()
        t.column("not_after", .text).notNull()
        t.column("sha256_fingerprint", .text).notNull()
        t.column("issued_at", .text).notNull()
        t.column("revoked_at", .text)
        t.column("revocation_reason", .text)
        t.column("audit_sequence", .integer).notNull()
      }
      try db.create(table: "application") { t in
        t.primaryKey("id", .text)
        t.column("credit_code", .text).notNull().references("agency")
        t.column("status", .text).notNull().check(sql: "status IN ('pending', 'approved', 'rejected', 'returned')")
        t.column("materials", .text).notNull()
        t.column("warnings", .text).notNull()
        t.column("submitted_at", .text).notNull()
        t.column("submitted_by", .text).notNull()
        t.column("decision", .text)
        t.column("reasons", .text)
        t.column("reviewed_by", .text)
        t.column("reviewed_at", .text)
        t.column("audit_sequence", .integer).notNull()
      }
      // Art. 4: one pending application per agency, enforced by the schema.
      try db.execute(sql: "CREATE UNIQUE INDEX application_one_pending ON application(credit_code) WHERE status = 'pending'")
      try db.create(table: "change") { t in
        t.primaryKey("id", .text)
        t.column("credit_code", .text).notNull().references("agency")
        t.column("kind", .integer).notNull()
        t.column("effective_on", .text).notNull()
        t.column("due_on", .text).notNull()
        t.column("late", .boolean).notNull()
        t.column("filed_at", .text).notNull()
        t.column("filed_by", .text).notNull()
        t.column("before", .text).notNull()
        t.column("after", .text).notNull()
        t.column("documents", .text).notNull()
        t.column("note", .text).notNull()
        t.column("version", .integer).notNull()
        t.column("audit_sequence", .integer).notNull()
      }
      try db.create(table: "finding") { t in
        t.primaryKey("id", .text)
        t.column("credit_code", .text).notNull().references("agency")
        t.column("category", .integer).notNull()
        t.column("source", .integer).notNull()
        t.column("source_id", .text).notNull()
        t.column("description", .text).notNull()
        t.column("raised_at", .text).notNull()
        t.column("verified", .boolean).notNull()
      }
      try db.create(table: "removal") { t in
        t.primaryKey("id", .text)
        t.column("credit_code", .text).notNull().references("agency")
        t.column("art16_case", .integer).notNull()
        t.column("decided_on", .text).notNull()
        t.column("description", .text).notNull()
        t.column("evidence", .text).notNull()
        t.column("removal_count", .integer).notNull()
        t.column("removed_at", .text).notNull()
        t.column("audit_sequence", .integer).notNull()
      }
      try db.create(table: "ban") { t in
        t.autoIncrementedPrimaryKey("id")
        t.column("subject_kind", .text).notNull().check(sql: "subject_kind IN ('agency', 'person')")
        t.column("subject", .text).notNull().indexed()
        t.column("person_name", .text).notNull()
        t.column("starts_on", .text).notNull()
        t.column("ends_on", .text).notNull()
        t.column("art16_case", .integer).notNull()
        t.column("repeat_offence", .boolean).notNull()
        t.column("removal_id", .text).notNull().references("removal")
      }
      try db.create(table: "document") { t in
        t.primaryKey("sha256", .text)
        t.column("size_bytes", .integer).notNull()
        t.column("file_name", .text).notNull()
        t.column("media_type", .text).notNull()
        t.column("owner_credit_code", .text).notNull()
        t.column("uploaded_at", .text).notNull()
        t.column("uploaded_by", .text).notNull()
        t.column("audit_sequence", .integer).notNull()
      }
    }
    migrator.registerMigration("v4 keyset pagination, sequences, indexed filters") { db in
      // Ids come from named sequences, not from counting rows; existing ids carry on.
      try db.create(table: "id_sequence") { t in
        t.primaryKey("name", .text)
        t.column("value", .integer).notNull()
      }
      for (name, table) in [("application", "application"), ("change", "change"), ("finding", "finding"), ("removal", "removal")] {
        try db.execute(
          sql: "INSERT INTO id_sequence (name, value) SELECT ?, COALESCE(MAX(CAST(substr(id, 5) AS INTEGER)), 0) FROM \(table)",
          arguments: [name])
      }
      // Lists are ordered by the number inside the id (creation order) and filtered on indexes.
      for table in ["application", "change"] {
        try db.execute(sql: "ALTER TABLE \(table) ADD COLUMN number INTEGER NOT NULL DEFAULT 0")
        try db.execute(sql: "UPDATE \(table) SET number = CAST(substr(id, 5) AS INTEGER)")
      }
      try db.execute(sql: "CREATE UNIQUE INDEX application_number ON application(number)")
      try db.execute(sql: "CREATE INDEX application_by_agency ON application(credit_code, number)")
      try db.execute(sql: "CREATE INDEX application_by_status ON application(status, number)")
      try db.execute(sql: "CREATE UNIQUE INDEX change_number ON change(number)")
      try db.execute(sql: "CREATE INDEX change_by_agency ON change(credit_code, number)")
      try db.execute(sql: "CREATE INDEX change_by_kind ON change(credit_code, kind, number)")
      try db.execute(sql: "CREATE INDEX change_late ON change(credit_code, number) WHERE late")
      // The district of an agency's current address, a column of its own for the filter.
      try db.execute(sql: "ALTER TABLE agency ADD COLUMN district_code TEXT NOT NULL DEFAULT ''")
      try db.execute(sql: """
        UPDATE agency SET district_code = COALESCE((
          SELECT json_extract(v.record, '$.address.districtCode') FROM agency_version v
          WHERE v.credit_code = agency.credit_code AND v.version = agency.version), '')
        """)
      try db.execute(sql: "CREATE INDEX agency_by_district ON agency(district_code, credit_code)")
      try db.execute(sql: "CREATE INDEX agency_by_status ON agency(status, credit_code)")
      try db.execute(sql: "CREATE INDEX certificate_by_agency ON certificate(credit_code, audit_sequence)")
      try db.execute(sql: "CREATE INDEX finding_by_agency ON finding(credit_code, raised_at)")
      try db.execute(sql: "CREATE INDEX ban_by_removal ON ban(removal_id)")
    }
    migrator.registerMigration("v5 a document record per owner") { db in
      // The bytes once (by digest); a record for each agency or bureau office that uploaded them.
      try db.create(table: "document_content") { t in
        t.primaryKey("sha256", .text)
        t.column("size_bytes", .integer).notNull()
      }
      try db.create(table: "document_record") { t in
        t.column("sha256", .text).notNull().references("document_content")
        t.column("owner", .text).notNull()
        t.column("file_name", .text).notNull()
        t.column("media_type", .text).notNull()
        t.column("uploaded_at", .text).notNull()
        t.column("uploaded_by", .text).notNull()
        t.column("audit_sequence", .integer).notNull()
        t.primaryKey(["sha256", "owner"])
      }
      try db.execute(sql: "INSERT INTO document_content (sha256, size_bytes) SELECT sha256, size_bytes FROM document")
      // Before, the bureau's uploads had no owner; they become the city office's.
      try db.execute(sql: """
        INSERT INTO document_record (sha256, owner, file_name, media_type, uploaded_at, uploaded_by, audit_sequence)
        SELECT sha256, CASE owner_credit_code WHEN '' THEN 'bureau:city' ELSE owner_credit_code END, file_name, media_type,
               uploaded_at, uploaded_by, audit_sequence FROM document
        """)
      try db.execute(sql: "DROP TABLE document")
    }
    migrator.registerMigration("v6 transparency log") { db in
      // Each entry's receipt signature, made once as it is written (base64; empty for entries
      // written before, until the server signs them at start).
      try db.execute(sql: "ALTER TABLE audit_log ADD COLUMN receipt_signature TEXT NOT NULL DEFAULT ''")
      try db.execute(sql: "ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT ''")
      // The hash (hex) of every complete subtree of the log's Merkle tree: node (level, idx)
      // covers leaves idx·2^level ..< (idx+1)·2^level. Filled at start for entries before.
      try db.create(table: "merkle_node") { t in
        t.column("level", .integer).notNull()
        t.column("idx", .integer).notNull()
        t.column("hash", .text).notNull()
        t.primaryKey(["level", "idx"])
      }
    }
    migrator.registerMigration("v7 activities") { db in
      for statement in Self.activityTables { try db.execute(sql: statement) }
    }
    migrator.registerMigration("v8 activity facts") { db in
      for statement in Self.activityFacts { try db.execute(sql: statement) }
    }
    migrator.registerMigration("v9 agency staff") { db in
      // Who is on the staff of which listed agency: the current version's staff list.
      try db.execute(sql: "CREATE TABLE agency_staff (id_number TEXT NOT NULL, credit_code TEXT NOT NULL, PRIMARY KEY (id_number, credit_code))")
      try db.execute(sql: """
        INSERT OR IGNORE INTO agency_staff (id_number, credit_code)
        SELECT json_extract(s.value, '$.person.idNumber'), a.credit_code
        FROM agency a JOIN agency_version v ON v.credit_code = a.credit_code AND v.version = a.version, json_each(v.record, '$.staff') s
        WHERE a.status = 'listed' AND json_extract(s.value, '$.person.idNumber') IS NOT NULL
        """)
    }
    migrator.registerMigration("v10 covering indexes for the cross-activity checks") { db in
      for statement in Self.coveringIndexes { try db.execute(sql: statement) }
    }
    migrator.registerMigration("v11 finding numbers") { db in
      for statement in Self.findingNumbers { try db.execute(sql: statement) }
    }
    migrator.registerMigration("v12 activities by client") { db in
      // Lists of a client's activities, newest first. The same statement as PostgreSQL's v9.
      try db.execute(sql: "CREATE INDEX activity_by_client ON activity (client_name, number)")
    }
    migrator.registerMigration("v13 supervision") { db in
      for statement in Self.supervision { try db.execute(sql: statement) }
    }
    migrator.registerMigration("v14 records of every service") { db in
      // Credit keeps its records the way supervision does: the tables are named for what they
      // hold. The same statements as PostgreSQL's v11.
      try db.execute(sql: "ALTER TABLE supervision_record RENAME TO record_version")
      try db.execute(sql: "ALTER TABLE supervision_index RENAME TO record_index")
    }
    migrator.registerMigration("v15 rating changes") { db in
      // The partners' feed (WatchRatings): every change to published ratings, by cursor. Derived
      // from the evaluations and removals the audit log covers. The same as PostgreSQL's v12.
      try db.execute(sql: """
        CREATE TABLE rating_change (
          cursor INTEGER PRIMARY KEY, kind INTEGER NOT NULL, year INTEGER NOT NULL, credit_code TEXT NOT NULL,
          level TEXT NOT NULL, rating TEXT NOT NULL, evaluation_id TEXT NOT NULL, changed_at TEXT NOT NULL)
        """)
      try db.execute(sql: "CREATE INDEX rating_change_by_agency ON rating_change (credit_code, cursor)")
    }
    migrator.registerMigration("v16 results of writes") { db in
      // A retry gets back what the first call returned, not a read of the record as it is
      // now: the result is kept with the key. Keys from before keep no result. The same as
      // PostgreSQL's v13.
      for statement in idempotencyResults { try db.execute(sql: statement) }
    }
    migrator.registerMigration("v17 an agency's applications by status") { db in
      // An agency's applications of one status, newest first (its approvals, which the audit
      // verification replays): without it SQLite walks every application of the status. The
      // same statement as PostgreSQL's v14.
      try db.execute(sql: "CREATE INDEX application_by_agency_status ON application (credit_code, status, number)")
    }
    return migrator
  }

  /// Idempotency keys keep the result their write returned, as JSON, instead of the id of what
  /// it wrote.
  static let idempotencyResults = [
    "ALTER TABLE idempotency ADD COLUMN result TEXT",
    "ALTER TABLE idempotency DROP COLUMN result_id",
  ]

  /// Supervision records (inspectors, seed commitments, plans, inspections, complaints, cases,
  /// decisions on findings): every version as written, and one index row per record with what
  /// its lists filter on. The same statements as PostgreSQL's v10.
  static let supervision = [
    """
    CREATE TABLE supervision_record (
      id TEXT NOT NULL, version INTEGER NOT NULL, content TEXT NOT NULL, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,
      audit_sequence INTEGER NOT NULL, PRIMARY KEY (id, version))
    """,
    """
    CREATE TABLE supervision_index (
      id TEXT PRIMARY KEY, kind TEXT NOT NULL, number INTEGER NOT NULL, version INTEGER NOT NULL, credit_code TEXT NOT NULL,
      district_code TEXT NOT NULL, status TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL)
    """,
    "CREATE INDEX supervision_by_kind ON supervision_index (kind, number)",
    "CREATE INDEX supervision_by_agency ON supervision_index (kind, credit_code, number)",
    "CREATE INDEX supervision_by_district ON supervision_index (kind, district_code, number)",
    "CREATE INDEX supervision_by_status ON supervision_index (kind, status, day)",
    "CREATE UNIQUE INDEX supervision_by_key ON supervision_index (kind, key) WHERE key <> ''",
    // A seed committed to stays here, out of every record, until its plan reveals it.
    "CREATE TABLE draw_seed (commitment_id TEXT PRIMARY KEY, seed TEXT NOT NULL)",
    "ALTER TABLE finding ADD COLUMN district_code TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE finding ADD COLUMN case_id TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX finding_by_district ON finding (district_code, number)",
    // Art. 7: an agency's sampling in a district, found from the agency's side.
    "CREATE INDEX activity_district_by_activity ON activity_district (activity_id)",
  ]

  /// Findings are listed newest first by the number in their id (`fnd-000042`), with keyset
  /// pages, filtered by agency, rule and status. The same statements as PostgreSQL's v8.
  static let findingNumbers = [
    "ALTER TABLE finding ADD COLUMN number INTEGER",
    "UPDATE finding SET number = CAST(substr(id, 5) AS INTEGER)",
    "CREATE INDEX finding_by_number ON finding (number)",
    "CREATE INDEX finding_by_agency_number ON finding (credit_code, number)",
    "CREATE INDEX finding_by_status ON finding (status, number)",
    "DROP INDEX finding_by_rule",
    "CREATE INDEX finding_by_rule ON finding (rule, status, number)",
  ]

  /// A busy sampler or instrument has many rows in the window a check reads: indexes that
  /// hold every column the check needs answer it without a lookup in the table per row. An
  /// instrument's uses are found by end time: in a backlog filed in order, the uses that end
  /// after an analysis began are the few running with it, where by start time they were a day's.
  static let coveringIndexes = [
    "DROP INDEX activity_sampling_by_person",
    "CREATE INDEX activity_sampling_by_person ON activity_sampling (id_number, started_at, ended_at, latitude, longitude, credit_code, activity_id)",
    "DROP INDEX activity_instrument_by_use",
    "CREATE INDEX activity_instrument_by_use ON activity_instrument (credit_code, instrument_id, ended_at, started_at, activity_id)",
  ]

  /// What the cross-activity checks look up, by person, instrument, sample id and result
  /// series: indexed, so each check is a range read. The same statements as PostgreSQL's v5.
  static let activityFacts = [
    "CREATE TABLE activity_sampling (activity_id TEXT NOT NULL, credit_code TEXT NOT NULL, id_number TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT NOT NULL, latitude REAL NOT NULL, longitude REAL NOT NULL)",
    "CREATE INDEX activity_sampling_by_person ON activity_sampling (id_number, started_at)",
    "CREATE INDEX activity_sampling_by_activity ON activity_sampling (activity_id)",
    "CREATE TABLE activity_instrument (activity_id TEXT NOT NULL, credit_code TEXT NOT NULL, instrument_id TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT NOT NULL)",
    "CREATE INDEX activity_instrument_by_use ON activity_instrument (credit_code, instrument_id, started_at)",
    "CREATE INDEX activity_instrument_by_activity ON activity_instrument (activity_id)",
    "CREATE TABLE activity_sample (credit_code TEXT NOT NULL, sample_id TEXT NOT NULL, activity_id TEXT NOT NULL)",
    "CREATE INDEX activity_sample_by_id ON activity_sample (credit_code, sample_id)",
    "CREATE INDEX activity_sample_by_activity ON activity_sample (activity_id)",
    "CREATE TABLE activity_result_series (series TEXT NOT NULL, activity_id TEXT NOT NULL)",
    "CREATE INDEX activity_result_series_by_series ON activity_result_series (series)",
    "CREATE INDEX activity_result_series_by_activity ON activity_result_series (activity_id)",
  ]

  /// Filed activities, their versions and the index tables their lists filter on; findings
  /// gain what the off-site checks record. The same statements as PostgreSQL's v4.
  static let activityTables = [
    """
    CREATE TABLE activity (
      id TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE, credit_code TEXT NOT NULL REFERENCES agency,
      status TEXT NOT NULL CHECK (status IN ('filed', 'withdrawn')), version INTEGER NOT NULL, filed_at TEXT NOT NULL,
      report_number TEXT NOT NULL, client_name TEXT NOT NULL, sampled_from TEXT NOT NULL, sampled_until TEXT NOT NULL,
      finding_count INTEGER NOT NULL DEFAULT 0)
    """,
    // A report number names one activity of its agency.
    "CREATE UNIQUE INDEX activity_report ON activity (credit_code, report_number)",
    "CREATE INDEX activity_by_agency ON activity (credit_code, number)",
    "CREATE INDEX activity_by_status ON activity (status, number)",
    """
    CREATE TABLE activity_version (
      activity_id TEXT NOT NULL REFERENCES activity, version INTEGER NOT NULL, content TEXT NOT NULL,
      content_sha256 TEXT NOT NULL, version_at TEXT NOT NULL, version_by TEXT NOT NULL, reason TEXT NOT NULL,
      audit_sequence INTEGER NOT NULL, PRIMARY KEY (activity_id, version))
    """,
    "CREATE TABLE activity_district (district_code TEXT NOT NULL, number INTEGER NOT NULL, activity_id TEXT NOT NULL, PRIMARY KEY (district_code, number))",
    "CREATE TABLE activity_parameter (parameter TEXT NOT NULL, number INTEGER NOT NULL, activity_id TEXT NOT NULL, PRIMARY KEY (parameter, number))",
    "ALTER TABLE finding ADD COLUMN rule TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE finding ADD COLUMN activity_id TEXT",
    "ALTER TABLE finding ADD COLUMN activity_version INTEGER",
    "ALTER TABLE finding ADD COLUMN fields TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE finding ADD COLUMN status TEXT NOT NULL DEFAULT 'open'",
    // Findings before were raised verified (late change filings): confirmed.
    "UPDATE finding SET status = 'confirmed' WHERE verified",
    "CREATE INDEX finding_by_activity ON finding (activity_id)",
    "CREATE INDEX finding_by_rule ON finding (rule, status)",
  ]
}
