import Foundation
import GRDB

extension Registry {
  /// The city bureau enrols an agency's LIMS: the CSR is checked and signed by the CA, the
  /// agency recorded as enrolled, the certificate recorded.
  public func enroll(creditCode text: String, name: String, csrPEM: String, context: WriteContext) async throws -> Enrolment {
    let code: CreditCode
    do {
      code = try CreditCode(validating: text)
    } catch {
      throw ServiceError.invalid([FieldViolation("credit_code", "\(error)", reason: error.reason)])
    }
    var violations = Violations()
    violations.required("name", name, what: "the agency's name")
    violations.length("name", name, max: 200, what: "the agency's name")
    violations.required("csr_pem", csrPEM, what: "the certificate signing request")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    guard let authority else {
      throw ServiceError(.failedPrecondition, "this server holds no CA key (start it with --ca-key)", reason: "ENROLMENT_UNAVAILABLE")
    }
    let instant = now()
    return try await writer.write { db in
      if let serial = try self.replayed(db, context) { return try self.enrolment(db, serial: serial) }
      if let existing = try String.fetchOne(db, sql: "SELECT status FROM agency WHERE credit_code = ?", arguments: [code.rawValue]) {
        throw ServiceError(.alreadyExists, "agency \(code) is enrolled already (\(existing)); it renews its own certificate", reason: "AGENCY_EXISTS")
      }
      try self.refuseIfBanned(db, agency: code, field: "credit_code")
      let issued = try authority.issue(csrPEM: csrPEM, creditCode: code, name: name, now: instant)
      try db.execute(
        sql: "INSERT INTO agency (credit_code, name, status, enrolled_at) VALUES (?, ?, 'enrolled', ?)",
        arguments: [code.rawValue, name, Timestamps.format(instant)])
      try self.store(db, issued, creditCode: code, context: context, at: instant)
      return try self.enrolment(db, serial: issued.serial, pem: issued.pem)
    }
  }

  /// An agency renews its own certificate with a new CSR.
  public func renew(creditCode code: CreditCode, csrPEM: String, context: WriteContext) async throws -> Enrolment {
    guard !csrPEM.isEmpty else { throw ServiceError.required("csr_pem", "the certificate signing request") }
    guard let authority else {
      throw ServiceError(.failedPrecondition, "this server holds no CA key (start it with --ca-key)", reason: "ENROLMENT_UNAVAILABLE")
    }
    let instant = now()
    return try await writer.write { db in
      if let serial = try self.replayed(db, context) { return try self.enrolment(db, serial: serial) }
      guard let row = try Row.fetchOne(db, sql: "SELECT name, status FROM agency WHERE credit_code = ?", arguments: [code.rawValue]) else {
        throw ServiceError(.notFound, "agency \(code) is not enrolled", reason: "AGENCY_NOT_FOUND")
      }
      guard (row["status"] as String) != "removed" else {
        throw ServiceError(.failedPrecondition, "agency \(code) was removed from the registry (Art. 20)", reason: "AGENCY_REMOVED")
      }
      let issued = try authority.issue(csrPEM: csrPEM, creditCode: code, name: row["name"], now: instant)
      try self.store(db, issued, creditCode: code, context: context, at: instant)
      return try self.enrolment(db, serial: issued.serial, pem: issued.pem)
    }
  }

  /// Revokes a certificate; the server refuses it from its next call on.
  public func revoke(serial: String, reason: String, context: WriteContext) async throws -> IssuedCertificate {
    var violations = Violations()
    violations.required("serial", serial, what: "the serial")
    violations.required("reason", reason, what: "the reason")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let serial = serial.lowercased()
    let instant = now()
    let certificate = try await writer.write { db -> IssuedCertificate in
      if let replayed = try self.replayed(db, context) { return try self.certificate(db, serial: replayed) }
      guard try Bool.fetchOne(db, sql: "SELECT revoked_at IS NULL FROM certificate WHERE serial = ?", arguments: [serial]) != nil else {
        throw ServiceError(.notFound, "no certificate with serial \(serial)", reason: "CERTIFICATE_NOT_FOUND")
      }
      try db.execute(
        sql: "UPDATE certificate SET revoked_at = COALESCE(revoked_at, ?), revocation_reason = COALESCE(revocation_reason, ?) WHERE serial = ?",
        arguments: [Timestamps.format(instant), reason, serial])
      _ = try self.record(db, context, resultID: serial, recordSHA256: Digest.sha256Hex(serial + "|" + reason), at: instant)
      return try self.certificate(db, serial: serial)
    }
    onRevoke(serial)
    return certificate
  }

  /// Serials of every revoked certificate, for the server's revocation check at start.
  public func revokedSerials() async throws -> Set<String> {
    try await writer.read { db in Set(try String.fetchAll(db, sql: "SELECT serial FROM certificate WHERE revoked_at IS NOT NULL")) }
  }

  public func certificates(of code: CreditCode, page: PageRequest) async throws -> Page<IssuedCertificate> {
    try await writer.read { db in
      let serials = try String.fetchAll(
        db, sql: "SELECT serial FROM certificate WHERE credit_code = ? ORDER BY issued_at DESC, serial LIMIT ? OFFSET ?",
        arguments: [code.rawValue, page.size + 1, page.offset])
      return page.page(try serials.map { try self.certificate(db, serial: $0) })
    }
  }

  /// Records an issued certificate with its audit entry (the record digest is the
  /// certificate's own SHA-256 fingerprint).
  private func store(
    _ db: Database, _ issued: CertificateAuthority.Issued, creditCode: CreditCode, context: WriteContext, at instant: Date
  ) throws {
    let fingerprint = Digest.sha256Hex(Self.derBytes(pem: issued.pem))
    let receipt = try record(db, context, resultID: issued.serial, recordSHA256: fingerprint, at: instant)
    try db.execute(
      sql: """
        INSERT INTO certificate (serial, credit_code, subject, not_before, not_after, sha256_fingerprint, issued_at, audit_sequence)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        issued.serial, creditCode.rawValue, "CN=\(creditCode.rawValue)", Timestamps.format(issued.notBefore),
        Timestamps.format(issued.notAfter), fingerprint, Timestamps.format(instant), receipt.auditSequence,
      ])
  }

  /// A replayed enrolment returns the certificate's record but not its PEM, which the server
  /// does not keep: the caller's first answer had it.
  private func enrolment(_ db: Database, serial: String, pem: String? = nil) throws -> Enrolment {
    let sequence = try Int64.fetchOne(db, sql: "SELECT audit_sequence FROM certificate WHERE serial = ?", arguments: [serial]) ?? 0
    return Enrolment(
      certificate: try certificate(db, serial: serial), certificatePEM: pem ?? "",
      caCertificatePEM: authority?.certificatePEM ?? "", receipt: try Self.receipt(db, sequence: sequence))
  }

  func certificate(_ db: Database, serial: String) throws -> IssuedCertificate {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM certificate WHERE serial = ?", arguments: [serial]) else {
      throw ServiceError(.notFound, "no certificate with serial \(serial)", reason: "CERTIFICATE_NOT_FOUND")
    }
    return IssuedCertificate(
      serial: row["serial"], creditCode: row["credit_code"], subject: row["subject"],
      notBefore: Timestamps.parse(row["not_before"]) ?? .distantPast, notAfter: Timestamps.parse(row["not_after"]) ?? .distantPast,
      revokedAt: (row["revoked_at"] as String?).flatMap(Timestamps.parse), revocationReason: row["revocation_reason"],
      sha256Fingerprint: row["sha256_fingerprint"])
  }

  /// The DER bytes inside a PEM block.
  static func derBytes(pem: String) -> [UInt8] {
    let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
    return Array(Data(base64Encoded: body) ?? Data())
  }
}
