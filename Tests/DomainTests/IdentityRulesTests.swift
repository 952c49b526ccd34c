import Services
import Testing

@Suite("Unified social credit codes (GB 32100-2015)")
struct CreditCodeTests {
  @Test("valid codes, including a check character of 0", arguments: ["91110000600037341L", "91110108551385082Q", "9111000060003734F0", "91500000MA5U7BCX7A"])
  func valid(code: String) throws {
    #expect(try CreditCode(validating: code).rawValue == code)
  }

  @Test("each rule broken")
  func invalid() {
    #expect(throws: CreditCodeError.length(17)) { try CreditCode(validating: "91110000600037341") }
    #expect(throws: CreditCodeError.checkCharacter(expected: "L")) { try CreditCode(validating: "91110000600037341M") }
    #expect(throws: CreditCodeError.checkCharacter(expected: "0")) { try CreditCode(validating: "9111000060003734F1") }
    #expect(throws: CreditCodeError.character(position: 3)) { try CreditCode(validating: "91I10000600037341L") }
    #expect(throws: CreditCodeError.character(position: 18)) { try CreditCode(validating: "91110000600037341O") }
    #expect(throws: CreditCodeError.character(position: 1)) { try CreditCode(validating: "a1110000600037341L") }
    #expect(CreditCodeError.checkCharacter(expected: "L").reason == "CREDIT_CODE_CHECK_CHARACTER")
  }
}

@Suite("Resident ID numbers (GB 11643-1999)")
struct ResidentIDTests {
  @Test("valid numbers, including the X check character", arguments: ["360426199101010071", "120103198806018241", "11010519491231002X"])
  func valid(number: String) throws {
    let id = try ResidentID(validating: number)
    #expect(id.rawValue == number)
  }

  @Test("a lower-case x is read as X; the birth date is decoded")
  func details() throws {
    let id = try ResidentID(validating: "11010519491231002x")
    #expect(id.rawValue == "11010519491231002X")
    #expect(id.birthDate == CalendarDate(year: 1949, month: 12, day: 31))
    #expect(try ResidentID(validating: "360426199101010071").masked == "3604**********0071")
    #expect("\(try ResidentID(validating: "360426199101010071"))" == "3604**********0071", "never printed in full")
  }

  @Test("each rule broken")
  func invalid() {
    #expect(throws: ResidentIDError.checkCharacter(expected: "1")) { try ResidentID(validating: "360426199101010072") }
    #expect(throws: ResidentIDError.length(17)) { try ResidentID(validating: "36042619910101007") }
    #expect(throws: ResidentIDError.character(position: 5)) { try ResidentID(validating: "3604A6199101010071") }
    // 1991-02-30 does not exist; the check character is right for these digits.
    #expect(throws: ResidentIDError.birthDate("19910230")) { try ResidentID(validating: "360426199102300070") }
  }

  @Test("credit codes: completing 17 characters with their check character, for generated data")
  func completingCreditCodes() throws {
    #expect(CreditCode.completing("91500000MA5U7BCX7") == "91500000MA5U7BCX7A")
    #expect(CreditCode.completing("91110000600037341") == "91110000600037341L")
    #expect(CreditCode.completing("9150010500000001O") == nil, "O is not in the alphabet")
    #expect(CreditCode.completing("915000") == nil)
  }

  @Test("completing 17 digits with their check character, for generated data")
  func completing() throws {
    #expect(ResidentID.completing("36042619910101007") == "360426199101010071")
    #expect(ResidentID.completing("11010519491231002") == "11010519491231002X")
    #expect(try ResidentID(validating: ResidentID.completing("50010319900101123")!).rawValue.hasPrefix("50010319900101123"))
    #expect(ResidentID.completing("3604261991010100") == nil)
    #expect(ResidentID.completing("3604261991010100A") == nil)
  }
}

@Suite("Calendar dates")
struct CalendarDateTests {
  @Test("months clamp to the shorter month's end; leap years")
  func months() {
    let january31 = CalendarDate(year: 2026, month: 1, day: 31)!
    #expect(january31.adding(months: 1) == CalendarDate(year: 2026, month: 2, day: 28))
    #expect(CalendarDate(year: 2024, month: 1, day: 31)!.adding(months: 1) == CalendarDate(year: 2024, month: 2, day: 29))
    #expect(CalendarDate(year: 2025, month: 12, day: 15)!.adding(months: 1) == CalendarDate(year: 2026, month: 1, day: 15))
    #expect(CalendarDate(year: 2023, month: 2, day: 29) == nil)
    #expect(CalendarDate(year: 2000, month: 2, day: 29) != nil)
    #expect(CalendarDate(year: 1900, month: 2, day: 29) == nil)
  }

  @Test("day numbers round-trip; China Standard Time")
  func days() {
    for day in [-1000, 0, 1, 20_000, 20_785] {
      #expect(CalendarDate(dayNumber: day).dayNumber == day)
    }
    #expect(CalendarDate(dayNumber: 0) == CalendarDate(year: 1970, month: 1, day: 1))
    // 2026-11-28T16:30:00Z is already 29 November in Chongqing.
    #expect(CalendarDate(chinaTimeOf: 1_795_883_400) == CalendarDate(year: 2026, month: 11, day: 29))
    #expect(CalendarDate("2026-02-09") == CalendarDate(year: 2026, month: 2, day: 9))
    #expect(CalendarDate("2026-2-30") == nil)
  }
}

@Suite("Registry rules: Art. 5 deadlines and Art. 20 bans")
struct RegistryRuleTests {
  @Test("a change is late the day after one calendar month, across month ends")
  func lateChanges() {
    let effective = CalendarDate(year: 2026, month: 1, day: 31)!
    #expect(ChangeDeadline.dueOn(effectiveOn: effective) == CalendarDate(year: 2026, month: 2, day: 28))
    #expect(!ChangeDeadline.isLate(effectiveOn: effective, filedOn: CalendarDate(year: 2026, month: 2, day: 28)!))
    #expect(ChangeDeadline.isLate(effectiveOn: effective, filedOn: CalendarDate(year: 2026, month: 3, day: 1)!))
    let leap = CalendarDate(year: 2024, month: 1, day: 31)!
    #expect(!ChangeDeadline.isLate(effectiveOn: leap, filedOn: CalendarDate(year: 2024, month: 2, day: 29)!))
    let mid = CalendarDate(year: 2026, month: 3, day: 15)!
    #expect(!ChangeDeadline.isLate(effectiveOn: mid, filedOn: CalendarDate(year: 2026, month: 4, day: 15)!))
    #expect(ChangeDeadline.isLate(effectiveOn: mid, filedOn: CalendarDate(year: 2026, month: 4, day: 16)!))
  }

  @Test("bans: 2 years, 5 for a second removal; ending the day before the anniversary")
  func bans() {
    #expect(BanTerm.years(removalCount: 1) == 2)
    #expect(BanTerm.years(removalCount: 2) == 5)
    #expect(BanTerm.years(removalCount: 3) == 5)
    let start = CalendarDate(year: 2026, month: 3, day: 10)!
    #expect(BanTerm.endsOn(startsOn: start, years: 2) == CalendarDate(year: 2028, month: 3, day: 9))
    #expect(BanTerm.endsOn(startsOn: start, years: 5) == CalendarDate(year: 2031, month: 3, day: 9))
    #expect(BanTerm.endsOn(startsOn: CalendarDate(year: 2024, month: 2, day: 29)!, years: 2) == CalendarDate(year: 2026, month: 2, day: 27))
  }

  @Test("method standards: the usual forms, em-dashes, one stored form")
  func methodStandards() {
    #expect(MethodStandard.normalised("HJ 565-2010") == "HJ 565-2010")
    #expect(MethodStandard.normalised("HJ 828—2017") == "HJ 828-2017")
    #expect(MethodStandard.normalised("GB/T 16157–1996") == "GB/T 16157-1996")
    #expect(MethodStandard.normalised("GB3838-2002") == "GB 3838-2002")
    #expect(MethodStandard.normalised(" HJ/T 91.1-2019 ") == "HJ/T 91.1-2019")
    #expect(MethodStandard.normalised("HJ 565") == nil)
    #expect(MethodStandard.normalised("XYZ 1-2010") == nil)
    #expect(MethodStandard.normalised("HJ 565-10") == nil)
  }
}
