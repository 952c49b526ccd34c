import Foundation
import GRPCCore
import ProtoCodec
import Services
import Testing

/// FilingService through the real stack, on every engine: filing, the line between refused and
/// accepted with findings, who reads what, amendments and withdrawal keeping every version, the
/// backlog stream, and the audit log covering every version filed.
@Suite("FilingService through the real stack")
struct FilingServiceTests {
  static let wang = "360426199101010071", li = "120103198806018241", zhang = "11010519491231002X"

  /// A listed agency (listed three days before `clock` runs on) with its report scan uploaded.
  static func listedAgency(_ h: RegistryHarness, clock: TestClock) async throws -> String {
    try await h.enrol()
    h.as(Identities.agency)
    let digest = try await h.upload(Array("licence and report scans".utf8))
    let application = try await h.registry.submitApplication(.with {
      $0.requestId = "apply"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: digest, on: clock.now)
    })
    h.as(Identities.city)
    _ = try await h.registry.reviewApplication(.with { $0.requestId = "review"; $0.applicationId = application.applicationId; $0.decision = .approve })
    clock.advance(days: 3)
    h.as(Identities.agency)
    return digest
  }

  /// A valid activity in Yuzhong (500103), sampled 30 hours before `now`, reported today.
  static func activity(report: String = "R-0001", digest: String, now: Date) -> Cqmon_V1_ActivityContent {
    func at(_ hours: Double) -> Google_Protobuf_Timestamp { .with { $0.seconds = Int64(now.timeIntervalSince1970 - hours * 3600) } }
    return .with {
      $0.client = .with { $0.name = "重庆某某化工有限公司" }
      $0.purpose = .selfMonitoring
      $0.projectNumber = "P-1"
      $0.samplingEvents = [.with {
        $0.eventId = "E1"; $0.startedAt = at(30); $0.endedAt = at(29); $0.siteName = "DW001 总排口"; $0.districtCode = "500103"
        $0.location = .with { $0.latitude = 29.557; $0.longitude = 106.577 }
        $0.medium = "废水"; $0.samplerIdNumbers = [wang, li]; $0.sampleIds = ["S1", "S2"]
      }]
      $0.analyses = ["S1", "S2"].map { sample in
        .with {
          $0.sampleId = sample; $0.parameter = "化学需氧量"; $0.methodStandard = "HJ 828-2017"; $0.analystIdNumber = zhang
          $0.instrumentId = "EQ-001"; $0.startedAt = at(20); $0.endedAt = at(19); $0.result = "23"; $0.unit = "mg/L"
        }
      }
      $0.report = .with {
        $0.reportNumber = report; $0.issuedOn = Days.china(0, from: now); $0.signatoryIdNumbers = [li]; $0.conclusion = "达标"
        $0.document = .with { $0.sha256 = digest }
      }
    }
  }

  @Sendable static func start() -> TestClock { TestClock(TestNow.now().addingTimeInterval(-3 * 86_400)) }

  @Test("a valid activity is filed with its receipt and no finding; who may read it", arguments: Engine.all)
  func fileAndRead(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = Self.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let digest = try await Self.listedAgency(h, clock: clock)
        let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
        let content = Self.activity(digest: digest, now: clock.now)
        let filed = try await filing.fileActivity(.with { $0.requestId = "f1"; $0.creditCode = Materials.applicant; $0.activity = content })
        #expect(filed.activityId == "act-000001" && filed.version == 1 && filed.status == .filed && filed.findings.isEmpty)
        #expect(filed.contentSha256 == Digest.sha256Hex(try content.serializedBytes()))
        #expect(filed.content == content, "kept exactly as filed")
        #expect(filed.districtCodes == ["500103"])
        let receipt = try #require(filed.receipt)
        let key = try #require(TestKeys.keys.key(id: receipt.keyId))
        #expect(key.verifies(receipt.signature, over: try ReceiptTests.receipt(receipt).signedBytes))
        // The same request again: the first result, nothing new.
        let again = try await filing.fileActivity(.with { $0.requestId = "f1"; $0.creditCode = Materials.applicant; $0.activity = content })
        #expect(again.activityId == filed.activityId && again.receipt == filed.receipt)
        // The same report number under another request id: ALREADY_EXISTS naming the first.
        let twice = await failure { _ = try await filing.fileActivity(.with { $0.requestId = "f2"; $0.creditCode = Materials.applicant; $0.activity = content }) }
        #expect(twice?.code == .alreadyExists && twice?.reason == "REPORT_FILED")

        let get = Cqmon_V1_GetActivityRequest.with { $0.activityId = filed.activityId }
        for (who, expected) in [
          (Identities.city, nil), (Identities.district, nil), ("spiffe://cq-monitoring/bureau/district/500105/zhao-lei", RPCError.Code.notFound),
          (Identities.agency, nil), ("spiffe://cq-monitoring/agency/91110000600037341L", .notFound), (Identities.partner, .permissionDenied),
        ] as [(String, RPCError.Code?)] {
          h.as(who)
          let error = await failure { _ = try await filing.getActivity(get) }
          #expect(error?.code == expected, "\(who)")
          if expected == .notFound {
            // Not the caller's to see: the very answer an id that does not exist gets, at any version.
            let absent = await failure { _ = try await filing.getActivity(.with { $0.activityId = "act-000999" }) }
            #expect(error?.reason == "ACTIVITY_NOT_FOUND" && absent?.reason == error?.reason)
            #expect(absent?.message == error?.message.replacingOccurrences(of: filed.activityId, with: "act-000999"), "\(who)")
            let version = await failure { _ = try await filing.getActivity(.with { $0.activityId = filed.activityId; $0.version = 9 }) }
            #expect(version?.reason == "ACTIVITY_NOT_FOUND", "\(who): the version is not looked at")
          }
        }
        h.as(Identities.city)
        #expect(await failure { _ = try await filing.getActivity(.with { $0.activityId = "act-000999" }) }?.code == .notFound)
        h.as("spiffe://cq-monitoring/agency/91110000600037341L")
        #expect(await failure { _ = try await filing.getActivity(.with { $0.activityId = "act-000999" }) }?.code == .notFound,
                "an agency learns nothing of what exists")
        #expect(try await filing.listActivities(.init()).activities.isEmpty)
        h.as(Identities.district)
        #expect(try await filing.listActivities(.init()).activities.map(\.activityId) == [filed.activityId])
        let otherDistrict = await failure { _ = try await filing.listActivities(.with { $0.districtCode = "500105" }) }
        #expect(otherDistrict?.code == .permissionDenied)
      }
    }
  }

  @Test("refused: what cannot be an activity, every field at once, nothing written", arguments: Engine.all)
  func refused(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = Self.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let digest = try await Self.listedAgency(h, clock: clock)
        let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
        let entries = try await store.store.auditEntries(after: 0, limit: 1000).count
        var content = Self.activity(digest: digest, now: clock.now)
        content.samplingEvents[0].location = .with { $0.latitude = 39.9; $0.longitude = 116.4 }
        content.samplingEvents[0].districtCode = "110105"
        content.analyses[1].endedAt = .with { $0.seconds = Int64(clock.now.timeIntervalSince1970) + 3600 }
        content.report?.document = .with { $0.sha256 = String(repeating: "b", count: 64) }
        let error = await failure { _ = try await filing.fileActivity(.with { $0.requestId = "bad"; $0.creditCode = Materials.applicant; $0.activity = content }) }
        #expect(error?.code == .invalidArgument)
        #expect(Set(error?.fields ?? []) == [
          "activity.sampling_events[0].location", "activity.sampling_events[0].district_code", "activity.analyses[1].ended_at",
        ], "the document is checked once the content is well formed")
        content = Self.activity(digest: digest, now: clock.now)
        content.report?.document = .with { $0.sha256 = String(repeating: "b", count: 64) }
        let missing = await failure { _ = try await filing.fileActivity(.with { $0.requestId = "bad2"; $0.creditCode = Materials.applicant; $0.activity = content }) }
        #expect(missing?.code == .invalidArgument && missing?.reason == "DOCUMENT_NOT_FOUND" && missing?.fields == ["activity.report.document.sha256"])
        // Sampling before the agency was listed.
        content = Self.activity(digest: digest, now: clock.now.addingTimeInterval(-5 * 86_400))
        content.report?.issuedOn = Days.china(0, from: clock.now)
        let early = await failure { _ = try await filing.fileActivity(.with { $0.requestId = "early"; $0.creditCode = Materials.applicant; $0.activity = content }) }
        #expect(early?.reason == "AGENCY_NOT_LISTED_THEN" && early?.fields == ["activity.sampling_events[0].started_at"])
        #expect(try await store.store.auditEntries(after: 0, limit: 1000).count == entries, "nothing was written")
      }
    }
  }

  /// An activity filed with two findings, amended, withdrawn, and refused a late amendment; the
  /// first filing.
  static func amendAndWithdraw(_ h: RegistryHarness, clock: TestClock) async throws -> Cqmon_V1_Activity {
    let digest = try await Self.listedAgency(h, clock: clock)
    let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
    var content = Self.activity(digest: digest, now: clock.now)
    content.analyses[0].instrumentId = "EQ-404"
    content.analyses[1].analystIdNumber = Self.wang  // on the staff list as an analyst: no finding
    content.samplingEvents[0].samplerIdNumbers = [Self.li]
    let filed = try await filing.fileActivity(.with { $0.requestId = "f"; $0.creditCode = Materials.applicant; $0.activity = content })
    #expect(filed.findings.map(\.rule) == ["SINGLE_SAMPLER", "INSTRUMENT_NOT_LISTED"])
    #expect(filed.findings.allSatisfy { $0.status == "open" })
    #expect(filed.findings[1].fields == ["activity.analyses[0].instrument_id"] && filed.findings[1].category == 2)

    let wrong = await failure {
      _ = try await filing.amendActivity(.with { $0.requestId = "a0"; $0.activityId = filed.activityId; $0.expectedVersion = 2; $0.activity = content; $0.reason = "x" })
    }
    #expect(wrong?.code == .aborted && wrong?.reason == "VERSION_MISMATCH")
    content.analyses[0].instrumentId = "EQ-001"
    content.samplingEvents[0].samplerIdNumbers = [Self.li, Self.wang]
    let amended = try await filing.amendActivity(.with {
      $0.requestId = "a1"; $0.activityId = filed.activityId; $0.expectedVersion = 1; $0.activity = content; $0.reason = "wrong instrument id"
    })
    #expect(amended.version == 2 && amended.reason == "wrong instrument id")
    #expect(amended.findings.map(\.rule) == ["AMENDED_AFTER_REPORT"])
    let withdrawn = try await filing.withdrawActivity(.with { $0.requestId = "w"; $0.activityId = filed.activityId; $0.reason = "client cancelled" })
    #expect(withdrawn.version == 3 && withdrawn.status == .withdrawn && withdrawn.content == amended.content)
    let late = await failure {
      _ = try await filing.amendActivity(.with { $0.requestId = "a2"; $0.activityId = filed.activityId; $0.expectedVersion = 3; $0.activity = content; $0.reason = "x" })
    }
    #expect(late?.code == .failedPrecondition && late?.reason == "ACTIVITY_WITHDRAWN")
    let versions = try await filing.listActivityVersions(.with { $0.activityId = filed.activityId }).versions
    #expect(versions.map(\.version) == [1, 2, 3] && versions[0].findings.count == 2 && versions[0].content?.analyses[0].instrumentId == "EQ-404")
    #expect(try await filing.getActivity(.with { $0.activityId = filed.activityId; $0.version = 1 }).content?.analyses[0].instrumentId == "EQ-404")
    return filed
  }

  @Test("accepted with findings; amended and withdrawn, every version kept; the log covers each", arguments: Engine.all)
  func findingsAndVersions(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = Self.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let filed = try await Self.amendAndWithdraw(h, clock: clock)
        let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
        h.as(Identities.city)
        let withFindings = try await filing.listActivities(.with { $0.findings = .with })
        #expect(withFindings.activities.map(\.activityId) == [filed.activityId])
        #expect(try await filing.listActivities(.with { $0.status = .filed }).activities.isEmpty)
        #expect(try await filing.listActivities(.with { $0.clientName = "重庆某某化工有限公司" }).activities.map(\.activityId) == [filed.activityId])
        #expect(try await filing.listActivities(.with { $0.clientName = "另一家客户" }).activities.isEmpty)
        #expect(try await h.audit.verifyAuditLog(.init()).intact)
        try await store.tamper("UPDATE activity_version SET content = replace(content, 'EQ-404', 'EQ-001') WHERE version = 1")
        let verification = try await h.audit.verifyAuditLog(.init())
        #expect(verification.records.map { "\($0.table) \($0.key)" } == ["activity_version \(filed.activityId)/1"])
      }
    }
  }

  @Test("a backlog on one stream: one result per activity, in order; a bad one gets its error and the stream goes on", arguments: Engine.all)
  func backlog(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = Self.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let digest = try await Self.listedAgency(h, clock: clock)
        var bad = Self.activity(report: "R-2", digest: digest, now: clock.now)
        bad.samplingEvents[0].districtCode = "999999"
        let requests: [Cqmon_V1_FileActivityRequest] = [
          .with { $0.requestId = "s1"; $0.creditCode = Materials.applicant; $0.activity = Self.activity(report: "R-1", digest: digest, now: clock.now) },
          .with { $0.requestId = "s2"; $0.creditCode = Materials.applicant; $0.activity = bad },
          .with { $0.requestId = "s3"; $0.creditCode = Materials.applicant; $0.activity = Self.activity(report: "R-3", digest: digest, now: clock.now) },
        ]
        let results = try await Cqmon_V1_FilingService.Client(wrapping: h.client).fileActivities(requestProducer: { writer in
          for request in requests { try await writer.write(request) }
        }) { response in
          var results: [Cqmon_V1_FileActivityResult] = []
          for try await result in response.messages { results.append(result) }
          return results
        }
        #expect(results.map(\.requestId) == ["s1", "s2", "s3"] && results.map(\.index) == [0, 1, 2])
        guard case .activity(let first)? = results[0].outcome, case .error(let error)? = results[1].outcome,
          case .activity(let third)? = results[2].outcome
        else {
          Issue.record("outcomes: \(results.map { String(describing: $0.outcome) })")
          return
        }
        #expect(first.activityId == "act-000001" && third.activityId == "act-000002")
        #expect(error.code == Int32(RPCError.Code.invalidArgument.rawValue))
        #expect(RichStatus.violations(in: error).map(\.field) == ["activity.sampling_events[0].district_code"])
      }
    }
  }

  @Test("the own-record checks use the registry as the write finds it: a change between two filings counts for the second", arguments: Engine.all)
  func registryChangeBetweenFilings(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = Self.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let digest = try await Self.listedAgency(h, clock: clock)
        let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
        let first = try await filing.fileActivity(.with {
          $0.requestId = "f1"; $0.creditCode = Materials.applicant; $0.activity = Self.activity(report: "R-1", digest: digest, now: clock.now)
        })
        #expect(first.findings.isEmpty)
        // EQ-001 leaves the equipment list; two days on, an activity still analyses with it.
        var equipment = Materials.valid(digest: digest, on: clock.now).equipment[0]
        equipment.equipmentId = "EQ-002"
        _ = try await h.registry.fileChange(.with {
          $0.requestId = "c1"; $0.creditCode = Materials.applicant; $0.kind = .equipment
          $0.effectiveOn = Days.china(0, from: clock.now)
          $0.value = .with { $0.equipment = .with { $0.equipment = [equipment] } }
        })
        clock.advance(days: 2)
        var content = Self.activity(report: "R-2", digest: digest, now: clock.now)
        content.samplingEvents[0].sampleIds = ["S3", "S4"]
        for index in content.analyses.indices { content.analyses[index].sampleId = ["S3", "S4"][index] }
        let second = try await filing.fileActivity(.with { $0.requestId = "f2"; $0.creditCode = Materials.applicant; $0.activity = content })
        #expect(Set(second.findings.map(\.rule)) == ["INSTRUMENT_NOT_LISTED"])
      }
    }
  }

  @Test("across activities: a sampler in two places, an instrument twice at once, a sample id reused, copied results", arguments: Engine.all)
  func acrossActivities(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = Self.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        let digest = try await Self.listedAgency(h, clock: clock)
        let filing = Cqmon_V1_FilingService.Client(wrapping: h.client)
        // The first activity: five parameters of sample S1, all by EQ-001 in the same hour.
        var first = Self.activity(report: "R-1", digest: digest, now: clock.now)
        first.analyses = ["化学需氧量", "氨氮", "总磷", "总氮", "石油类"].enumerated().map { index, parameter in
          var analysis = first.analyses[0]
          analysis.sampleId = "S1"
          analysis.parameter = parameter
          analysis.result = String(10 + index)
          return analysis
        }
        let one = try await filing.fileActivity(.with { $0.requestId = "1"; $0.creditCode = Materials.applicant; $0.activity = first })
        #expect(one.findings.map(\.rule).allSatisfy { $0 == "CMA_SCOPE" }, "only parameters outside the scope, nothing across yet")

        // The second: the same sampler in Wanzhou ten minutes after sampling in Yuzhong, EQ-001
        // busy at the same hour, sample id S1 again, and S1's five results copied onto S7.
        var second = first
        second.report?.reportNumber = "R-2"
        second.samplingEvents[0].location = .with { $0.latitude = 30.807; $0.longitude = 108.408 }
        second.samplingEvents[0].districtCode = "500101"
        let firstEnded = try #require(first.samplingEvents[0].endedAt).seconds
        second.samplingEvents[0].startedAt = .with { $0.seconds = firstEnded + 600 }
        second.samplingEvents[0].endedAt = .with { $0.seconds = firstEnded + 1200 }
        second.samplingEvents[0].sampleIds = ["S1", "S7"]
        second.analyses = first.analyses.map { analysis in
          var copied = analysis
          copied.sampleId = "S7"
          return copied
        }
        let two = try await filing.fileActivity(.with { $0.requestId = "2"; $0.creditCode = Materials.applicant; $0.activity = second })
        let rules = Set(two.findings.map(\.rule))
        #expect(rules.isSuperset(of: ["PERSON_IN_TWO_PLACES", "INSTRUMENT_OVER_CAPACITY", "SAMPLE_ID_REUSED", "COPIED_RESULTS"]), "\(rules)")
        let place = try #require(two.findings.first { $0.rule == "PERSON_IN_TWO_PLACES" })
        #expect(place.explanation.contains(one.activityId) && place.category == 7)
        #expect(two.findings.first { $0.rule == "SAMPLE_ID_REUSED" }?.fields == ["activity.sampling_events[0].sample_ids[0]"])

        // Withdrawn, the first no longer counts: an amendment of the second finds nothing across.
        _ = try await filing.withdrawActivity(.with { $0.requestId = "w"; $0.activityId = one.activityId; $0.reason = "entered twice" })
        let amended = try await filing.amendActivity(.with {
          $0.requestId = "a"; $0.activityId = two.activityId; $0.expectedVersion = 1; $0.activity = second; $0.reason = "recheck"
        })
        #expect(Set(amended.findings.map(\.rule)).isDisjoint(with: ["PERSON_IN_TWO_PLACES", "INSTRUMENT_OVER_CAPACITY", "SAMPLE_ID_REUSED", "COPIED_RESULTS"]))

        // The checks run again from the log find what the filings found, the officers'
        // decisions included; a finding altered or deleted is named.
        h.as(Identities.city)
        let inspection = Cqmon_V1_InspectionService.Client(wrapping: h.client)
        _ = try await inspection.decideFinding(.with { $0.requestId = "c"; $0.findingId = place.findingId; $0.decision = .confirm; $0.reason = "核实" })
        _ = try await inspection.decideFinding(.with { $0.requestId = "d"; $0.findingId = place.findingId; $0.decision = .dismiss; $0.reason = "复核" })
        #expect(try await h.audit.verifyAuditLog(.init()).records.map(\.problem) == [])
        let copied = try #require(two.findings.first { $0.rule == "COPIED_RESULTS" })
        try await store.tamper("UPDATE finding SET status = 'open' WHERE id = '\(place.findingId)'")
        try await store.tamper("DELETE FROM finding WHERE id = '\(copied.findingId)'")
        let broken = try await h.audit.verifyAuditLog(.init()).records
        // The activity's count of findings no longer matches either.
        #expect(
          broken.map { "\($0.table) \($0.key)" } == ["activity \(two.activityId)", "finding \(place.findingId)", "finding \(copied.findingId)"],
          "\(broken)")
        let problems = Dictionary(broken.map { ($0.key, $0.problem) }, uniquingKeysWith: +)
        #expect(problems[place.findingId]?.contains("status is") == true && problems[copied.findingId]?.contains("deleted") == true, "\(broken)")
      }
    }
  }

  @Test("挂证: someone the activity names is also on another listed agency's staff list", arguments: Engine.all)
  func staffOfTwoAgencies(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = Self.start()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        // Agency B is listed first, with the same three people on its staff list.
        let other = "91110000600037341L"
        h.as(Identities.city)
        _ = try await h.registry.enrollAgency(.with { $0.requestId = "enrol-b"; $0.creditCode = other; $0.name = "B"; $0.csrPem = try RegistryHarness.csr() })
        h.as("spiffe://cq-monitoring/agency/\(other)")
        var materials = Materials.valid(digest: try await h.upload(Array("B's scans".utf8)), on: clock.now)
        materials.licence?.creditCode = other
        let application = try await h.registry.submitApplication(.with { $0.requestId = "apply-b"; $0.creditCode = other; $0.materials = materials })
        h.as(Identities.city)
        _ = try await h.registry.reviewApplication(.with { $0.requestId = "review-b"; $0.applicationId = application.applicationId; $0.decision = .approve })

        let digest = try await Self.listedAgency(h, clock: clock)
        let filed = try await Cqmon_V1_FilingService.Client(wrapping: h.client).fileActivity(.with {
          $0.requestId = "f"; $0.creditCode = Materials.applicant; $0.activity = Self.activity(digest: digest, now: clock.now)
        })
        let twice = filed.findings.filter { $0.rule == "STAFF_OF_TWO_AGENCIES" }
        let explanations = twice.map { $0.explanation }.joined(separator: "; ")
        // The two samplers and the analyst (the signatory is one of the samplers).
        #expect(twice.count == 3, "\(explanations)")
        let namesOther = twice.allSatisfy { $0.explanation.contains(other) && $0.category == 2 }
        #expect(namesOther)

        // Once B is removed, its staff list no longer counts.
        h.as(Identities.city)
        _ = try await h.registry.removeAgency(.with {
          $0.requestId = "remove-b"; $0.creditCode = other; $0.art16Case = .fakeDataPunished; $0.decidedOn = Days.china(0, from: clock.now)
          $0.description = "x"; $0.evidence = [.with { $0.sha256 = digest }]
        })
        h.as(Identities.agency)
        var second = Self.activity(report: "R-2", digest: digest, now: clock.now)
        second.samplingEvents[0].sampleIds = ["T1", "T2"]
        second.analyses = second.analyses.enumerated().map { index, analysis in
          var moved = analysis
          moved.sampleId = ["T1", "T2"][index]
          moved.instrumentId = "EQ-001"
          return moved
        }
        let after = try await Cqmon_V1_FilingService.Client(wrapping: h.client).fileActivity(.with {
          $0.requestId = "f2"; $0.creditCode = Materials.applicant; $0.activity = second
        })
        let stillTwice = after.findings.contains { $0.rule == "STAFF_OF_TWO_AGENCIES" }
        #expect(!stillTwice)
        // Replayed from the log, the staff lists stand as each filing's transaction read them.
        h.as(Identities.city)
        #expect(try await h.audit.verifyAuditLog(.init()).records.map(\.problem) == [])
        try await store.tamper("UPDATE finding SET description = replace(description, '\(other)', '\(Materials.applicant)') WHERE rule = 'STAFF_OF_TWO_AGENCIES'")
        #expect(try await h.audit.verifyAuditLog(.init()).records.map(\.key) == twice.map(\.findingId))
      }
    }
  }
}
