import Foundation
import GRPCCore
import ProtoCodec
import Services
import Testing

/// InspectionService through the real stack, on every engine: officers' decisions on findings,
/// complaints and their deadlines, inspections with their findings and cases, jurisdiction
/// (Art. 7), and the verifiable random draw (Art. 22).
@Suite("Supervision through the real stack")
struct SupervisionServiceTests {
  static let otherDistrict = "spiffe://cq-monitoring/bureau/district/500105/zhao-lei"

  @Test("decisions on findings: confirm, rectify, dismiss, each kept with its receipt; jurisdiction", arguments: Engine.all)
  func findingDecisions(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in try await Self.findingDecisions(h, clock: clock) }
    }
  }

  static func findingDecisions(_ h: RegistryHarness, clock: TestClock) async throws {
    let filed = try await FindingsServiceTests.fileWithFindings(h, clock: clock, clean: false)
    let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
    let first = try #require(filed[0].findings.first?.findingId)
    let second = try #require(filed[1].findings.first?.findingId)

    // Only officers decide.
    h.as(Identities.agency)
    #expect(await failure { _ = try await inspection.decideFinding(.with { $0.requestId = "a"; $0.findingId = first; $0.decision = .dismiss; $0.reason = "no" }) }?.code == .permissionDenied)

    h.as(Identities.city)
    let missing = await failure { _ = try await inspection.decideFinding(.with { $0.requestId = "d0"; $0.findingId = first }) }
    #expect(missing?.code == .invalidArgument && missing?.fields == ["decision", "reason"])
    let confirmed = try await inspection.decideFinding(.with {
      $0.requestId = "d1"; $0.findingId = first; $0.decision = .confirm; $0.reason = "the field record shows one sampler"
    })
    #expect(confirmed.status == "confirmed" && confirmed.verified && confirmed.reviews.count == 1)
    let review = try #require(confirmed.reviews.first)
    #expect(review.decision == .confirm && review.status == "confirmed" && review.decidedBy?.principal == Identities.city)
    #expect(review.receipt?.signature.count == 64 && review.receipt?.recordSha256.count == 64)
    // A retry with the same request id changes nothing.
    let retried = try await inspection.decideFinding(.with {
      $0.requestId = "d1"; $0.findingId = first; $0.decision = .confirm; $0.reason = "the field record shows one sampler"
    })
    #expect(retried.reviews.count == 1 && retried.reviews[0].receipt?.auditSequence == review.receipt?.auditSequence)

    let undated = await failure { _ = try await inspection.decideFinding(.with { $0.requestId = "d2"; $0.findingId = first; $0.decision = .rectified; $0.reason = "fixed" }) }
    #expect(undated?.code == .invalidArgument && undated?.fields == ["rectified_on"])
    let future = await failure {
      _ = try await inspection.decideFinding(.with {
        $0.requestId = "d3"; $0.findingId = first; $0.decision = .rectified; $0.reason = "fixed"; $0.rectifiedOn = Days.china(2, from: clock.now)
      })
    }
    #expect(future?.code == .invalidArgument && future?.reason == "DATE_IN_FUTURE")
    let rectified = try await inspection.decideFinding(.with {
      $0.requestId = "d4"; $0.findingId = first; $0.decision = .rectified; $0.reason = "a second sampler is now assigned"
      $0.rectifiedOn = Days.china(0, from: clock.now)
    })
    #expect(rectified.status == "rectified" && rectified.verified && rectified.reviews.map(\.status) == ["confirmed", "rectified"])
    let final = await failure { _ = try await inspection.decideFinding(.with { $0.requestId = "d5"; $0.findingId = first; $0.decision = .dismiss; $0.reason = "x" }) }
    #expect(final?.code == .failedPrecondition && final?.reason == "FINDING_STATUS")
    let unknown = await failure { _ = try await inspection.decideFinding(.with { $0.requestId = "d6"; $0.findingId = "fnd-999999"; $0.decision = .dismiss; $0.reason = "x" }) }
    #expect(unknown?.code == .notFound)

    // Jiangbei's officer does not list a finding on an agency registered and sampling in
    // Yuzhong, so it neither reads nor decides it: NOT_FOUND, as for an id that does not exist.
    h.as(Self.otherDistrict)
    let outside = await failure { _ = try await inspection.decideFinding(.with { $0.requestId = "j1"; $0.findingId = second; $0.decision = .dismiss; $0.reason = "x" }) }
    #expect(outside?.code == .notFound && outside?.reason == "FINDING_NOT_FOUND")
    #expect(await failure { _ = try await inspection.getFinding(.with { $0.findingId = second }) }?.reason == "FINDING_NOT_FOUND")
    // Yuzhong's may: dismiss, then reconsider and confirm.
    h.as(Identities.district)
    let dismissed = try await inspection.decideFinding(.with { $0.requestId = "j2"; $0.findingId = second; $0.decision = .dismiss; $0.reason = "EQ-999 was on loan, listed late" })
    #expect(dismissed.status == "dismissed" && !dismissed.verified)
    let reconsidered = try await inspection.decideFinding(.with { $0.requestId = "j3"; $0.findingId = second; $0.decision = .confirm; $0.reason = "the loan was never filed" })
    #expect(reconsidered.status == "confirmed" && reconsidered.reviews.map(\.decision) == [.dismiss, .confirm])

    // The agency reads its own findings with every decision; lists filter by the new status.
    h.as(Identities.agency)
    #expect(try await inspection.getFinding(.with { $0.findingId = first }).reviews.count == 2)
    h.as(Identities.city)
    #expect(try await inspection.listFindings(.with { $0.status = "rectified" }).findings.map(\.findingId) == [first])
    #expect(try await inspection.listFindings(.with { $0.status = "confirmed" }).findings.map(\.findingId) == [second])
  }

  @Test("complaints: received, accepted, extended once, resolved; deadlines, overdue and the masked contact", arguments: Engine.all)
  func complaints(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in try await Self.complaints(h, clock: clock) }
    }
  }

  static func complaints(_ h: RegistryHarness, clock: TestClock) async throws {
    _ = try await FilingServiceTests.listedAgency(h, clock: clock)
    let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
    let received = Date(timeIntervalSince1970: clock.now.timeIntervalSince1970.rounded(.down) - 3600)
    func complaint(_ id: String) -> Cqmon_V1_FileComplaintRequest {
      .with {
        $0.requestId = id; $0.channel = .hotline12369; $0.creditCode = Materials.applicant; $0.districtCode = "500103"
        $0.receivedAt = .with { $0.seconds = Int64(received.timeIntervalSince1970) }
        $0.content = "采样人员未到现场，报告数据为编造"; $0.channelReference = "12369-\(id)"; $0.complainantContact = "13812345678"
      }
    }

    h.as(Identities.district)
    let bad = await failure {
      _ = try await inspection.fileComplaint(.with {
        $0.requestId = "bad"; $0.creditCode = "X"; $0.districtCode = "999999"
        $0.receivedAt = .with { $0.seconds = Int64(clock.now.timeIntervalSince1970 + 3600) }
      })
    }
    #expect(bad?.code == .invalidArgument && bad?.fields == ["channel", "credit_code", "district_code", "received_at", "content"])
    let elsewhere = await failure { var request = complaint("c0"); request.districtCode = "500105"; _ = try await inspection.fileComplaint(request) }
    #expect(elsewhere?.code == .permissionDenied && elsewhere?.reason == "NOT_YOUR_DISTRICT")
    let unknown = await failure { var request = complaint("c0"); request.creditCode = "91110000600037341L"; _ = try await inspection.fileComplaint(request) }
    #expect(unknown?.code == .notFound)

    let filed = try await inspection.fileComplaint(complaint("c1"))
    #expect(filed.status == .received && filed.record?.complainantContact == "13812345678", "whole for the officer handling it")
    #expect(filed.handledBy?.principal == Identities.district && filed.receipt?.signature.count == 64 && !filed.overdue)
    // Acceptance is due 3 working days after receipt, where the calendar reaches.
    let day = CalendarDate(chinaDayOf: received)
    if let due = try? WorkingDays.shipped.adding(3, after: day) {
      #expect(filed.acceptBy == .with { $0.year = Int32(due.year); $0.month = Int32(due.month); $0.day = Int32(due.day) })
    } else {
      #expect(filed.acceptBy == nil, "no calendar for the year: no day is guessed")
    }

    // The city reads it with the contact masked; Jiangbei may not read it.
    h.as(Identities.city)
    #expect(try await inspection.getComplaint(.with { $0.complaintId = filed.complaintId }).record?.complainantContact == "138****5678")
    h.as(Self.otherDistrict)
    #expect(await failure { _ = try await inspection.getComplaint(.with { $0.complaintId = filed.complaintId }) }?.reason == "COMPLAINT_NOT_FOUND")
    #expect(try await inspection.listComplaints(.init()).complaints.isEmpty)
    h.as(Identities.agency)
    #expect(await failure { _ = try await inspection.listComplaints(.init()) }?.code == .permissionDenied)

    h.as(Identities.district)
    let early = await failure {
      _ = try await inspection.resolveComplaint(.with { $0.requestId = "r0"; $0.complaintId = filed.complaintId; $0.outcome = .verified; $0.explanation = "x"; $0.category = .otherImpartiality })
    }
    #expect(early?.code == .failedPrecondition && early?.reason == "COMPLAINT_STATUS")
    let accepted = try await inspection.acceptComplaint(.with { $0.requestId = "a1"; $0.complaintId = filed.complaintId })
    let concludeBy = CalendarDate(chinaDayOf: clock.now).adding(days: 60)
    #expect(accepted.status == .open && accepted.acceptedAt != nil)
    #expect(accepted.concludeBy == .with { $0.year = Int32(concludeBy.year); $0.month = Int32(concludeBy.month); $0.day = Int32(concludeBy.day) })
    #expect(await failure { _ = try await inspection.acceptComplaint(.with { $0.requestId = "a2"; $0.complaintId = filed.complaintId }) }?.reason == "COMPLAINT_STATUS")
    let tooLong = await failure { _ = try await inspection.extendComplaint(.with { $0.requestId = "e0"; $0.complaintId = filed.complaintId; $0.days = 31; $0.reason = "x" }) }
    #expect(tooLong?.code == .invalidArgument && tooLong?.fields == ["days"])
    let extended = try await inspection.extendComplaint(.with { $0.requestId = "e1"; $0.complaintId = filed.complaintId; $0.days = 20; $0.reason = "awaiting the laboratory's raw records" })
    let later = concludeBy.adding(days: 20)
    #expect(extended.concludeBy == .with { $0.year = Int32(later.year); $0.month = Int32(later.month); $0.day = Int32(later.day) })
    #expect(extended.extension?.days == 20)
    #expect(await failure { _ = try await inspection.extendComplaint(.with { $0.requestId = "e2"; $0.complaintId = filed.complaintId; $0.days = 5; $0.reason = "x" }) }?.reason == "ALREADY_EXTENDED")

    let uncategorised = await failure {
      _ = try await inspection.resolveComplaint(.with { $0.requestId = "r1"; $0.complaintId = filed.complaintId; $0.outcome = .verified; $0.explanation = "confirmed on site" })
    }
    #expect(uncategorised?.code == .invalidArgument && uncategorised?.fields == ["category"])
    let verified = try await inspection.resolveComplaint(.with {
      $0.requestId = "r2"; $0.complaintId = filed.complaintId; $0.outcome = .verified; $0.explanation = "the sampler was elsewhere that day"
      $0.category = .suspectedFalsification
    })
    #expect(verified.status == .verified && verified.resolution?.findingId.hasPrefix("fnd-") == true && !verified.overdue)
    let finding = try await inspection.getFinding(.with { $0.findingId = verified.resolution?.findingId ?? "" })
    #expect(finding.source == .complaint && finding.sourceId == filed.complaintId && finding.status == "confirmed" && finding.verified)
    #expect(finding.districtCode == "500103" && finding.category == .suspectedFalsification)
    #expect(await failure {
      _ = try await inspection.resolveComplaint(.with { $0.requestId = "r3"; $0.complaintId = filed.complaintId; $0.outcome = .unfounded; $0.explanation = "x" })
    }?.reason == "COMPLAINT_STATUS")

    // Not accepted: outside the remit, from RECEIVED only.
    let redirected = try await inspection.fileComplaint(complaint("c2"))
    let outside = try await inspection.resolveComplaint(.with {
      $0.requestId = "r4"; $0.complaintId = redirected.complaintId; $0.outcome = .outsideRemit; $0.explanation = "a labour dispute: sent to the labour bureau"
    })
    #expect(outside.status == .outsideRemit && outside.resolution?.findingId.isEmpty == true)

    // Overdue: one accepted and left past its 60 days, one left unaccepted.
    let waiting = try await inspection.fileComplaint(complaint("c3"))
    let open = try await inspection.fileComplaint(complaint("c4"))
    _ = try await inspection.acceptComplaint(.with { $0.requestId = "a4"; $0.complaintId = open.complaintId })
    #expect(try await inspection.listComplaints(.with { $0.overdue = true }).complaints.isEmpty)
    clock.advance(days: 61)
    let overdue = try await inspection.listComplaints(.with { $0.overdue = true }).complaints
    let expected = (waiting.acceptBy != nil ? [waiting.complaintId] : []) + [open.complaintId]
    #expect(Set(overdue.map(\.complaintId)) == Set(expected) && overdue.allSatisfy(\.overdue))
    #expect(try await inspection.listComplaints(.with { $0.status = .verified }).complaints.map(\.complaintId) == [filed.complaintId])
    #expect(try await inspection.listComplaints(.init()).complaints.count == 4)
    // The findings list brings the verified complaint in with the off-site checks'.
    #expect(try await inspection.listFindings(.with { $0.source = .complaint }).findings.map(\.findingId) == [verified.resolution?.findingId])
    // Every index row (a complaint's status and due day among them) rebuilds from its versions.
    let verification = try await AuditVerificationTests.verify(h)
    #expect(verification.intact, "\(verification.records)")
  }

  @Test("inspections: recorded with findings and a 9(2) case, corrected with history, read by whom; Art. 7", arguments: Engine.all)
  func inspections(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in try await Self.inspections(h, clock: clock) }
    }
  }

  static func inspections(_ h: RegistryHarness, clock: TestClock) async throws {
    let filed = try await FindingsServiceTests.fileWithFindings(h, clock: clock, clean: false)
    let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
    h.as(Identities.city)
    let first = try await inspection.addInspector(.with { $0.requestId = "i1"; $0.name = "陈明"; $0.badgeNumber = "CQ-0001" })
    let second = try await inspection.addInspector(.with { $0.requestId = "i2"; $0.name = "刘洋"; $0.badgeNumber = "CQ-0002" })
    #expect(await failure { _ = try await inspection.addInspector(.with { $0.requestId = "i3"; $0.name = "x"; $0.badgeNumber = "CQ-0001" }) }?.code == .alreadyExists)

    func record(_ id: String, district: String = "500103") -> Cqmon_V1_RecordInspectionRequest {
      .with {
        $0.requestId = id; $0.creditCode = Materials.applicant; $0.districtCode = district; $0.inspectedOn = Days.china(0, from: clock.now)
        $0.methods = [.onSite, .recordCopying]; $0.items = [.sampling, .reports]; $0.activityIds = [filed[0].activityId]
        $0.inspectorIds = [first.inspectorId, second.inspectorId]; $0.summary = "现场检查"
        $0.findings = [
          .with { $0.category = .insufficientCapability; $0.description = "only one sampler on staff for field work" },
          .with { $0.category = .suspectedFalsification; $0.description = "the sampling record was written after the report"; $0.activityId = filed[0].activityId },
        ]
        $0.measures = [.with { $0.kind = .publicNotice; $0.takenOn = Days.china(0, from: clock.now); $0.note = "通报" }]
      }
    }
    let invalid = await failure {
      _ = try await inspection.recordInspection(.with {
        $0.requestId = "bad"; $0.creditCode = Materials.applicant; $0.districtCode = "500103"; $0.inspectedOn = Days.china(1, from: clock.now)
        $0.findings = [.with { $0.category = .unspecified }]
      })
    }
    #expect(invalid?.code == .invalidArgument)
    #expect(invalid?.fields == ["inspected_on", "methods", "items", "inspector_ids", "findings[0].category", "findings[0].description"])
    let ghost = await failure { var request = record("g"); request.inspectorIds = ["ipr-000404"]; _ = try await inspection.recordInspection(request) }
    #expect(ghost?.code == .notFound && ghost?.fields == ["inspector_ids[0]"])

    // Art. 7: Jiangbei may not inspect an agency working only in Yuzhong, nor record for Yuzhong.
    h.as(Self.otherDistrict)
    let outside = await failure { _ = try await inspection.recordInspection(record("o1", district: "500105")) }
    #expect(outside?.code == .permissionDenied && outside?.reason == "OUTSIDE_JURISDICTION")
    #expect(await failure { _ = try await inspection.recordInspection(record("o2")) }?.reason == "NOT_YOUR_DISTRICT")

    h.as(Identities.district)
    let recorded = try await inspection.recordInspection(record("r1"))
    #expect(recorded.inspectionId.hasPrefix("insp-") && recorded.version == 1 && recorded.receipt?.signature.count == 64)
    #expect(recorded.findings.count == 2 && recorded.findings.allSatisfy { $0.status == "confirmed" && $0.verified && $0.source == .inspection })
    #expect(recorded.findings.allSatisfy { $0.districtCode == "500103" && $0.sourceId == recorded.inspectionId })
    let referred = try #require(recorded.cases.first)
    #expect(recorded.cases.count == 1 && referred.findingId == recorded.findings[1].findingId && referred.status == "referred")
    #expect(referred.activityIds == [filed[0].activityId] && recorded.findings[1].caseId == referred.caseId)
    #expect(recorded.findings[1].activityId == filed[0].activityId && recorded.findings[1].activityVersion == 1, "the version inspected")
    #expect(recorded.record?.measures.map(\.kind) == [.publicNotice] && recorded.record?.inspectorIds.count == 2)

    // A complaint filed in Jiangbei brings the agency into Jiangbei's jurisdiction.
    h.as(Self.otherDistrict)
    _ = try await inspection.fileComplaint(.with {
      $0.requestId = "c1"; $0.channel = .hotline12345; $0.creditCode = Materials.applicant; $0.districtCode = "500105"
      $0.receivedAt = .with { $0.seconds = Int64(clock.now.timeIntervalSince1970) - 60 }; $0.content = "在江北区的项目报告造假"
    })
    var jiangbei = record("o3", district: "500105")
    jiangbei.findings = []
    jiangbei.activityIds = []
    #expect(try await inspection.recordInspection(jiangbei).record?.districtCode == "500105")

    // A correction: a new version with the reason, the first kept; its finding is added.
    h.as(Identities.district)
    var corrected = record("x")
    corrected.creditCode = ""
    corrected.districtCode = ""
    corrected.summary = "现场检查（更正：补充询问笔录）"
    corrected.methods.append(.inquiry)
    corrected.findings = [.with { $0.category = .qualityControl; $0.description = "no blank sample in the batch" }]
    let reasonless = await failure { _ = try await inspection.correctInspection(.with { $0.requestId = "x0"; $0.inspectionId = recorded.inspectionId; $0.record = corrected }) }
    #expect(reasonless?.code == .invalidArgument && reasonless?.fields == ["reason"])
    var moved = corrected
    moved.creditCode = "91110000600037341L"
    let immutable = await failure { _ = try await inspection.correctInspection(.with { $0.requestId = "x1"; $0.inspectionId = recorded.inspectionId; $0.record = moved; $0.reason = "x" }) }
    #expect(immutable?.code == .invalidArgument && immutable?.fields == ["record.credit_code"])
    let second2 = try await inspection.correctInspection(.with {
      $0.requestId = "x2"; $0.inspectionId = recorded.inspectionId; $0.record = corrected; $0.reason = "the inquiry record was left out"
    })
    #expect(second2.version == 2 && second2.reason == "the inquiry record was left out" && second2.findings.count == 3)
    #expect(second2.record?.creditCode == Materials.applicant && second2.record?.methods.contains(.inquiry) == true && second2.cases.count == 1)
    let original = try await inspection.getInspection(.with { $0.inspectionId = recorded.inspectionId; $0.version = 1 })
    #expect(original.record?.summary == "现场检查" && original.findings.count == 2 && original.receipt == recorded.receipt)

    // Who reads: the agency its own; another agency nothing; Jiangbei not Yuzhong's.
    h.as(Identities.agency)
    #expect(try await inspection.getInspection(.with { $0.inspectionId = recorded.inspectionId }).version == 2)
    #expect(try await inspection.listInspections(.init()).inspections.count == 2)
    h.as("spiffe://cq-monitoring/agency/91110000600037341L")
    #expect(await failure { _ = try await inspection.getInspection(.with { $0.inspectionId = recorded.inspectionId }) }?.code == .notFound)
    h.as(Self.otherDistrict)
    #expect(await failure { _ = try await inspection.getInspection(.with { $0.inspectionId = recorded.inspectionId }) }?.reason == "INSPECTION_NOT_FOUND")
    #expect(try await inspection.listInspections(.init()).inspections.map(\.record?.districtCode) == ["500105"])
    h.as(Identities.city)
    let today = Days.china(0, from: clock.now)
    #expect(try await inspection.listInspections(.with { $0.period = .with { $0.start = today; $0.end = today } }).inspections.count == 2)
    #expect(try await inspection.listInspections(.with { $0.period = .with { $0.start = Days.china(-9, from: clock.now); $0.end = Days.china(-8, from: clock.now) } }).inspections.isEmpty)
    #expect(try await inspection.listFindings(.with { $0.source = .inspection }).findings.count == 3)
    // A corrected inspection's row and its case's rebuild from the versions.
    let verification = try await AuditVerificationTests.verify(h)
    #expect(verification.intact, "\(verification.records)")
  }

  @Test("the draw: seed committed first, plan reproducible from what it carries, conflicts, redraws", arguments: Engine.all)
  func draw(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = FilingServiceTests.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in try await Self.draw(h, clock: clock) }
    }
  }

  static func draw(_ h: RegistryHarness, clock: TestClock) async throws {
    _ = try await FindingsServiceTests.fileWithFindings(h, clock: clock, clean: false)
    let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
    h.as(Identities.city)
    let period: Cqmon_V1_DateRange = .with { $0.start = Days.china(1, from: clock.now); $0.end = Days.china(90, from: clock.now) }
    var inspectors: [Cqmon_V1_Inspector] = []
    for index in 1...2 {
      inspectors.append(try await inspection.addInspector(.with { $0.requestId = "i\(index)"; $0.name = "检查员\(index)"; $0.badgeNumber = "CQ-\(index)" }))
    }
    let conflicted = try await inspection.declareConflict(.with {
      $0.requestId = "k1"; $0.inspectorId = inspectors[0].inspectorId
      $0.conflict = .with { $0.creditCode = Materials.applicant; $0.reason = "worked there until 2024" }
    })
    #expect(conflicted.conflicts.map(\.creditCode) == [Materials.applicant])

    let commitment = try await inspection.commitDrawSeed(.with { $0.requestId = "s1"; $0.period = period })
    #expect(commitment.seedSha256.count == 64 && commitment.planId.isEmpty && commitment.receipt?.signature.count == 64)
    // One agency, unrated: drawn (30 %, rounded up); the pool has one inspector without a conflict.
    let short = await failure { _ = try await inspection.planInspections(.with { $0.requestId = "p0"; $0.commitmentId = commitment.commitmentId }) }
    #expect(short?.code == .failedPrecondition && short?.reason == "POOL_TOO_SMALL")
    inspectors.append(try await inspection.addInspector(.with { $0.requestId = "i3"; $0.name = "检查员3"; $0.badgeNumber = "CQ-3" }))
    let above = await failure {
      _ = try await inspection.planInspections(.with { $0.requestId = "p1"; $0.commitmentId = commitment.commitmentId; $0.shares = .with { $0.aPercent = 6; $0.bPercent = 10.001 } })
    }
    #expect(above?.code == .invalidArgument && above?.fields == ["shares.a_percent", "shares.b_percent"])

    let plan = try await inspection.planInspections(.with { $0.requestId = "p2"; $0.commitmentId = commitment.commitmentId })
    #expect(plan.algorithm == "cqmon-draw-v1" && plan.commitment?.commitmentId == commitment.commitmentId)
    #expect(Digest.sha256Hex(plan.seed) == commitment.seedSha256, "the seed revealed is the one committed to")
    #expect(plan.commitment!.receipt!.leafIndex < plan.receipt!.leafIndex, "committed before the draw")
    #expect(plan.candidates.map(\.creditCode) == [Materials.applicant] && plan.candidates[0].stratum == "UNRATED")
    #expect(plan.drawn.map(\.creditCode) == [Materials.applicant])
    #expect(Set(plan.drawn[0].inspectorIds) == Set([inspectors[1].inspectorId, inspectors[2].inspectorId]), "never the conflicted one")
    #expect(plan.strata.first { $0.stratum == "UNRATED" }.map { ($0.population, $0.drawn, $0.rounding) } ?? (0, 0, "") == (1, 1, "up"))

    // Anyone holding the plan re-runs the draw and gets the same.
    let inputs = InspectionDraw.Inputs(
      seed: plan.seed, periodStart: CalendarDate(chinaDayOf: clock.now).adding(days: 1).description,
      periodEnd: CalendarDate(chinaDayOf: clock.now).adding(days: 90).description, districtCode: "",
      shares: .defaults, candidates: plan.candidates.map { .init(creditCode: $0.creditCode, level: nil, verifiedComplaint: $0.verifiedComplaint) },
      pool: plan.inspectors.map { .init(id: $0.inspectorId, conflicts: $0.conflicts) })
    #expect(inputs.sha256 == plan.inputsSha256)
    #expect(try InspectionDraw(inputs).drawn.map(\.inspectorIDs) == plan.drawn.map(\.inspectorIds))

    // A commitment draws once; a redraw needs a new one and a reason; the old plan stays.
    #expect(await failure { _ = try await inspection.planInspections(.with { $0.requestId = "p3"; $0.commitmentId = commitment.commitmentId }) }?.reason == "COMMITMENT_USED")
    let next = try await inspection.commitDrawSeed(.with { $0.requestId = "s2"; $0.period = period })
    let reasonless = await failure { _ = try await inspection.planInspections(.with { $0.requestId = "p4"; $0.commitmentId = next.commitmentId; $0.replacesPlanId = plan.planId }) }
    #expect(reasonless?.code == .invalidArgument && reasonless?.fields == ["reason"])
    let redrawn = try await inspection.planInspections(.with {
      $0.requestId = "p5"; $0.commitmentId = next.commitmentId; $0.replacesPlanId = plan.planId; $0.reason = "an inspector fell ill"
    })
    #expect(redrawn.replacesPlanId == plan.planId && redrawn.reason == "an inspector fell ill")
    let old = try await inspection.getInspectionPlan(.with { $0.planId = plan.planId })
    #expect(old.replacedBy == redrawn.planId && old.drawn == plan.drawn && old.receipt == plan.receipt)

    // Districts: Jiangbei's scope has no candidate; Yuzhong's has the agency; neither reads the city's plan.
    h.as(Self.otherDistrict)
    #expect(await failure { _ = try await inspection.getInspectionPlan(.with { $0.planId = plan.planId }) }?.reason == "PLAN_NOT_FOUND")
    _ = try await inspection.addInspector(.with { $0.requestId = "j1"; $0.name = "江北1"; $0.badgeNumber = "JB-1"; $0.districtCode = "500105" })
    let jiangbei = try await inspection.commitDrawSeed(.with { $0.requestId = "j2"; $0.period = period; $0.districtCode = "500105" })
    let empty = try await inspection.planInspections(.with { $0.requestId = "j3"; $0.commitmentId = jiangbei.commitmentId })
    #expect(empty.candidates.isEmpty && empty.drawn.isEmpty && empty.districtCode == "500105")
    h.as(Identities.district)
    #expect(await failure { _ = try await inspection.planInspections(.with { $0.requestId = "y0"; $0.commitmentId = jiangbei.commitmentId }) }?.reason == "COMMITMENT_NOT_FOUND")
    #expect(try await inspection.listInspectors(.init()).inspectors.isEmpty)
    h.as(Identities.agency)
    #expect(await failure { _ = try await inspection.commitDrawSeed(.with { $0.requestId = "a"; $0.period = period }) }?.code == .permissionDenied)
    // Used commitments and replaced plans: their index rows' statuses rebuild from the plans.
    let verification = try await AuditVerificationTests.verify(h)
    #expect(verification.intact, "\(verification.records)")
  }
}
