extension AuditLog {
  /// The whole record checked, as `VerifyAuditLog` answers: the log itself and every covered
  /// row (`verify`), then every derived table rebuilt from the covered ones and compared
  /// (`RecordCoverage` lists which and how).
  public static func verifyRecord(_ store: some Store, registry: Registry, filing: Filing, checkpoint: Checkpoint? = nil) async throws -> Verification {
    var result = try await verify(store, checkpoint: checkpoint)
    for mismatch in try await registry.verifyDerived() { result.note(mismatch) }
    for mismatch in try await FilingVerification.verify(store) { result.note(mismatch) }
    for mismatch in try await SequenceVerification.verify(store) { result.note(mismatch) }
    for mismatch in try await DocumentVerification.verify(store) { result.note(mismatch) }
    for mismatch in try await SupervisionVerification.verify(store) { result.note(mismatch) }
    for mismatch in try await RatingFeedVerification.verify(store) { result.note(mismatch) }
    for mismatch in try await FindingVerification.verify(store, filing: filing) { result.note(mismatch) }
    return result
  }
}
