import Foundation

extension Registry {
  /// An agency applies to be listed (Art. 4(1)). Every material is checked; the agency and
  /// every person named must not be banned (Art. 20); the documents must have been uploaded;
  /// one application may be pending at a time. A retry gets its first answer even after a
  /// certificate or calibration in it has lapsed.
  public func submit(creditCode code: CreditCode, materials: ApplicationMaterials, context: WriteContext) async throws -> ApplicationRecord {
    if let earlier = try await store.earlier(context, as: ApplicationRecord.self) { return earlier }
    let check = ApplicationValidator(today: today()).validate(materials, applicant: code)
    if !check.violations.isEmpty { throw ServiceError.invalid(check.violations) }
    let instant = now()
    return try await store.writeRegistry { tx in try await tx.once(context) {
      guard let agency = try await tx.agency(code.rawValue) else {
        throw ServiceError(.failedPrecondition, "agency \(code) is not enrolled; the city bureau enrols it first", reason: "AGENCY_NOT_ENROLLED")
      }
      if agency.status == .listed {
        throw ServiceError(.failedPrecondition, "agency \(code) is listed already; changes are filed with FileChange (Art. 5)", reason: "AGENCY_LISTED")
      }
      try await self.refuseIfBanned(tx, agency: code, field: "credit_code")
      try await self.refuseBannedPersons(tx, check.persons)
      try await Self.requireDocuments(tx, check.documents, owner: code)
      if let pending = try await tx.pendingApplication(of: code.rawValue) {
        throw ServiceError(.alreadyExists, "application \(pending) of agency \(code) is still pending", reason: "APPLICATION_PENDING", info: ["application_id": pending])
      }
      let id = IDSequence.application.id(try await tx.nextNumber(in: .application))
      let json = Self.json(materials)
      let entry = try await self.record(tx, context, recordSHA256: Digest.sha256Hex(json), at: instant)
      try await tx.insertApplication(ApplicationRow(
        id: id, creditCode: code.rawValue, status: .pending, materials: json, warnings: Self.json(check.warnings),
        submittedAt: instant, submittedBy: context.actor, audit: entry))
      return try await self.application(tx, id: id)
    } }
  }

  /// Every referenced document must have been uploaded by the agency itself: a filing cites
  /// only its filer's documents.
  static func requireDocuments(_ reads: some RegistryReads, _ documents: [(field: String, sha256: String)], owner: CreditCode) async throws {
    guard !documents.isEmpty else { return }
    let absent = try await reads.missingDocuments(Array(Set(documents.map(\.sha256))), owner: owner.rawValue)
    let missing = documents.filter { absent.contains($0.sha256) }.map {
      FieldViolation($0.field, "agency \(owner) uploaded no document with this digest (DocumentService.Upload)", reason: "DOCUMENT_NOT_FOUND")
    }
    if !missing.isEmpty {
      throw ServiceError(.failedPrecondition, "\(missing.count) referenced document(s) were never uploaded", reason: "DOCUMENT_NOT_FOUND", violations: missing)
    }
  }

  /// The city bureau decides on a pending application: approve lists the agency (registry
  /// version 1); reject and return need reasons the agency can read.
  public func review(applicationID id: String, decision: ApplicationRecord.Decision?, reasons: [String], context: WriteContext) async throws -> ApplicationRecord {
    var violations = Violations()
    if id.isEmpty { violations.add("application_id", "the application id is required", reason: "REQUIRED") }
    if decision == nil { violations.add("decision", "approve, reject or return for more information", reason: "REQUIRED") }
    if decision != .approve, reasons.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
      violations.add("reasons", "a rejection or a return needs at least one reason the agency can read", reason: "REQUIRED")
    }
    for (index, reason) in reasons.enumerated() { violations.length("reasons[\(index)]", reason, max: 1000, what: "a reason") }
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let decision = decision!
    let instant = now()
    return try await store.writeRegistry { tx in try await tx.once(context) {
      guard var row = try await tx.application(id: id) else {
        throw ServiceError(.notFound, "no application \(id)", reason: "APPLICATION_NOT_FOUND")
      }
      guard row.status == .pending else {
        throw ServiceError(.failedPrecondition, "application \(id) is \(row.status.rawValue), not pending", reason: "APPLICATION_NOT_PENDING")
      }
      row.status = switch decision {
      case .approve: .approved
      case .reject: .rejected
      case .returnForMore: .returned
      }
      row.decision = decision
      row.reasons = Self.json(reasons)
      row.reviewedBy = context.actor
      row.reviewedAt = instant
      let digest = Self.reviewDigest(applicationID: id, decision: decision.rawValue, reasons: reasons)
      _ = try await self.record(tx, context, recordSHA256: digest, at: instant)
      try await tx.updateApplication(row)
      if row.status == .approved, var agency = try await tx.agency(row.creditCode) {
        let materials = Self.decode(ApplicationMaterials.self, row.materials) ?? ApplicationMaterials()
        agency.status = .listed
        agency.name = materials.licence?.name ?? ""
        agency.listedAt = agency.listedAt ?? instant
        try await self.appendVersion(tx, agency: &agency, record: materials, at: instant)
      }
      return try await self.application(tx, id: id)
    } }
  }

  /// The record digest of a ReviewApplication entry: of the application's id, the decision and
  /// the reasons.
  static func reviewDigest(applicationID id: String, decision: String, reasons: [String]) -> String {
    Digest.sha256Hex(json([id, decision] + reasons))
  }

  /// One application. To an agency, one that is not its own is NOT_FOUND, the same answer as
  /// an id that does not exist (ids are sequential: a different answer would tell which exist).
  public func application(id: String, viewer: Viewer) async throws -> ApplicationRecord {
    let row = try await store.application(id: id)
    let visible: Bool
    if case .agency(let own) = viewer { visible = row?.creditCode == own.rawValue } else { visible = row != nil }
    guard let row, visible else { throw ServiceError(.notFound, "no application \(id)", reason: "APPLICATION_NOT_FOUND") }
    return Self.application(row)
  }

  public func applications(creditCode: String, status: ApplicationRecord.Status?, viewer: Viewer, page: PageRequest) async throws -> Page<ApplicationRecord> {
    var filter = ApplicationFilter(creditCode: creditCode, status: status)
    if case .agency(let own) = viewer {
      if !creditCode.isEmpty, creditCode != own.rawValue {
        throw ServiceError(
          .permissionDenied, "you may list only your own agency's applications, not \(creditCode)'s", reason: "NOT_YOUR_AGENCY",
          violations: [FieldViolation("credit_code", "must be empty or your own credit code", reason: "NOT_YOUR_AGENCY")])
      }
      filter.creditCode = own.rawValue
    }
    let before = try page.afterSequence()
    let rows = try await store.applications(filter, before: before, limit: page.limit)
    return page.page(rows) { String(IDSequence.application.number(of: $0.id) ?? 0) }.map(Self.application)
  }

  func application(_ reads: some RegistryReads, id: String) async throws -> ApplicationRecord {
    guard let row = try await reads.application(id: id) else {
      throw ServiceError(.notFound, "no application \(id)", reason: "APPLICATION_NOT_FOUND")
    }
    return Self.application(row)
  }

  static func application(_ row: ApplicationRow) -> ApplicationRecord {
    ApplicationRecord(
      id: row.id, creditCode: row.creditCode, status: row.status,
      materials: decode(ApplicationMaterials.self, row.materials) ?? ApplicationMaterials(),
      warnings: decode([String].self, row.warnings) ?? [], submittedAt: row.submittedAt, submittedBy: row.submittedBy,
      decision: row.decision, reasons: row.reasons.flatMap { decode([String].self, $0) } ?? [], reviewedBy: row.reviewedBy,
      reviewedAt: row.reviewedAt, receipt: row.audit.receipt)
  }
}
