import Foundation

/// The registry of agencies (Art. 4, 5, 20): enrolment and certificates, applications and
/// review, the listed agency with its versions, changes, removal and bans.
///
/// Every write runs in one store transaction that also appends its audit entry; the caller's
/// reply is built only after the commit. A write's `request_id` makes it idempotent: the same
/// id from the same caller for the same method returns the first result.
public final class Registry: Sendable {
  let store: any RegistryStore
  let authority: CertificateAuthority?
  /// Signs every write's receipt, once, as the write commits.
  let signingKey: SigningKey
  let now: @Sendable () -> Date
  /// Told of every certificate revoked, so the server refuses it at once.
  let onRevoke: @Sendable (String) -> Void
  /// Listed agencies' records, decoded once per version.
  let records = RecordCache()

  public init(
    store: any RegistryStore, authority: CertificateAuthority?, signingKey: SigningKey,
    now: @escaping @Sendable () -> Date = Date.init, onRevoke: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.store = store
    self.authority = authority
    self.signingKey = signingKey
    self.now = now
    self.onRevoke = onRevoke
  }

  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }()

  static func json<T: Encodable>(_ value: T) -> String {
    String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
  }

  static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
    try? JSONDecoder().decode(type, from: Data(text.utf8))
  }

  func today() -> CalendarDate {
    CalendarDate(chinaTimeOf: Int64(now().timeIntervalSince1970.rounded(.down)))
  }

  // MARK: - Idempotency and audit

  /// Appends the write's audit entry, its receipt signed by the bureau's key; returns it.
  func record(_ transaction: some WriteTransaction, _ context: WriteContext, recordSHA256: String, at instant: Date) async throws -> AuditLog.Entry {
    try await transaction.record(context, recordSHA256: recordSHA256, at: instant, key: signingKey)
  }
}

extension ServiceError {
  public static func required(_ field: String, _ what: String) -> ServiceError {
    .invalid([FieldViolation(field, "\(what) is required", reason: "REQUIRED")])
  }
}
