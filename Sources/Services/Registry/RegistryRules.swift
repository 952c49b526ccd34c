/// Art. 5: a change is filed within one month of taking effect.
public enum ChangeDeadline {
  /// The last day to file on time: the same day one calendar month later, or that month's
  /// last day when it is shorter (effective 31 January → due 28 or 29 February).
  public static func dueOn(effectiveOn: CalendarDate) -> CalendarDate {
    effectiveOn.adding(months: 1)
  }

  /// Filed after the due day: accepted, but a finding under Art. 9(1)5.
  public static func isLate(effectiveOn: CalendarDate, filedOn: CalendarDate) -> Bool {
    filedOn > dueOn(effectiveOn: effectiveOn)
  }
}

/// Art. 20: who may not apply, and until when.
public enum BanTerm {
  /// 2 years after an Art. 16 case; 5 years when the agency is removed (rated E) a second
  /// time, for it and for the persons involved.
  public static func years(removalCount: Int) -> Int {
    removalCount >= 2 ? 5 : 2
  }

  /// The last day of a ban that starts on `startsOn` and lasts `years`: the day before the
  /// anniversary (a ban from 29 February 2024 for 2 years ends on 27 February 2026).
  public static func endsOn(startsOn: CalendarDate, years: Int) -> CalendarDate {
    startsOn.adding(years: years).adding(days: -1)
  }
}
