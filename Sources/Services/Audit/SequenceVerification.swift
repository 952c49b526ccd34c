/// Reads the verification of id sequences needs.
public protocol SequenceVerificationReads: Sendable {
  /// Each sequence's last number issued, by name.
  func idSequenceValues() async throws -> [String: Int64]
  /// The greatest number in the ids in use of a sequence; nil when none is.
  func greatestNumber(in sequence: IDSequence) async throws -> Int64?
}

/// `id_sequence` against the ids in use: numbers are issued in the transaction that uses them,
/// so each sequence's value is the greatest number in use. A value set back would hand out an
/// id again; a value set ahead skips ids, which an auditor would read as records removed.
public enum SequenceVerification {
  /// Every sequence of ids: the registry's and filing's, and the officers' records'.
  public static let sequences: [IDSequence] = IDSequence.all + [
    .indicatorSystem, .evidence, .evaluation, .objection, .inspector, .commitment, .plan, .inspection, .complaint, .investigationCase,
  ]

  public static func verify(_ store: some SequenceVerificationReads) async throws -> [AuditLog.RecordMismatch] {
    let values = try await store.idSequenceValues()
    var mismatches: [AuditLog.RecordMismatch] = []
    for sequence in sequences {
      let greatest = try await store.greatestNumber(in: sequence) ?? 0
      let value = values[sequence.name]
      guard value != greatest, !(value == nil && greatest == 0) else { continue }
      mismatches.append(AuditLog.RecordMismatch(
        table: "id_sequence", key: sequence.name, auditSequence: 0,
        problem: "its value \(value.map(String.init) ?? "(none)") is not the greatest number in use (\(greatest)): the row was altered"))
    }
    for name in Set(values.keys).subtracting(sequences.map(\.name)).sorted() {
      mismatches.append(AuditLog.RecordMismatch(table: "id_sequence", key: name, auditSequence: 0, problem: "no such sequence: a row nobody filed"))
    }
    return mismatches
  }
}

extension IDSequence {
  /// The table whose ids the sequence numbers: officers' records are numbered in their index.
  public var table: String {
    switch name {
    case "application", "change", "finding", "removal", "activity": name
    default: "record_index"
    }
  }
}
