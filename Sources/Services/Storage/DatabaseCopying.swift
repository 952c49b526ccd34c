/// Moving a whole database from one engine to another (`monitord copy-database`), row by row in
/// the schema's shared meaning: the same tables and columns on every engine.

/// A value as a table stores it.
public enum StoredValue: Sendable, Equatable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  case bytes([UInt8])
}

/// One row: column names and their values, in the same order.
public struct StoredRow: Sendable, Equatable {
  public var columns: [String]
  public var values: [StoredValue]

  public init(columns: [String], values: [StoredValue]) {
    self.columns = columns
    self.values = values
  }
}

/// The tables a copy moves, parents before children. Documents' bytes travel apart
/// (`DatabaseImport.insertDocumentPart`), as each engine keeps them its own way.
public enum CopiedTables {
  public static let all = [
    "audit_log", "idempotency", "id_sequence", "agency", "agency_staff", "agency_version", "certificate", "application", "change",
    "finding", "removal", "ban", "document_content", "document_record", "merkle_node", "activity", "activity_version",
    "activity_district", "activity_parameter", "activity_sampling", "activity_instrument", "activity_sample", "activity_result_series",
    "record_version", "record_index", "draw_seed", "rating_change",
  ]
}

/// A store whose tables can be read out whole.
public protocol DatabaseExporting: Store {
  /// Rows of `table` in a stable order, after position `after` (0 before the first), at most
  /// `limit`; and the position of the last row returned.
  func exportRows(of table: String, after: Int64, limit: Int) async throws -> (rows: [StoredRow], last: Int64)
}

/// A store that can take a copied database.
public protocol DatabaseImporting: Store {
  /// Runs `body` in one transaction: the copy lands whole or not at all.
  func importing<T: Sendable>(_ body: (any DatabaseImport) async throws -> T) async throws -> T
}

public protocol DatabaseImport {
  /// Whether the database holds no records yet (a copy goes only into an empty one).
  func isEmpty() async throws -> Bool
  func insert(_ rows: [StoredRow], into table: String) async throws
  func insertDocumentPart(sha256: String, index: Int, bytes: [UInt8]) async throws
  /// Brings generated keys past the copied ones.
  func finish() async throws
}
