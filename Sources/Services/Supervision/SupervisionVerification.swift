/// Reads the verification of the draw's seeds needs.
public protocol SupervisionVerificationReads: RecordReads {
  /// Every seed kept, by commitment.
  func drawSeeds() async throws -> [(commitmentID: String, seedHex: String)]
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
    let kept = Set(seeds.map(\.commitmentID))
    let commitments = try await store.allRecordVersions(RecordFilter(kind: .commitment)) { IDSequence.commitment.number(of: $0) }
    for commitment in commitments where !kept.contains(commitment.id) {
      mismatch(commitment.id, "the commitment's seed is not there: it was deleted", entry: commitment.audit.sequence)
    }
    return mismatches
  }
}
