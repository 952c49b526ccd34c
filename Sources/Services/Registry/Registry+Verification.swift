import Foundation

extension Registry {
  /// Replays every agency's registry versions from the filings that made them and names each
  /// version whose stored record differs from the replay. No audit entry covers a version row
  /// directly; the filings do: the approved application's materials (covered by its submit
  /// entry), each change's new value (covered by its entry) applied to the version before, a
  /// removal (covered) keeping the record as it was. So a version edited behind the server's
  /// back — its record and its stored digest both — no longer matches what the covered filings
  /// say it must be.
  public func verifyVersions() async throws -> [AuditLog.RecordMismatch] {
    var mismatches: [AuditLog.RecordMismatch] = []
    var after: String?
    while true {
      let page = try await store.agencies(AgencyFilter(), after: after, limit: 500)
      for listing in page { mismatches += try await verifyVersions(of: listing.agency.creditCode) }
      guard page.count == 500, let last = page.last else { return mismatches }
      after = last.agency.creditCode
    }
  }

  /// One agency's versions, oldest first, each against the filing that made it.
  func verifyVersions(of code: String) async throws -> [AuditLog.RecordMismatch] {
    let versions = try await store.agencyVersions(of: code)
    guard !versions.isEmpty else { return [] }
    let changes = try await store.changes(ChangeFilter(creditCode: code), before: nil, limit: Int(Int32.max))
    let approvals = try await store.applications(ApplicationFilter(creditCode: code, status: .approved), before: nil, limit: Int(Int32.max))
    let removals = try await store.removals(of: code)
    var mismatches: [AuditLog.RecordMismatch] = []
    var previous: ApplicationMaterials?
    for version in versions {
      let key = "\(code)/\(version.version)"
      func mismatch(_ problem: String, entry: Int64 = 0) {
        mismatches.append(AuditLog.RecordMismatch(table: "agency_version", key: key, auditSequence: entry, problem: problem))
      }
      let expected: ApplicationMaterials?
      let entry: Int64
      if let change = changes.first(where: { $0.version == version.version }) {
        guard let value = Self.decode(ChangeValue.self, change.after), let before = previous else {
          mismatch("change \(change.id) that made it cannot be replayed", entry: change.audit.sequence)
          previous = records.materials(json: version.record, sha256: version.recordSHA256)
          continue
        }
        expected = Self.applying(value, to: before)
        entry = change.audit.sequence
      } else if let approval = approvals.first(where: { $0.reviewedAt == version.since }) {
        expected = Self.decode(ApplicationMaterials.self, approval.materials) ?? ApplicationMaterials()
        entry = approval.audit.sequence
      } else if let removal = removals.first(where: { $0.removedAt == version.since }) {
        expected = previous
        entry = removal.audit.sequence
      } else {
        mismatch("no filing (approval, change or removal) made this version")
        previous = records.materials(json: version.record, sha256: version.recordSHA256)
        continue
      }
      if Self.json(expected) != version.record {
        mismatch("its record is not what the filings that made it say: it was altered", entry: entry)
      } else if Digest.sha256Hex(version.record) != version.recordSHA256 {
        mismatch("its stored SHA-256 is not its record's", entry: entry)
      }
      previous = expected
    }
    return mismatches
  }
}
