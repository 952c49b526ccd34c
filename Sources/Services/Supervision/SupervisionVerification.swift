/// Reads the verification of the draw's seeds needs.
public protocol SupervisionVerificationReads: RecordReads {
  /// Every seed kept, by commitment.
  func drawSeeds() async throws -> [(commitmentID: String, seedHex: String)]
  /// The ids of index rows after `after`, in order.
  func recordIndexIDs(after: String, limit: Int) async throws -> [String]
  /// Records with versions and no index row.
  func unindexedRecordIDs() async throws -> [String]
}

/// Each seed kept for the draw against the commitment the log covers: its SHA-256 must be the
/// committed one, and every commitment has its seed (the plan draws with it, and anyone checks
/// the plan against the commitment with it).
public enum SupervisionVerification {
  public static func verify(_ store: some SupervisionVerificationReads) async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    func mismatch(_ key: String, _ problem: String, entry: Int64 = 0) {
      mismatches.append(AuditLog.RecordMismatch(table: "draw_seed", key: key, auditSequence: entry, problem: problem))
    }
    let seeds = try await store.drawSeeds()
    for (id, seedHex) in seeds {
      guard let version = try await store.recordVersion(id: id, version: nil),
        let commitment = Registry.decode(CommitmentRecord.self, version.content)
      else {
        mismatch(id, "a seed of no commitment: a row nobody filed")
        continue
      }
      if Digest.sha256Hex(Hex.bytes(seedHex)) != commitment.seedSHA256 {
        mismatch(id, "its SHA-256 is not the one committed to: the row was altered", entry: version.audit.sequence)
      }
    }
    mismatches += try await verifyIndex(store)
    let kept = Set(seeds.map(\.commitmentID))
    let commitments = try await store.allRecordVersions(RecordFilter(kind: .commitment)) { IDSequence.commitment.number(of: $0) }
    for commitment in commitments where !kept.contains(commitment.id) {
      mismatch(commitment.id, "the commitment's seed is not there: it was deleted", entry: commitment.audit.sequence)
    }
    return mismatches
  }

  /// Each kind of record by the prefix of its ids, with the sequence that numbers them (none for
  /// a year's holiday calendar, numbered by its year).
  static let kinds: [String: (kind: RecordKind, sequence: IDSequence?)] = [
    "ipr": (.inspector, .inspector), "seed": (.commitment, .commitment), "plan": (.plan, .plan), "insp": (.inspection, .inspection),
    "cmp": (.complaint, .complaint), "case": (.investigationCase, .investigationCase), "ind": (.indicatorSystem, .indicatorSystem),
    "evd": (.evidence, .evidence), "eval": (.evaluation, .evaluation), "obj": (.objection, .objection), "cal": (.holidayCalendar, nil),
  ]

  /// The index rows of officers' records against their versions: each names a record that has
  /// versions (a case, the inspection that opened it), of its kind, by the number in its id, at
  /// its latest version; and every indexed kind's record has its row. What the lists filter on
  /// (agency, district, status, day, key) is not rebuilt here.
  static func verifyIndex(_ store: some SupervisionVerificationReads) async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    func mismatch(_ key: String, _ problem: String) {
      mismatches.append(AuditLog.RecordMismatch(table: "record_index", key: key, auditSequence: 0, problem: problem))
    }
    var after = ""
    while true {
      let ids = try await store.recordIndexIDs(after: after, limit: 500)
      for id in ids {
        guard let index = try await store.recordIndex(id: id) else { continue }
        let prefix = String(id.prefix { $0 != "-" })
        guard let (kind, sequence) = kinds[prefix] else {
          mismatch(id, "no kind of record has ids like it: a row nobody filed")
          continue
        }
        if index.kind != kind { mismatch(id, "its kind \(index.kind) is not \(kind), the kind of its id: the row was altered") }
        let number = sequence.map { $0.number(of: id) } ?? Int64(id.dropFirst(prefix.count + 1))
        if index.number != number { mismatch(id, "its number is not the number in its id: the row was altered") }
        if kind == .investigationCase {
          let inspection = try await store.recordVersion(id: index.key, version: nil)
          let cases = inspection.flatMap { Registry.decode(InspectionRecord.self, $0.content) }?.cases.map(\.id) ?? []
          if !cases.contains(id) { mismatch(id, "the inspection it names (\(index.key)) opened no such case: the row was altered or added") }
        } else if let latest = try await store.recordVersion(id: id, version: nil) {
          if index.version != latest.version { mismatch(id, "its version is not its record's latest (\(latest.version)): the row was altered") }
        } else {
          mismatch(id, "its record has no version: a row nobody filed")
        }
      }
      guard ids.count == 500, let last = ids.last else { break }
      after = last
    }
    for id in try await store.unindexedRecordIDs() where kinds[String(id.prefix { $0 != "-" })] != nil {
      mismatch(id, "the record has versions and its index row is not there: it was deleted")
    }
    return mismatches
  }
}
