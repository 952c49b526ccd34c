/// Each kind's index row as its record gives it: written with every version, and rebuilt from
/// the latest version when the record is verified, by the same function.
///
/// Two statuses name another record and are set when that record is written: a commitment's is
/// the plan that used it, a plan's the plan that replaced it
/// (`SupervisionVerification.crossReferences` rebuilds them).
extension RecordIndex {
  static func inspector(_ record: InspectorRecord, number: Int64, version: Int) -> RecordIndex {
    RecordIndex(id: record.id, kind: .inspector, number: number, version: version, districtCode: record.districtCode, key: record.badgeNumber)
  }

  static func commitment(_ record: CommitmentRecord, number: Int64) -> RecordIndex {
    RecordIndex(id: record.id, kind: .commitment, number: number, version: 1, districtCode: record.districtCode)
  }

  static func plan(_ record: PlanRecord, number: Int64) -> RecordIndex {
    RecordIndex(id: record.id, kind: .plan, number: number, version: 1, districtCode: record.districtCode)
  }

  static func inspection(_ record: InspectionRecord, number: Int64) -> RecordIndex {
    RecordIndex(
      id: record.id, kind: .inspection, number: number, version: record.version, creditCode: record.input.creditCode,
      districtCode: record.input.districtCode, day: record.input.inspectedOn?.description ?? "")
  }

  /// A case opened by an inspection, at the inspection's version that opened it.
  static func investigationCase(_ opened: InvestigationCase, of inspection: InspectionRecord, number: Int64, version: Int) -> RecordIndex {
    RecordIndex(
      id: opened.id, kind: .investigationCase, number: number, version: version, creditCode: opened.creditCode,
      districtCode: inspection.input.districtCode, status: opened.status, day: opened.referredOn.description, key: inspection.id)
  }

  /// The day lists filter on is the day the next decision is due, or, once concluded, the day it
  /// was resolved (the draw reads recent verified ones).
  static func complaint(_ record: ComplaintRecord, number: Int64, version: Int) -> RecordIndex {
    let day = record.dueOn ?? record.resolution.map { CalendarDate(chinaDayOf: $0.resolvedAt) }
    return RecordIndex(
      id: record.id, kind: .complaint, number: number, version: version, creditCode: record.creditCode, districtCode: record.districtCode,
      status: record.status.rawValue, day: day?.description ?? "")
  }

  static func indicatorSystem(id: String, number: Int64) -> RecordIndex {
    RecordIndex(id: id, kind: .indicatorSystem, number: number, version: 1)
  }

  static func evidence(_ record: EvidenceRecord, number: Int64, version: Int) -> RecordIndex {
    RecordIndex(
      id: record.id, kind: .evidence, number: number, version: version, creditCode: record.creditCode, status: record.status,
      day: record.occurredOn.description)
  }

  /// An evaluation's day is its year: the latest year is one indexed read.
  static func evaluation(_ record: EvaluationRecord, number: Int64, version: Int) -> RecordIndex {
    RecordIndex(id: record.id, kind: .evaluation, number: number, version: version, status: record.status, day: "\(record.year)")
  }

  /// An objection's day is its evaluation, so an evaluation's objections are one range.
  static func objection(_ record: ObjectionRecord, number: Int64, version: Int) -> RecordIndex {
    RecordIndex(
      id: record.id, kind: .objection, number: number, version: version, creditCode: record.creditCode, status: record.status,
      day: record.evaluationID)
  }

  static func holidayCalendar(_ record: HolidayCalendarRecord, version: Int) -> RecordIndex {
    RecordIndex(id: "cal-\(record.calendar.year)", kind: .holidayCalendar, number: Int64(record.calendar.year), version: version)
  }

  /// The row a record's latest version gives, by the kind of its id; nil when its content is not
  /// that kind's (a case is rebuilt from its inspection, a commitment's and a plan's status from the plans).
  static func of(_ latest: RecordVersion, kind: RecordKind, number: Int64) -> RecordIndex? {
    func decoded<T: Decodable>(_ type: T.Type) -> T? { Registry.decode(type, latest.content) }
    let version = latest.version
    switch kind {
    case .inspector: return decoded(InspectorRecord.self).map { inspector($0, number: number, version: version) }
    case .commitment: return decoded(CommitmentRecord.self).map { commitment($0, number: number) }
    case .plan: return decoded(PlanRecord.self).map { plan($0, number: number) }
    case .inspection: return decoded(InspectionRecord.self).map { inspection($0, number: number) }
    case .complaint: return decoded(ComplaintRecord.self).map { complaint($0, number: number, version: version) }
    case .indicatorSystem: return decoded(IndicatorSystem.self).map { _ in indicatorSystem(id: latest.id, number: number) }
    case .evidence: return decoded(EvidenceRecord.self).map { evidence($0, number: number, version: version) }
    case .evaluation: return decoded(EvaluationRecord.self).map { evaluation($0, number: number, version: version) }
    case .objection: return decoded(ObjectionRecord.self).map { objection($0, number: number, version: version) }
    case .holidayCalendar: return decoded(HolidayCalendarRecord.self).map { holidayCalendar($0, version: version) }
    default: return nil
    }
  }
}
