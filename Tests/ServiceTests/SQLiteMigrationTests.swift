import Foundation
import GRDB
import Services
@testable import StorageSQLite
import Testing

/// A database written by an earlier release migrates in place: ids carry on from where they
/// were, agencies get their district column, documents their owners.
@Suite("SQLite migrations from earlier releases")
struct SQLiteMigrationTests {
  @Test("a v3 database with registry rows and documents comes up to date")
  func fromV3() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-\(UUID())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let queue = try DatabaseQueue(path: directory + "/monitoring.sqlite")
    try SQLiteStore.migrator.migrate(queue, upTo: "v3 registry")
    try await queue.write { db in
      try db.execute(sql: "INSERT INTO audit_log VALUES (1, '2026-11-01T00:00:00.000Z', 'a', 'm', 'r', 'd', ?, 'h1')", arguments: [AuditLog.genesis])
      try db.execute(sql: "INSERT INTO agency (credit_code, name, status, enrolled_at, version) VALUES ('91500000MA5U7BCX7A', 'x', 'listed', '2026-11-01T00:00:00.000Z', 1)")
      try db.execute(sql: """
        INSERT INTO agency_version VALUES ('91500000MA5U7BCX7A', 1, '2026-11-01T00:00:00.000Z', 'x', 'listed',
          '{"address":{"districtCode":"500112","street":"s"}}', 'd')
        """)
      try db.execute(sql: "INSERT INTO application (id, credit_code, status, materials, warnings, submitted_at, submitted_by, audit_sequence) VALUES ('app-000007', '91500000MA5U7BCX7A', 'approved', '{}', '[]', '2026-11-01T00:00:00.000Z', 'a', 1)")
      try db.execute(sql: "INSERT INTO document VALUES ('aa', 3, 'memo.pdf', 'application/pdf', '', '2026-11-01T00:00:00.000Z', 'city', 1)")
      try db.execute(sql: "INSERT INTO document VALUES ('bb', 4, 'scan.pdf', 'application/pdf', '91500000MA5U7BCX7A', '2026-11-01T00:00:00.000Z', 'lims', 1)")
    }
    try queue.close()

    let store = try SQLiteStore(directory: directory)
    #expect(try await store.agency("91500000MA5U7BCX7A")?.districtCode == "500112")
    #expect(try await store.agencies(AgencyFilter(districtCode: "500112"), after: nil, limit: 10).count == 1)
    #expect(try await store.applications(ApplicationFilter(), before: nil, limit: 10).map(\.id) == ["app-000007"])
    #expect(try await store.writeRegistry { try await $0.nextNumber(in: .application) } == 8)
    #expect(try await store.document(sha256: "aa", owner: "bureau:city")?.fileName == "memo.pdf")
    #expect(try await store.document(sha256: "bb", owner: "91500000MA5U7BCX7A")?.sizeBytes == 4)
    #expect(try await store.missingDocuments(["aa", "bb"], owner: "91500000MA5U7BCX7A") == ["aa"])
  }
}
