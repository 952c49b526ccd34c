import Foundation

extension Credit {
  /// The principal of what the server did itself: the calendars built into it.
  public static let system = "spiffe://cq-monitoring/system"

  /// Where the built-in calendars come from.
  static let shippedSource = "国务院办公厅关于部分节假日安排的通知 (as tabulated in ../shared/domain.md)"

  /// Loads a year's holidays from the State Council's notice, replacing an earlier load (which
  /// stays, as an earlier version, in the log). City officers.
  public func putCalendar(_ calendar: HolidayCalendar, source: String, context: WriteContext) async throws -> (HolidayCalendarRecord, RecordVersion?) {
    var violations = Violations()
    if !(2000...2100).contains(calendar.year) { violations.add("calendar.year", "a year from 2000 to 2100", reason: "YEAR") }
    for (field, days) in [("days_off", calendar.daysOff), ("working_weekend_days", calendar.workingWeekendDays)] {
      for day in days.sorted() where day.year != calendar.year {
        violations.add("calendar.\(field)", "\(day) is not in \(calendar.year)", reason: "DATE_OUTSIDE_YEAR")
      }
    }
    for day in calendar.workingWeekendDays.sorted() where day.weekday <= 5 {
      violations.add("calendar.working_weekend_days", "\(day) is a weekday, not a Saturday or Sunday worked", reason: "NOT_A_WEEKEND")
    }
    for day in calendar.daysOff.intersection(calendar.workingWeekendDays).sorted() {
      violations.add("calendar.working_weekend_days", "\(day) is both off and worked", reason: "DAY_BOTH")
    }
    violations.required("calendar.source", source, what: "the notice it comes from")
    violations.length("calendar.source", source, max: 200, what: "the source")
    if !violations.all.isEmpty { throw ServiceError.invalid(violations.all) }
    let instant = now()
    let id = "cal-\(calendar.year)"
    return try await store.writeCredit { tx in try await tx.once(context) { () async throws -> (HolidayCalendarRecord, RecordVersion?) in
      let record = HolidayCalendarRecord(calendar: calendar, source: source, loadedAt: instant, loadedBy: context.actor)
      let version = (try await tx.recordIndex(id: id)?.version ?? 0) + 1
      let row = try await self.write(tx, context, id: id, version: version, record, at: instant)
      try await tx.putRecordIndex(.holidayCalendar(record, version: version))
      return (record, row)
    } }
  }

  /// A year's calendar: the one loaded, else the one built in; NOT_FOUND for neither.
  public func calendar(year: Int) async throws -> (HolidayCalendarRecord, RecordVersion?) {
    if let row = try await store.recordVersion(id: "cal-\(year)", version: nil), let record = Registry.decode(HolidayCalendarRecord.self, row.content) {
      return (record, row)
    }
    guard let shipped = WorkingDays.shipped.calendars[year] else {
      throw ServiceError(.notFound, "no holiday calendar for \(year) is loaded (PutHolidayCalendar)", reason: "CALENDAR_NOT_FOUND")
    }
    return (HolidayCalendarRecord(calendar: shipped, source: Self.shippedSource, loadedAt: Date(timeIntervalSince1970: 0), loadedBy: Self.system), nil)
  }
}

extension WorkingDays {
  /// `builtIn`, with each year loaded since (PutHolidayCalendar) in place of its own.
  public static func loaded(from reads: some RecordReads, over builtIn: WorkingDays) async throws -> WorkingDays {
    var calendars = builtIn.calendars
    // A calendar's id is `cal-YEAR`, numbered by its year.
    for row in try await reads.allRecordVersions(RecordFilter(kind: .holidayCalendar), number: { Int64($0.dropFirst(4)) }) {
      if let record = Registry.decode(HolidayCalendarRecord.self, row.content) { calendars[record.calendar.year] = record.calendar }
    }
    return WorkingDays(Array(calendars.values))
  }
}
