import Foundation

/// One version of a record that officers keep (supervision's inspectors, seed commitments,
/// plans, inspections, complaints and decisions on findings; credit's indicator systems,
/// evidence and evaluations): the record's whole state after a write, as JSON, never updated. Its SHA-256 is the write's audit entry's record digest, so the log
/// covers every version (`CoveredTable.recordVersion`).
public struct RecordVersion: Codable, Sendable, Equatable {
  /// `ipr-000001`, `seed-000001`, `plan-000001`, `insp-000001`, `cmp-000001`, `case-000001`,
  /// or a finding's id for the decisions on it.
  public var id: String
  public var version: Int
  public var content: String
  public var recordedAt: Date
  public var recordedBy: String
  public var audit: AuditLog.Entry

  public init(id: String, version: Int, content: String, recordedAt: Date, recordedBy: String, audit: AuditLog.Entry) {
    self.id = id
    self.version = version
    self.content = content
    self.recordedAt = recordedAt
    self.recordedBy = recordedBy
    self.audit = audit
  }
}

/// What kind of record; each domain names its own (`RecordKind.complaint`).
public struct RecordKind: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: String

  public init(_ rawValue: String) {
    self.rawValue = rawValue
  }

  public var description: String { rawValue }
}

/// What lists of records filter on, kept beside their versions: one row per record, its
/// current state.
public struct RecordIndex: Sendable, Equatable {
  public var id: String
  public var kind: RecordKind
  /// The number in the id: lists go newest first by it.
  public var number: Int64
  /// The latest version.
  public var version: Int
  /// The agency concerned; empty for inspectors, commitments and plans.
  public var creditCode: String
  /// The district; empty for the city.
  public var districtCode: String
  /// A kind's own state: a complaint's status, a plan's `replaced`.
  public var status: String
  /// A day the lists filter on (`YYYY-MM-DD`): an inspection's day, a complaint's day to decide by.
  public var day: String
  /// A unique key of the kind: an inspector's badge number.
  public var key: String

  public init(
    id: String, kind: RecordKind, number: Int64, version: Int, creditCode: String = "", districtCode: String = "", status: String = "",
    day: String = "", key: String = ""
  ) {
    self.id = id
    self.kind = kind
    self.number = number
    self.version = version
    self.creditCode = creditCode
    self.districtCode = districtCode
    self.status = status
    self.day = day
    self.key = key
  }
}

/// What a list of records is narrowed to.
public struct RecordFilter: Sendable, Equatable {
  public var kind: RecordKind
  public var creditCode = ""
  public var districtCode = ""
  public var statuses: [String] = []
  /// `day` in [from, through], `YYYY-MM-DD`.
  public var dayFrom: String?
  public var dayThrough: String?
  /// `day` before this, for the statuses in `statuses` (the overdue list).
  public var dayBefore: String?

  public init(kind: RecordKind) {
    self.kind = kind
  }
}

/// Reading records and their versions.
public protocol RecordReads {
  /// A version of a record (the latest when `version` is nil), nil when there is none.
  func recordVersion(id: String, version: Int?) async throws -> RecordVersion?
  /// Every version of a record, oldest first.
  func recordVersions(id: String) async throws -> [RecordVersion]
  /// The latest versions of the records a filter selects, newest first, before `before`.
  func recordVersions(_ filter: RecordFilter, before: Int64?, limit: Int) async throws -> [RecordVersion]
  /// The index row of a record.
  func recordIndex(id: String) async throws -> RecordIndex?
  /// The record of a kind with this unique key (an inspector's badge number).
  func recordID(kind: RecordKind, key: String) async throws -> String?
  /// The greatest `day` among the records of a kind in one of `statuses` (any status when
  /// empty); nil when there is none.
  func latestDay(kind: RecordKind, statuses: [String]) async throws -> String?
}

extension RecordReads {
  /// Every record a filter selects, newest first, read page by page. `number` gives the number
  /// in a record's id, which the pages are keyed on.
  public func allRecordVersions(_ filter: RecordFilter, number: (String) -> Int64?) async throws -> [RecordVersion] {
    var all: [RecordVersion] = []
    var before: Int64?
    repeat {
      let rows = try await recordVersions(filter, before: before, limit: PageRequest.maximumSize)
      all += rows
      before = rows.count == PageRequest.maximumSize ? rows.last.flatMap { number($0.id) } : nil
    } while before != nil
    return all
  }
}

/// Writing records: a version, never updated, and the index row, replaced.
public protocol RecordTransaction: RecordReads, WriteTransaction {
  func insertRecordVersion(_ row: RecordVersion) async throws
  /// Inserts or replaces the index row of a record.
  func putRecordIndex(_ index: RecordIndex) async throws
}

extension RecordTransaction {
  /// Appends the write's audit entry, its receipt signed by `key`, and a version of record `id`
  /// holding `value` as JSON, whose SHA-256 is the entry's record digest; returns the version.
  func appendVersion(_ context: WriteContext, id: String, version: Int, _ value: some Encodable, at instant: Date, key: SigningKey)
    async throws -> RecordVersion
  {
    let content = Registry.json(value)
    let entry = try await record(context, recordSHA256: Digest.sha256Hex(content), at: instant, key: key)
    let row = RecordVersion(id: id, version: version, content: content, recordedAt: instant, recordedBy: context.actor, audit: entry)
    try await insertRecordVersion(row)
    return row
  }
}
