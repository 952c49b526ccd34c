import Foundation

/// Reading what credit keeps (its records through `RecordReads`) and what it evaluates.
public protocol CreditReads: RecordReads {
  /// Everything a year's evaluation reads but evidence (a record kind of its own): every
  /// agency with its listing and its activities filed in the year, the verified findings
  /// raised in the year counted by agency, category and rule, and the Art. 16 removals decided
  /// in the year. The year runs 1 Jan – 31 Dec, China time.
  func evaluationInputs(year: Int) async throws -> EvaluationInputs
  /// A finding, nil when there is none (evidence may come from one).
  func finding(id: String) async throws -> FindingRow?
}

/// A write transaction of credit (registry reads included).
public protocol CreditTransaction: CreditReads, RecordTransaction, RegistryReads {}

public protocol CreditStore: CreditReads, RegistryStore {
  /// Runs `body` in one serialised write transaction (see `WriteTransaction`).
  func writeCredit<T: Sendable>(_ body: (any CreditTransaction) async throws -> T) async throws -> T
}

extension RecordKind {
  public static let indicatorSystem = RecordKind("indicators")
  public static let evidence = RecordKind("evidence")
  public static let evaluation = RecordKind("evaluation")
  public static let holidayCalendar = RecordKind("calendar")
}

extension IDSequence {
  /// `ind-000003` is version 3 of the indicator system.
  public static let indicatorSystem = IDSequence(name: "indicators", prefix: "ind")
  public static let evidence = IDSequence(name: "evidence", prefix: "evd")
  public static let evaluation = IDSequence(name: "evaluation", prefix: "eval")
}

/// A credit year: 1 Jan – 31 Dec in China Standard Time (Art. 13).
public enum CreditYear {
  /// Its first instant and the first instant after it, as stored timestamps (RFC 3339, UTC).
  public static func bounds(_ year: Int) -> (from: String, until: String) {
    (Timestamps.format(start(year)), Timestamps.format(start(year + 1)))
  }

  /// Midnight of 1 January in China.
  public static func start(_ year: Int) -> Date {
    Date(timeIntervalSince1970: Double(CalendarDate(year: year, month: 1, day: 1)!.chinaMidnight))
  }
}
