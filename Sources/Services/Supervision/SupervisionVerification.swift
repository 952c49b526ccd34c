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

  /// The index rows of officers' records rebuilt from their latest versions by the function that
  /// writes them (`RecordIndex.of`) and compared column by column: a case's from the inspection
  /// that opened it, a commitment's and a plan's status from the plans; and every indexed
  /// record, every case, has its row.
  static func verifyIndex(_ store: some SupervisionVerificationReads) async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    func mismatch(_ key: String, _ problem: String) {
      mismatches.append(AuditLog.RecordMismatch(table: "record_index", key: key, auditSequence: 0, problem: problem))
    }
    let (statuses, cases) = try await crossReferences(store)
    var seenCases = Set<String>()
    var after = ""
    while true {
      let ids = try await store.recordIndexIDs(after: after, limit: 500)
      for id in ids {
        guard let index = try await store.recordIndex(id: id) else { continue }
        let prefix = String(id.prefix { $0 != "-" })
        guard let (kind, sequence) = kinds[prefix], let number = sequence.map({ $0.number(of: id) }) ?? Int64(id.dropFirst(prefix.count + 1))
        else {
          mismatch(id, "no kind of record has ids like it: a row nobody filed")
          continue
        }
        var expected: RecordIndex
        if kind == .investigationCase {
          seenCases.insert(id)
          guard let opened = cases[id] else {
            mismatch(id, "no inspection opened such a case: a row nobody filed")
            continue
          }
          // The inspection's version when the case was opened is not kept apart from the row.
          expected = opened
          expected.version = index.version
        } else if let latest = try await store.recordVersion(id: id, version: nil) {
          guard let rebuilt = RecordIndex.of(latest, kind: kind, number: number) else {
            mismatch(id, "its record's latest version is not a \(kind): the row was altered")
            continue
          }
          expected = rebuilt
          if kind == .commitment || kind == .plan { expected.status = statuses[id] ?? "" }
        } else {
          mismatch(id, "its record has no version: a row nobody filed")
          continue
        }
        if let columns = differences(index, expected) {
          mismatch(id, "its \(columns) not what its record gives: the row was altered")
        }
      }
      guard ids.count == 500, let last = ids.last else { break }
      after = last
    }
    for id in try await store.unindexedRecordIDs() where kinds[String(id.prefix { $0 != "-" })] != nil {
      mismatch(id, "the record has versions and its index row is not there: it was deleted")
    }
    for id in Set(cases.keys).subtracting(seenCases).sorted() {
      mismatch(id, "the case its inspection opened has no index row: it was deleted")
    }
    return mismatches
  }

  /// What other records set in index rows: the plan that used each commitment and the plan that
  /// replaced each plan (the latest written wins, as when they were written), and each case's row
  /// as the inspection that opened it gives it.
  static func crossReferences(_ store: some SupervisionVerificationReads) async throws -> (statuses: [String: String], cases: [String: RecordIndex]) {
    var statuses: [String: String] = [:]
    let plans = try await store.allRecordVersions(RecordFilter(kind: .plan)) { IDSequence.plan.number(of: $0) }
    for row in plans.sorted(by: { (IDSequence.plan.number(of: $0.id) ?? 0) < (IDSequence.plan.number(of: $1.id) ?? 0) }) {
      guard let plan = Registry.decode(PlanRecord.self, row.content) else { continue }
      statuses[plan.commitmentID] = plan.id
      if !plan.replacesPlanID.isEmpty { statuses[plan.replacesPlanID] = plan.id }
    }
    var cases: [String: RecordIndex] = [:]
    for row in try await store.allRecordVersions(RecordFilter(kind: .inspection), number: IDSequence.inspection.number(of:)) {
      guard let inspection = Registry.decode(InspectionRecord.self, row.content) else { continue }
      for opened in inspection.cases {
        cases[opened.id] = .investigationCase(
          opened, of: inspection, number: IDSequence.investigationCase.number(of: opened.id) ?? 0, version: inspection.version)
      }
    }
    return (statuses, cases)
  }

  /// The columns in which `row` differs from `expected` ("day is"), nil when none does.
  static func differences(_ row: RecordIndex, _ expected: RecordIndex) -> String? {
    AuditLog.differing([
      "kind": row.kind == expected.kind, "number": row.number == expected.number, "version": row.version == expected.version,
      "credit_code": row.creditCode == expected.creditCode, "district_code": row.districtCode == expected.districtCode,
      "status": row.status == expected.status, "day": row.day == expected.day, "key": row.key == expected.key,
    ])
  }
}
