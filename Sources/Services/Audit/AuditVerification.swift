import Foundation

extension AuditLog {
  /// A data row that does not match the entry of the write that made it.
  public struct RecordMismatch: Sendable, Equatable {
    public var table: String
    public var key: String
    /// The entry that should cover it; 0 when it names none that exists.
    public var auditSequence: Int64
    public var problem: String
  }

  /// The outcome of checking the whole log.
  public struct Verification: Sendable, Equatable {
    /// Entries read.
    public var entries: Int64
    /// The first entry whose stored hash or link does not match, or that is missing.
    public var firstBroken: Int64?
    /// What is wrong with the log itself (entries, tree, checkpoint); nil when nothing.
    public var problem: String?
    /// Up to `mismatchLimit` records that differ from their entries.
    public var mismatches: [RecordMismatch] = []
    public var mismatchCount = 0
    /// The tree rebuilt from the entries.
    public var treeSize: Int64 = 0
    public var root: MerkleTree.Hash = []

    public var intact: Bool { problem == nil && mismatchCount == 0 }
  }

  /// The records listed at most in a verification (all are counted).
  public static let mismatchLimit = 100

  /// The methods whose every entry made one row of a covered table: such an entry without its
  /// row means the row was deleted.
  static let creatingMethods: [String: CoveredTable] = [
    "cqmon.v1.RegistryService/SubmitApplication": .application,
    "cqmon.v1.RegistryService/FileChange": .change,
    "cqmon.v1.RegistryService/RemoveAgency": .removal,
    "cqmon.v1.RegistryService/EnrollAgency": .certificate,
    "cqmon.v1.RegistryService/RenewCertificate": .certificate,
    "cqmon.v1.DocumentService/Upload": .documentRecord,
    "cqmon.v1.FilingService/FileActivity": .activityVersion,
    "cqmon.v1.FilingService/AmendActivity": .activityVersion,
    "cqmon.v1.FilingService/WithdrawActivity": .activityVersion,
    "cqmon.v1.InspectionService/AddInspector": .recordVersion,
    "cqmon.v1.InspectionService/DeclareConflict": .recordVersion,
    "cqmon.v1.InspectionService/CommitDrawSeed": .recordVersion,
    "cqmon.v1.InspectionService/PlanInspections": .recordVersion,
    "cqmon.v1.InspectionService/RecordInspection": .recordVersion,
    "cqmon.v1.InspectionService/CorrectInspection": .recordVersion,
    "cqmon.v1.InspectionService/FileComplaint": .recordVersion,
    "cqmon.v1.InspectionService/AcceptComplaint": .recordVersion,
    "cqmon.v1.InspectionService/ExtendComplaint": .recordVersion,
    "cqmon.v1.InspectionService/ResolveComplaint": .recordVersion,
    "cqmon.v1.InspectionService/DecideFinding": .recordVersion,
    "cqmon.v1.CreditService/PutIndicatorSystem": .recordVersion,
    "cqmon.v1.CreditService/RecordEvidence": .recordVersion,
    "cqmon.v1.CreditService/VerifyEvidence": .recordVersion,
    "cqmon.v1.CreditService/RunEvaluation": .recordVersion,
    "cqmon.v1.CreditService/StartPublicity": .recordVersion,
    "cqmon.v1.CreditService/FileObjection": .recordVersion,
    "cqmon.v1.CreditService/ResolveObjection": .recordVersion,
    "cqmon.v1.CreditService/PublishRatings": .recordVersion,
    "cqmon.v1.CreditService/PutHolidayCalendar": .recordVersion,
    "cqmon.v1.CreditService/TriggerLevelE": .removal,
  ]

  /// The SHA-256 (hex) a covered row's entry must carry as `record_sha256`.
  public static func recordSHA256(of record: CoveredRecord, in table: CoveredTable) -> String {
    switch table {
    case .application, .change, .activityVersion, .recordVersion:
      return Digest.sha256Hex(record.fields.first ?? "")
    case .removal:
      return Digest.sha256Hex(Registry.json(record.fields))
    case .certificate, .documentRecord:
      return record.fields.first ?? ""
    }
  }

  /// Checks everything that can be checked without trusting the database:
  /// - the chain: every entry's hash and link, oldest first (the first break is reported);
  /// - the tree: rebuilt from the entries, compared with the stored nodes' root, and with
  ///   `checkpoint` (a log cut back below it, or rewritten within it, no longer has its root);
  /// - the records: every covered row recomputed from the data tables, compared with its entry,
  ///   and every entry that made a row checked to still have it.
  public static func verify(
    _ store: some AuditStore, checkpoint: Checkpoint? = nil, batch: Int = 1000
  ) async throws -> Verification {
    var result = Verification(entries: 0)
    var builder = MerkleTree.Builder()
    var previous = genesis
    var recordDigests: [String] = []
    var recordedAt: [String] = []
    var updates = Updates()
    var actors: [String] = []
    var made: [CoveredTable: Set<Int64>] = [:]
    var checkpointRoot: MerkleTree.Hash? = checkpoint?.size == 0 ? MerkleTree.Builder().root : nil
    var chainIntact = true
    while true {
      let entries = try await store.auditEntries(after: result.entries, limit: batch)
      for entry in entries {
        if chainIntact {
          let expected = result.entries + 1
          if entry.sequence != expected {
            result.firstBroken = expected
            result.problem = "entry \(expected) is missing"
            chainIntact = false
          } else if entry.previousHash != previous {
            result.firstBroken = entry.sequence
            result.problem = "entry \(entry.sequence): its link to the previous entry does not match"
            chainIntact = false
          } else if entry.text.sha256Hex != entry.hash {
            result.firstBroken = entry.sequence
            result.problem = "entry \(entry.sequence): its content does not match its hash"
            chainIntact = false
          }
        }
        result.entries += 1
        previous = entry.hash
        builder.append(leaf: MerkleTree.leafHash(Array(entry.text.utf8)))
        if builder.size == checkpoint?.size { checkpointRoot = builder.root }
        recordDigests.append(entry.recordSHA256)
        recordedAt.append(entry.recordedAt)
        actors.append(entry.actor)
        if let table = creatingMethods[entry.method] { made[table, default: []].insert(entry.sequence) }
        if updatingMethods.contains(entry.method) { updates.record(entry) }
      }
      if entries.count < batch { break }
    }
    result.treeSize = builder.size
    result.root = builder.root

    if let checkpoint, result.problem == nil {
      if checkpointRoot == nil {
        result.problem = "the log has \(result.entries) entries, fewer than the \(checkpoint.size) of the checkpoint: entries were removed"
      } else if checkpointRoot != checkpoint.root {
        result.problem = "the tree of the checkpoint's \(checkpoint.size) entries no longer has its root: entries were rewritten"
      }
    }
    if result.problem == nil {
      let storedSize = try await store.merkleTreeSize()
      let stored = try await TransparencyLog.computed(store) { MerkleTree.root(size: storedSize, $0) }
      if storedSize != builder.size || stored != builder.root {
        result.problem = "the stored Merkle tree (\(storedSize) leaves) does not match the tree of the entries (\(builder.size))"
      }
    }

    for table in CoveredTable.allCases {
      var seen = Set<Int64>()
      var removals: [String: [(number: Int64, count: String, key: String)]] = [:]
      try await store.forEachCoveredRecord(table) { record in
        let expected = recordSHA256(of: record, in: table)
        guard let sequence = record.auditSequence else {
          result.note(RecordMismatch(table: table.rawValue, key: record.key, auditSequence: 0, problem: "it names no audit entry"))
          return
        }
        if !seen.insert(sequence).inserted, table.onePerEntry {
          result.note(RecordMismatch(
            table: table.rawValue, key: record.key, auditSequence: sequence,
            problem: "another row names audit entry \(sequence) too, which made one: a row nobody filed"))
        }
        guard sequence >= 1, sequence <= recordDigests.count else {
          result.note(RecordMismatch(table: table.rawValue, key: record.key, auditSequence: 0, problem: "it names audit entry \(sequence), which does not exist"))
          return
        }
        let index = Int(sequence - 1)
        func mismatch(_ problem: String) {
          result.note(RecordMismatch(table: table.rawValue, key: record.key, auditSequence: sequence, problem: problem))
        }
        if recordDigests[index] != expected {
          mismatch("its SHA-256 is not the record_sha256 of audit entry \(sequence): the row was altered")
        }
        if record.recordedAt != recordedAt[index] {
          mismatch("its \(table.timeColumn) is not the time of audit entry \(sequence): the row was altered")
        }
        if let column = table.actorColumn, record.actor != actors[index] {
          mismatch("its \(column) is not the actor of audit entry \(sequence): the row was altered")
        }
        for problem in rowProblems(record, in: table, removals: &removals, updates: &updates) { mismatch(problem) }
      }
      for (key, problem) in table == .removal ? removalCountProblems(removals) : [] {
        result.note(RecordMismatch(table: table.rawValue, key: key, auditSequence: 0, problem: problem))
      }
      if table == .application {
        // A decision whose row no longer shows it (set back to pending, or another decision).
        for entry in updates.unmatched(method: reviewMethod) {
          result.note(RecordMismatch(
            table: table.rawValue, key: "", auditSequence: entry,
            problem: "audit entry \(entry) decided an application and no application shows that decision: the row was altered"))
        }
      }
      for sequence in (made[table] ?? []).subtracting(seen).sorted() {
        result.note(RecordMismatch(
          table: table.rawValue, key: "", auditSequence: sequence, problem: "audit entry \(sequence) made a row that is no longer there: it was deleted"))
      }
    }
    return result
  }
}

extension AuditLog {
  static let reviewMethod = "cqmon.v1.RegistryService/ReviewApplication"
  static let revokeMethod = "cqmon.v1.RegistryService/RevokeCertificate"
  /// Entries that change a covered row after it was made, found by the digest the row's new
  /// columns give.
  static let updatingMethods: Set<String> = [reviewMethod, revokeMethod]

  /// The updating entries of the log by method and digest, and which of them a row matched.
  struct Updates {
    private var entries: [String: [String: [(sequence: Int64, actor: String, recordedAt: String)]]] = [:]
    private var matched = Set<Int64>()

    mutating func record(_ entry: Entry) {
      entries[entry.method, default: [:]][entry.recordSHA256, default: []].append((entry.sequence, entry.actor, entry.recordedAt))
    }

    /// Whether an entry of `method` with `digest` was made by `actor` at `recordedAt` (any actor when nil); marks it matched.
    mutating func match(method: String, digest: String, actor: String?, recordedAt: String) -> Bool {
      guard let found = entries[method]?[digest]?.first(where: { (actor == nil || $0.actor == actor) && $0.recordedAt == recordedAt }) else {
        return false
      }
      matched.insert(found.sequence)
      return true
    }

    func unmatched(method: String) -> [Int64] {
      (entries[method] ?? [:]).values.flatMap { $0.map(\.sequence) }.filter { !matched.contains($0) }.sorted()
    }
  }

  /// What is wrong with a covered row's other columns against its own covered content.
  static func rowProblems(
    _ record: CoveredRecord, in table: CoveredTable, removals: inout [String: [(number: Int64, count: String, key: String)]],
    updates: inout Updates
  ) -> [String] {
    var problems: [String] = []
    func number(_ sequence: IDSequence) {
      if record.columns["number"] != sequence.number(of: record.key).map(String.init) {
        problems.append("its number is not the number in its id: the row was altered")
      }
    }
    switch table {
    case .application:
      number(.application)
      let materials = Registry.decode(ApplicationMaterials.self, record.fields.first ?? "")
      if let code = materials?.licence?.creditCode, record.columns["credit_code"] != code {
        problems.append("its credit_code is not the applicant's in the covered materials: the row was altered")
      }
      problems += decisionProblems(record, updates: &updates)
    case .change:
      number(.change)
    case .removal:
      // Each removal's count is its place among the agency's removals; checked once all are read.
      let code = record.fields.first ?? ""
      removals[code, default: []].append((IDSequence.removal.number(of: record.key) ?? 0, record.columns["removal_count"] ?? "", record.key))
    case .certificate:
      if record.columns["subject"] != "CN=" + (record.columns["credit_code"] ?? "") {
        problems.append("its subject does not name its credit_code: the row was altered")
      }
      let revokedAt = record.columns["revoked_at"] ?? "", reason = record.columns["revocation_reason"] ?? ""
      if !revokedAt.isEmpty || !reason.isEmpty {
        let digest = Digest.sha256Hex(record.key + "|" + reason)
        if !updates.match(method: revokeMethod, digest: digest, actor: nil, recordedAt: revokedAt) {
          problems.append("its revocation is not one an audit entry of RevokeCertificate made at its revoked_at: the row was altered")
        }
      }
    case .activityVersion, .documentRecord, .recordVersion:
      break
    }
    return problems
  }

  /// An application's decision against the ReviewApplication entry that made it: the entry's
  /// digest is of the id, the decision and the reasons, its actor and time the reviewer's.
  static func decisionProblems(_ record: CoveredRecord, updates: inout Updates) -> [String] {
    let columns = record.columns
    let status = columns["status"] ?? "", decision = columns["decision"] ?? "", reviewedAt = columns["reviewed_at"] ?? ""
    let reviewed = !decision.isEmpty || !reviewedAt.isEmpty || !(columns["reviewed_by"] ?? "").isEmpty
    guard reviewed else {
      return status == "pending" ? [] : ["its status \(status) is not pending, and no decision was made on it: the row was altered"]
    }
    let expectedStatus = ["approve": "approved", "reject": "rejected", "return": "returned"][decision]
    var problems: [String] = []
    if status != expectedStatus { problems.append("its status \(status) is not what its decision '\(decision)' sets: the row was altered") }
    let reasons = Registry.decode([String].self, columns["reasons"] ?? "") ?? ["\u{0}unreadable"]
    let digest = Registry.reviewDigest(applicationID: record.key, decision: decision, reasons: reasons)
    if !updates.match(method: reviewMethod, digest: digest, actor: columns["reviewed_by"], recordedAt: reviewedAt) {
      problems.append("its decision, reasons, reviewer or time are not those of an audit entry of ReviewApplication: the row was altered")
    }
    return problems
  }

  /// Removals whose `removal_count` is not their place among their agency's removals.
  static func removalCountProblems(_ removals: [String: [(number: Int64, count: String, key: String)]]) -> [(String, String)] {
    removals.values.flatMap { list in
      list.sorted { $0.number < $1.number }.enumerated().compactMap { place, removal in
        removal.count == String(place + 1)
          ? nil : (removal.key, "its removal_count \(removal.count) is not its place (\(place + 1)) among the agency's removals: the row was altered")
      }
    }.sorted { $0.0 < $1.0 }
  }
}

extension AuditLog {
  /// The columns that differ from what they must be, as the subject of a problem ("level is",
  /// "year, level are"); nil when none does.
  static func differing(_ columns: KeyValuePairs<String, Bool>) -> String? {
    let names = columns.filter { !$0.value }.map(\.key)
    guard !names.isEmpty else { return nil }
    return names.joined(separator: ", ") + (names.count == 1 ? " is" : " are")
  }
}

extension AuditLog.Verification {
  public mutating func note(_ mismatch: AuditLog.RecordMismatch) {
    mismatchCount += 1
    if mismatches.count < AuditLog.mismatchLimit { mismatches.append(mismatch) }
  }
}

extension String {
  var sha256Hex: String { Digest.sha256Hex(self) }
}
