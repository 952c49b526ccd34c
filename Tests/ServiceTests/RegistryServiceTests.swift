import Foundation
import GRPCCore
import ProtoCodec
import RPCServer
import Services
import Testing

@Suite("RegistryService through the real stack, in process")
struct RegistryServiceTests {
  @Test("enrol → upload → apply → review → listed, with receipts and an intact audit chain")
  func happyPath() async throws {
    try await RegistryHarness.run { h in
      // The city bureau enrols the agency's LIMS.
      let enrolment = try await h.registry.enrollAgency(.with {
        $0.requestId = "enrol-1"
        $0.creditCode = Materials.applicant
        $0.name = "重庆某某检测技术有限公司"
        $0.csrPem = try RegistryHarness.csr()
      })
      #expect(enrolment.certificatePem.hasPrefix("-----BEGIN CERTIFICATE-----"))
      #expect(enrolment.certificate?.creditCode == Materials.applicant)
      #expect(enrolment.receipt?.auditSequence == 1)
      // The issued certificate names the agency in its URI SAN, and chains to the CA.
      let pem = FileManager.default.temporaryDirectory.appendingPathComponent("issued-\(UUID()).pem")
      try enrolment.certificatePem.write(to: pem, atomically: true, encoding: .utf8)
      let text = try ServerProcess.run("/usr/bin/env", ["openssl", "x509", "-in", pem.path, "-noout", "-ext", "subjectAltName,extendedKeyUsage"])
      #expect(text.output.contains("URI:spiffe://cq-monitoring/agency/\(Materials.applicant)"))
      #expect(text.output.contains("TLS Web Client Authentication"))
      // The chain, whatever the test clock says (the certificate starts at the injected instant).
      let verify = try ServerProcess.run("/usr/bin/env", ["openssl", "verify", "-no_check_time", "-CAfile", ServerProcess.certificates.path + "/ca.pem", pem.path])
      #expect(verify.status == 0)

      // The agency uploads its scans and applies.
      h.as(Identities.agency)
      let digest = try await h.upload(Array("scanned licence".utf8))
      #expect(digest == Digest.sha256Hex("scanned licence"))
      let application = try await h.registry.submitApplication(.with {
        $0.requestId = "apply-1"
        $0.creditCode = Materials.applicant
        $0.materials = Materials.valid(digest: digest)
      })
      #expect(application.status == .pending)
      #expect(application.materials?.cmaCertificate?.scope.first?.methodStandard == "HJ 828-2017", "stored in one form")
      // The same request id again returns the first result.
      let again = try await h.registry.submitApplication(.with {
        $0.requestId = "apply-1"
        $0.creditCode = Materials.applicant
        $0.materials = Materials.valid(digest: digest)
      })
      #expect(again.applicationId == application.applicationId)
      // Another while it is pending: ALREADY_EXISTS.
      let second = await failure {
        _ = try await h.registry.submitApplication(.with {
          $0.requestId = "apply-2"
          $0.creditCode = Materials.applicant
          $0.materials = Materials.valid(digest: digest)
        })
      }
      #expect(second?.code == .alreadyExists)
      #expect(second?.reason == "APPLICATION_PENDING")

      // The city bureau approves: the agency is listed at registry version 1.
      h.as(Identities.city)
      let reviewed = try await h.registry.reviewApplication(.with {
        $0.requestId = "review-1"
        $0.applicationId = application.applicationId
        $0.decision = .approve
      })
      #expect(reviewed.status == .approved)
      #expect(reviewed.review?.reviewedBy?.principal == Identities.city)
      let agency = try await h.registry.getAgency(.with { $0.creditCode = Materials.applicant })
      #expect(agency.status == .listed)
      #expect(agency.registryVersion == 1)
      #expect(agency.record?.staff.count == 3)

      let verification = try await h.audit.verifyAuditLog(.init())
      #expect(verification.intact)
      #expect(verification.entries == 4, "enrol, upload, apply, review")
    }
  }

  @Test("every material is checked and each failure named by path")
  func validation() async throws {
    try await RegistryHarness.run { h in
      try await h.enrol()
      h.as(Identities.agency)
      let digest = try await h.upload(Array("scan".utf8))
      var materials = Materials.valid(digest: digest)
      materials.staff[1].person?.idNumber = "120103198806018242"
      materials.licence?.creditCode = "9111000060003734F1"
      materials.cmaCertificate?.validUntil = Days.china(-30)
      materials.equipment[0].calibrationValidUntil = .with { $0.year = 2026; $0.month = 2; $0.day = 30 }
      let error = await failure {
        _ = try await h.registry.submitApplication(.with { $0.requestId = "a"; $0.creditCode = Materials.applicant; $0.materials = materials })
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.fields == ["materials.equipment[0].calibration_valid_until"], "an impossible date is refused while reading")
      materials.equipment[0].calibrationValidUntil = Days.china(90)
      let invalid = await failure {
        _ = try await h.registry.submitApplication(.with { $0.requestId = "a"; $0.creditCode = Materials.applicant; $0.materials = materials })
      }
      #expect(Set(invalid?.fields ?? []) == [
        "materials.staff[1].person.id_number", "materials.licence.credit_code", "materials.cma_certificate.valid_until",
        "materials.key_personnel.technical_lead.id_number", "materials.key_personnel.authorised_signatories[0].id_number",
      ])
      // A document never uploaded.
      let missing = await failure {
        _ = try await h.registry.submitApplication(.with {
          $0.requestId = "b"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: String(repeating: "0", count: 64))
        })
      }
      #expect(missing?.code == .failedPrecondition)
      #expect(missing?.reason == "DOCUMENT_NOT_FOUND")
    }
  }

  @Test("ownership: an agency cannot apply for, or read, another agency's records")
  func ownership() async throws {
    try await RegistryHarness.run { h in
      try await h.enrol()
      h.as(Identities.agency)
      let digest = try await h.upload(Array("scan".utf8))
      let application = try await h.registry.submitApplication(.with {
        $0.requestId = "a"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: digest)
      })
      h.as("spiffe://cq-monitoring/agency/91110000600037341L")
      let apply = await failure {
        _ = try await h.registry.submitApplication(.with {
          $0.requestId = "b"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: digest)
        })
      }
      #expect(apply?.code == .permissionDenied)
      #expect(apply?.fields == ["credit_code"])
      // Another's application is, to an agency, not there: the same answer as one that does not
      // exist, so it learns nothing of either.
      let read = await failure { _ = try await h.registry.getApplication(.with { $0.applicationId = application.applicationId }) }
      #expect(read?.code == .notFound && read?.reason == "APPLICATION_NOT_FOUND")
      let absent = await failure { _ = try await h.registry.getApplication(.with { $0.applicationId = "app-000999" }) }
      #expect(absent?.code == read?.code && absent?.reason == read?.reason)
      #expect(absent?.message == read?.message.replacingOccurrences(of: application.applicationId, with: "app-000999"))
      let listed = try await h.registry.listApplications(.init())
      #expect(listed.applications.isEmpty)
      let document = await failure { _ = try await h.documents.getDocument(.with { $0.sha256 = digest }) }
      #expect(document?.code == .notFound)
      // A district officer can read it but not review it (the policy table).
      h.as(Identities.district)
      #expect(try await h.registry.getApplication(.with { $0.applicationId = application.applicationId }).status == .pending)
      let review = await failure {
        _ = try await h.registry.reviewApplication(.with { $0.requestId = "r"; $0.applicationId = application.applicationId; $0.decision = .approve })
      }
      #expect(review?.code == .permissionDenied)
      h.as(Identities.partner)
      let partner = await failure { _ = try await h.registry.getApplication(.with { $0.applicationId = application.applicationId }) }
      #expect(partner?.code == .permissionDenied)
    }
  }

  /// Changes filed on time and late, then the agency removed; a second application refused.
  static func changesAndRemoval(_ h: RegistryHarness, clock: TestClock) async throws {
    try await h.enrol()
    h.as(Identities.agency)
    let digest = try await h.upload(Array("scan".utf8))
    let application = try await h.registry.submitApplication(.with {
      $0.requestId = "a"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: digest, on: clock.now)
    })
    h.as(Identities.city)
    _ = try await h.registry.reviewApplication(.with { $0.requestId = "r"; $0.applicationId = application.applicationId; $0.decision = .approve })
    let listedAt = clock.now
    clock.advance(days: 1)

    h.as(Identities.agency)
    let onTime = try await h.registry.fileChange(.with {
      $0.requestId = "c1"; $0.creditCode = Materials.applicant; $0.kind = .address
      $0.effectiveOn = .with { $0.year = 2026; $0.month = 11; $0.day = 1 }
      $0.value = .with { $0.address = .with { $0.districtCode = "500112"; $0.street = "渝北区新牌坊" } }
    })
    #expect(!onTime.late)
    #expect(onTime.registryVersion == 2)
    #expect(onTime.before?.address.districtCode == "500103")
    let late = try await h.registry.fileChange(.with {
      $0.requestId = "c2"; $0.creditCode = Materials.applicant; $0.kind = .name
      $0.effectiveOn = .with { $0.year = 2026; $0.month = 9; $0.day = 30 }
      $0.value = .with { $0.name = "重庆新名检测有限公司" }
    })
    #expect(late.late)
    #expect(late.dueOn == .with { $0.year = 2026; $0.month = 10; $0.day = 30 })
    let mismatch = await failure {
      _ = try await h.registry.fileChange(.with {
        $0.requestId = "c3"; $0.creditCode = Materials.applicant; $0.kind = .address
        $0.effectiveOn = .with { $0.year = 2026; $0.month = 11; $0.day = 1 }
        $0.value = .with { $0.name = "x" }
      })
    }
    #expect(mismatch?.reason == "CHANGE_KIND_MISMATCH")

    h.as(Identities.city)
    let changes = try await h.registry.listChanges(.with { $0.creditCode = Materials.applicant; $0.lateOnly = true })
    #expect(changes.changes.map(\.changeId) == [late.changeId])
    let now = try await h.registry.getAgency(.with { $0.creditCode = Materials.applicant })
    #expect(now.name == "重庆新名检测有限公司")
    #expect(now.registryVersion == 3)
    let then = try await h.registry.getAgency(.with {
      $0.creditCode = Materials.applicant; $0.asOf = .with { $0.seconds = Int64(listedAt.timeIntervalSince1970) + 1 }
    })
    #expect(then.registryVersion == 1)
    #expect(then.record?.address?.districtCode == "500103")

    let removal = try await h.registry.removeAgency(.with {
      $0.requestId = "rm"; $0.creditCode = Materials.applicant; $0.art16Case = .fakeDataPunished
      $0.decidedOn = .with { $0.year = 2026; $0.month = 11; $0.day = 30 }
      $0.description = "伪造监测数据，已受行政处罚"
      $0.evidence = [.with { $0.sha256 = digest }]
      $0.personsInvolved = [.with { $0.name = "李娜"; $0.idNumber = "120103198806018241" }]
    })
    #expect(removal.agency?.status == .removed)
    #expect(removal.bans.count == 2)
    #expect(removal.bans.allSatisfy { $0.endsOn == .with { $0.year = 2028; $0.month = 11; $0.day = 29 } })
    let eligibility = try await h.registry.checkEligibility(.with { $0.idNumber = "120103198806018241" })
    #expect(!eligibility.eligible)
    #expect(eligibility.bannedUntil == .with { $0.year = 2028; $0.month = 11; $0.day = 29 })
    let later = try await h.registry.checkEligibility(.with {
      $0.creditCode = Materials.applicant; $0.on = .with { $0.year = 2028; $0.month = 11; $0.day = 30 }
    })
    #expect(later.eligible)
    // An agency may check the persons its own records name, and no one else.
    h.as(Identities.agency)
    #expect(!(try await h.registry.checkEligibility(.with { $0.idNumber = "120103198806018241" })).eligible)
    let stranger = await failure { _ = try await h.registry.checkEligibility(.with { $0.idNumber = "110105199003070017" }) }
    #expect(stranger?.code == .permissionDenied && stranger?.reason == "PERSON_NOT_NAMED")
    #expect(stranger?.fields == ["id_number"])
    // Banned persons cannot be named in a new application.
    let banned = await failure {
      _ = try await h.registry.submitApplication(.with {
        $0.requestId = "again"; $0.creditCode = Materials.applicant; $0.materials = Materials.valid(digest: digest, on: clock.now)
      })
    }
    #expect(banned?.code == .failedPrecondition)
    #expect(banned?.reason == "AGENCY_BANNED")
    #expect(try await { h.as(Identities.city); return try await h.audit.verifyAuditLog(.init()).intact }())
  }

  @Test("changes make versions, late ones are marked; removal bans for 2 years, then 5")
  func changesAndRemoval() async throws {
    let clock = TestClock(Date(timeIntervalSince1970: 1_795_883_400))  // 2026-11-29 in Chongqing
    try await RegistryHarness.run(now: { clock.now }) { h in try await Self.changesAndRemoval(h, clock: clock) }
  }

  @Test("enrolment refuses bad input and weak keys, and a second enrolment")
  func enrolment() async throws {
    try await RegistryHarness.run { h in
      let bad = await failure {
        _ = try await h.registry.enrollAgency(.with { $0.requestId = "e"; $0.creditCode = "91500000MA5U7BCX7Q"; $0.name = "x"; $0.csrPem = "junk" })
      }
      #expect(bad?.code == .invalidArgument)
      #expect(bad?.reason == "CREDIT_CODE_CHECK_CHARACTER")
      let junk = await failure {
        _ = try await h.registry.enrollAgency(.with { $0.requestId = "e"; $0.creditCode = Materials.applicant; $0.name = "x"; $0.csrPem = "junk" })
      }
      #expect(junk?.reason == "CSR_INVALID")
      let weak = await failure {
        _ = try await h.registry.enrollAgency(.with {
          $0.requestId = "e"; $0.creditCode = Materials.applicant; $0.name = "x"; $0.csrPem = try RegistryHarness.csr(keyType: "RSA")
        })
      }
      #expect(weak?.reason == "CSR_WEAK_KEY")
      _ = try await h.registry.enrollAgency(.with {
        $0.requestId = "e1"; $0.creditCode = Materials.applicant; $0.name = "x"; $0.csrPem = try RegistryHarness.csr()
      })
      let twice = await failure {
        _ = try await h.registry.enrollAgency(.with {
          $0.requestId = "e2"; $0.creditCode = Materials.applicant; $0.name = "x"; $0.csrPem = try RegistryHarness.csr()
        })
      }
      #expect(twice?.code == .alreadyExists)
    }
  }
}

/// A clock the test moves.
final class TestClock: Sendable {
  private let instant: Mutex<Date>

  init(_ start: Date) {
    instant = Mutex(start)
  }

  var now: Date { instant.withLock { $0 } }

  func advance(days: Int) {
    instant.withLock { $0 = $0.addingTimeInterval(Double(days) * 86_400) }
  }

  /// Moves to `later`, if it is later.
  func advance(to later: Date) {
    instant.withLock { $0 = max($0, later) }
  }
}

import Synchronization
