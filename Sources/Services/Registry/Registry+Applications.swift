import Foundation
import GRDB

extension Registry {
  /// An agency applies to be listed (Art. 4(1)). Every material is checked; the agency and
  /// every person named must not be banned (Art. 20); the documents must have been uploaded;
  /// one application may be pending at a time.
  public func submit(creditCode code: CreditCode, materials: ApplicationMaterials, context: WriteContext) async throws -> ApplicationRecord {
    let check = ApplicationValidator(today: today()).validate(materials, applicant: code)
    if !check.violations.isEmpty { throw ServiceError.invalid(check.violations) }
    let instant = now()
    return try await writer.write { db in
      if let id = try self.replayed(db, context) { return try self.application(db, id: id) }
      guard let status = try String.fetchOne(db, sql: "SELECT status FROM agency WHERE credit_code = ?", arguments: [code.rawValue]) else {
        throw ServiceError(.failedPrecondition, "agency \(code) is not enrolled; the city bureau enrols it first", reason: "AGENCY_NOT_ENROLLED")
      }
      if status == "listed" {
        throw ServiceError(.failedPrecondition, "agency \(code) is listed already; changes are filed with FileChange (Art. 5)", reason: "AGENCY_LISTED")
      }
      try self.refuseIfBanned(db, agency: code, field: "credit_code")
      try self.refuseBannedPersons(db, check.persons)
      try self.requireDocuments(db, check.documents)
      if let pending = try String.fetchOne(db, sql: "SELECT id FROM application WHERE credit_code = ? AND status = 'pending'", arguments: [code.rawValue]) {
        throw ServiceError(.alreadyExists, "application \(pending) of agency \(code) is still pending", reason: "APPLICATION_PENDING", info: ["application_id": pending])
      }
      let id = try Self.nextID(db, prefix: "app", table: "application")
      let json = Self.json(materials)
      let receipt = try self.record(db, context, resultID: id, recordSHA256: Digest.sha256Hex(json), at: instant)
      try db.execute(
        sql: """
          INSERT INTO application (id, credit_code, status, materials, warnings, submitted_at, submitted_by, audit_sequence)
          VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)
          """,
        arguments: [id, code.rawValue, json, Self.json(check.warnings), Timestamps.format(instant), context.actor, receipt.auditSequence])
      return try self.application(db, id: id)
    }
  }

  /// Every referenced document must exist in the store.
  func requireDocuments(_ db: Database, _ documents: [(field: String, sha256: String)]) throws {
    var missing: [FieldViolation] = []
    for (field, digest) in documents where try Bool.fetchOne(db, sql: "SELECT 1 FROM document WHERE sha256 = ?", arguments: [digest]) == nil {
      missing.append(FieldViolation(field, "no document with this digest was uploaded (DocumentService.Upload)", reason: "DOCUMENT_NOT_FOUND"))
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
    let instant = now()
    return try await writer.write { db in
      if let replayed = try self.replayed(db, context) { return try self.application(db, id: replayed) }
      let application = try self.application(db, id: id)
      guard application.status == .pending else {
        throw ServiceError(.failedPrecondition, "application \(id) is \(application.status.rawValue), not pending", reason: "APPLICATION_NOT_PENDING")
      }
      let status: ApplicationRecord.Status = switch decision! {
      case .approve: .approved
      case .reject: .rejected
      case .returnForMore: .returned
      }
      let digest = Digest.sha256Hex(Self.json([id, decision!.rawValue] + reasons))
      _ = try self.record(db, context, resultID: id, recordSHA256: digest, at: instant)
      try db.execute(
        sql: "UPDATE application SET status = ?, decision = ?, reasons = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
        arguments: [status.rawValue, decision!.rawValue, Self.json(reasons), context.actor, Timestamps.format(instant), id])
      if status == .approved {
        let code = try CreditCode(validating: application.creditCode)
        let name = application.materials.licence?.name ?? ""
        try db.execute(
          sql: "UPDATE agency SET status = 'listed', name = ?, listed_at = COALESCE(listed_at, ?) WHERE credit_code = ?",
          arguments: [name, Timestamps.format(instant), code.rawValue])
        try self.appendVersion(db, code: code, status: .listed, name: name, record: application.materials, at: instant)
      }
      return try self.application(db, id: id)
    }
  }

  public func application(id: String, viewer: Viewer) async throws -> ApplicationRecord {
    let application = try await writer.read { try self.application($0, id: id) }
    guard let code = try? CreditCode(validating: application.creditCode), viewer.mayRead(code) else {
      throw ServiceError(.notFound, "no application \(id)", reason: "APPLICATION_NOT_FOUND")
    }
    return application
  }

  public func applications(creditCode: String, status: ApplicationRecord.Status?, viewer: Viewer, page: PageRequest) async throws -> Page<ApplicationRecord> {
    var filterCode = creditCode
    if case .agency(let own) = viewer { filterCode = own.rawValue }
    let code = filterCode
    return try await writer.read { db in
      var conditions: [String] = []
      var arguments: StatementArguments = []
      if !code.isEmpty {
        conditions.append("credit_code = ?")
        _ = arguments.append(contentsOf: [code])
      }
      if let status {
        conditions.append("status = ?")
        _ = arguments.append(contentsOf: [status.rawValue])
      }
      let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
      _ = arguments.append(contentsOf: [page.size + 1, page.offset])
      let ids = try String.fetchAll(db, sql: "SELECT id FROM application \(filter) ORDER BY submitted_at DESC, id DESC LIMIT ? OFFSET ?", arguments: arguments)
      return page.page(try ids.map { try self.application(db, id: $0) })
    }
  }

  func application(_ db: Database, id: String) throws -> ApplicationRecord {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM application WHERE id = ?", arguments: [id]) else {
      throw ServiceError(.notFound, "no application \(id)", reason: "APPLICATION_NOT_FOUND")
    }
    return ApplicationRecord(
      id: id, creditCode: row["credit_code"], status: ApplicationRecord.Status(rawValue: row["status"]) ?? .pending,
      materials: Self.decode(ApplicationMaterials.self, row["materials"]) ?? ApplicationMaterials(),
      warnings: Self.decode([String].self, row["warnings"]) ?? [],
      submittedAt: Timestamps.parse(row["submitted_at"]) ?? .distantPast, submittedBy: row["submitted_by"],
      decision: (row["decision"] as String?).flatMap(ApplicationRecord.Decision.init(rawValue:)),
      reasons: (row["reasons"] as String?).flatMap { Self.decode([String].self, $0) } ?? [],
      reviewedBy: row["reviewed_by"], reviewedAt: (row["reviewed_at"] as String?).flatMap(Timestamps.parse),
      receipt: try Self.receipt(db, sequence: row["audit_sequence"]))
  }
}
