import Foundation

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
    return try await store.writeRegistry { tx in try await tx.once(context) {
      if let existing = try await tx.agency(code.rawValue) {
        throw ServiceError(.alreadyExists, "agency \(code) is enrolled already (\(existing.status.rawValue)); it renews its own certificate", reason: "AGENCY_EXISTS")
      }
      try await self.refuseIfBanned(tx, agency: code, field: "credit_code")
      let issued = try authority.issue(csrPEM: csrPEM, creditCode: code, name: name, now: instant)
      try await tx.insertAgency(AgencyRow(creditCode: code.rawValue, name: name, status: .enrolled, enrolledAt: instant))
      try await self.store(tx, issued, creditCode: code, context: context, at: instant)
      return try await self.enrolment(tx, serial: issued.serial, pem: issued.pem)
    } }
  }

  /// An agency renews its own certificate with a new CSR.
  public func renew(creditCode code: CreditCode, csrPEM: String, context: WriteContext) async throws -> Enrolment {
    guard !csrPEM.isEmpty else { throw ServiceError.required("csr_pem", "the certificate signing request") }
    guard let authority else {
      throw ServiceError(.failedPrecondition, "this server holds no CA key (start it with --ca-key)", reason: "ENROLMENT_UNAVAILABLE")
    }
    let instant = now()
    return try await store.writeRegistry { tx in try await tx.once(context) {
      guard let agency = try await tx.agency(code.rawValue) else {
        throw ServiceError(.notFound, "agency \(code) is not enrolled", reason: "AGENCY_NOT_FOUND")
      }
      guard agency.status != .removed else {
        throw ServiceError(.failedPrecondition, "agency \(code) was removed from the registry (Art. 20)", reason: "AGENCY_REMOVED")
      }
      let issued = try authority.issue(csrPEM: csrPEM, creditCode: code, name: agency.name, now: instant)
      try await self.store(tx, issued, creditCode: code, context: context, at: instant)
      return try await self.enrolment(tx, serial: issued.serial, pem: issued.pem)
    } }
  }

  /// Revokes a certificate; the server refuses it from its next call on.
  public func revoke(serial: String, reason: String, context: WriteContext) async throws -> IssuedCertificate {
    var violations = Violations()
    violations.required("serial", serial, what: "the serial")
    violations.required("reason", reason, what: "the reason")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let serial = serial.lowercased()
    let instant = now()
    let certificate = try await store.writeRegistry { tx -> IssuedCertificate in try await tx.once(context) {
      guard try await tx.certificate(serial: serial) != nil else {
        throw ServiceError(.notFound, "no certificate with serial \(serial)", reason: "CERTIFICATE_NOT_FOUND")
      }
      try await tx.revokeCertificate(serial: serial, at: instant, reason: reason)
      _ = try await self.record(tx, context, recordSHA256: Digest.sha256Hex(serial + "|" + reason), at: instant)
      return try await self.certificate(tx, serial: serial)
    } }
    onRevoke(serial)
    return certificate
  }

  /// Serials of every revoked certificate, for the server's revocation check at start.
  public func revokedSerials() async throws -> Set<String> {
    Set(try await store.revokedSerials())
  }

  public func certificates(of code: CreditCode, page: PageRequest) async throws -> Page<IssuedCertificate> {
    let rows = try await store.certificates(of: code.rawValue, before: try page.afterSequence(), limit: page.limit)
    return page.page(rows) { String($0.audit.sequence) }.map(Self.issued)
  }

  /// Records an issued certificate with its audit entry (the record digest is the
  /// certificate's own SHA-256 fingerprint).
  private func store(
    _ tx: some RegistryTransaction, _ issued: CertificateAuthority.Issued, creditCode: CreditCode, context: WriteContext, at instant: Date
  ) async throws {
    let fingerprint = Digest.sha256Hex(Self.derBytes(pem: issued.pem))
    let entry = try await self.record(tx, context, recordSHA256: fingerprint, at: instant)
    try await tx.insertCertificate(CertificateRow(
      serial: issued.serial, creditCode: creditCode.rawValue, subject: "CN=\(creditCode.rawValue)", notBefore: issued.notBefore,
      notAfter: issued.notAfter, sha256Fingerprint: fingerprint, issuedAt: instant, audit: entry))
  }

  /// An enrolment's answer: the certificate issued, with its PEM and the CA's. A retry gets it
  /// back as kept with the request id (`once`).
  private func enrolment(_ tx: some RegistryTransaction, serial: String, pem: String) async throws -> Enrolment {
    guard let row = try await tx.certificate(serial: serial) else {
      throw ServiceError(.notFound, "no certificate with serial \(serial)", reason: "CERTIFICATE_NOT_FOUND")
    }
    return Enrolment(
      certificate: Self.issued(row), certificatePEM: pem, caCertificatePEM: authority?.certificatePEM ?? "",
      receipt: row.audit.receipt)
  }

  func certificate(_ reads: some RegistryReads, serial: String) async throws -> IssuedCertificate {
    guard let row = try await reads.certificate(serial: serial) else {
      throw ServiceError(.notFound, "no certificate with serial \(serial)", reason: "CERTIFICATE_NOT_FOUND")
    }
    return Self.issued(row)
  }

  static func issued(_ row: CertificateRow) -> IssuedCertificate {
    IssuedCertificate(
      serial: row.serial, creditCode: row.creditCode, subject: row.subject, notBefore: row.notBefore, notAfter: row.notAfter,
      revokedAt: row.revokedAt, revocationReason: row.revocationReason, sha256Fingerprint: row.sha256Fingerprint)
  }

  /// The DER bytes inside a PEM block.
  static func derBytes(pem: String) -> [UInt8] {
    let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
    return Array(Data(base64Encoded: body) ?? Data())
  }
}
