import Foundation
import GRPCCore
import ProtoCodec
import RPCServer
import Services
import Testing

@Suite("RegistryService and DocumentService: certificates, documents, repeat removal")
struct RegistryMoreTests {
  /// A certificate renewed, listed and revoked.
  static func certificates(_ h: RegistryHarness) async throws {
    try await h.enrol()
    h.as(Identities.agency)
    let renewed = try await h.registry.renewCertificate(.with { $0.requestId = "renew"; $0.csrPem = try RegistryHarness.csr() })
    #expect(renewed.certificatePem.hasPrefix("-----BEGIN CERTIFICATE-----"))
    let own = try await h.registry.listCertificates(.with { $0.creditCode = Materials.applicant })
    #expect(own.certificates.count == 2)
    let other = await failure { _ = try await h.registry.listCertificates(.with { $0.creditCode = "91110000600037341L" }) }
    #expect(other?.code == .permissionDenied)
    h.as(Identities.city)
    let serial = try #require(renewed.certificate?.serial)
    let revoked = try await h.registry.revokeCertificate(.with { $0.requestId = "revoke"; $0.serial = serial; $0.reason = "key lost" })
    #expect(revoked.revokedAt != nil)
    #expect(revoked.revocationReason == "key lost")
    let unknown = await failure { _ = try await h.registry.revokeCertificate(.with { $0.requestId = "r2"; $0.serial = "abc"; $0.reason = "x" }) }
    #expect(unknown?.code == .notFound)
  }

  @Test("an agency renews its own certificate; officers list them; revocation is recorded")
  func certificates() async throws {
    try await RegistryHarness.run { h in try await Self.certificates(h) }
  }

  @Test("uploads: declared digest and size are checked, the size limit holds, bytes come back whole")
  func documents() async throws {
    try await RegistryHarness.run { h in
      h.as(Identities.agency)
      let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
      let digest = try await h.upload(bytes)
      h.as(Identities.city)
      let downloaded = try await h.documents.download(.with { $0.sha256 = digest }) { response in
        var metadata: Cqmon_V1_Document?
        var data: [UInt8] = []
        for try await part in response.messages {
          switch part.part {
          case .metadata(let value)?: metadata = value
          case .chunk(let chunk)?: data += chunk
          case nil: break
          }
        }
        return (metadata, data)
      }
      #expect(downloaded.1 == bytes)
      #expect(downloaded.0?.ownerCreditCode == Materials.applicant)

      h.as(Identities.agency)
      let mismatch = await failure {
        _ = try await h.documents.upload(requestProducer: { writer in
          try await writer.write(.with { $0.metadata = .with { $0.requestId = "m"; $0.fileName = "a.pdf"; $0.mediaType = "application/pdf"; $0.sha256 = String(repeating: "a", count: 64) } })
          try await writer.write(.with { $0.chunk = [1, 2, 3] })
        })
      }
      #expect(mismatch?.code == .invalidArgument)
      #expect(mismatch?.fields == ["metadata.sha256"])
      let tooLarge = await failure {
        _ = try await h.documents.upload(requestProducer: { writer in
          try await writer.write(.with { $0.metadata = .with { $0.requestId = "l"; $0.fileName = "big.pdf"; $0.mediaType = "application/pdf" } })
          for _ in 0..<3 { try await writer.write(.with { $0.chunk = [UInt8](repeating: 7, count: 400_000) }) }
        })
      }
      #expect(tooLarge?.reason == "DOCUMENT_TOO_LARGE")
      #expect(tooLarge?.code == .resourceExhausted, "as the proto promises")
      let noMetadata = await failure {
        _ = try await h.documents.upload(requestProducer: { writer in try await writer.write(.with { $0.chunk = [1] }) })
      }
      #expect(noMetadata?.fields == ["metadata"])
    }
  }

  @Test("an agency removed (rated E) a second time: 5 years for it and its persons (Art. 20)")
  func secondRemoval() async throws {
    let clock = TestClock(Date(timeIntervalSince1970: 1_795_883_400))  // 2026-11-29
    try await RegistryHarness.run(now: { clock.now }) { h in
      try await h.enrol()
      for round in 1...2 {
        h.as(Identities.agency)
        let digest = try await h.upload(Array("scan \(round)".utf8))
        var materials = Materials.valid(digest: digest, on: clock.now)
        materials.commitmentLetter?.signedOn = .with { $0.year = round == 1 ? 2026 : 2028; $0.month = 11; $0.day = 20 }
        let application = try await h.registry.submitApplication(.with {
          $0.requestId = "apply-\(round)"; $0.creditCode = Materials.applicant; $0.materials = materials
        })
        h.as(Identities.city)
        _ = try await h.registry.reviewApplication(.with { $0.requestId = "review-\(round)"; $0.applicationId = application.applicationId; $0.decision = .approve })
        let decided = CalendarDate(chinaTimeOf: Int64(clock.now.timeIntervalSince1970))
        let removal = try await h.registry.removeAgency(.with {
          $0.requestId = "remove-\(round)"; $0.creditCode = Materials.applicant; $0.art16Case = .fakeDataPunished
          $0.decidedOn = .with { $0.year = Int32(decided.year); $0.month = Int32(decided.month); $0.day = Int32(decided.day) }
          $0.description = "round \(round)"; $0.evidence = [.with { $0.sha256 = digest }]
          $0.personsInvolved = [.with { $0.name = "李娜"; $0.idNumber = "120103198806018241" }]
        })
        let years = round == 1 ? 2 : 5
        let end = BanTerm.endsOn(startsOn: decided, years: years)
        #expect(removal.removalCount == Int32(round))
        #expect(removal.bans.allSatisfy { $0.endsOn == .with { $0.year = Int32(end.year); $0.month = Int32(end.month); $0.day = Int32(end.day) } })
        #expect(removal.bans.allSatisfy { $0.repeatOffence == (round == 2) })
        // The ban over, the agency may apply again.
        clock.advance(days: 366 * years)
      }
    }
  }
}

extension RegistryMoreTests {
  static let otherAgency = "91110000600037341L"

  @Test("documents: each owner its own record and receipt; others see nothing; a filing cites only its filer's")
  func documentOwners() async throws {
    try await RegistryHarness.run { h in
      try await h.enrol()
      _ = try await h.registry.enrollAgency(.with {
        $0.requestId = "enrol-other"; $0.creditCode = Self.otherAgency; $0.name = "y"; $0.csrPem = try RegistryHarness.csr()
      })
      let bytes = Array("the same scan".utf8)
      h.as(Identities.agency)
      let digest = try await h.upload(bytes, name: "mine.pdf", requestID: "a")
      let mine = try await h.documents.getDocument(.with { $0.sha256 = digest })
      #expect(mine.ownerCreditCode == Materials.applicant && mine.fileName == "mine.pdf")

      // Another agency uploading the same bytes gets a record, receipt and audit entry of its own.
      h.as("spiffe://cq-monitoring/agency/\(Self.otherAgency)")
      let again = try await h.upload(bytes, name: "theirs.pdf", requestID: "b")
      let theirs = try await h.documents.getDocument(.with { $0.sha256 = again })
      #expect(theirs.ownerCreditCode == Self.otherAgency && theirs.fileName == "theirs.pdf")
      #expect(theirs.receipt?.auditSequence != mine.receipt?.auditSequence)
      // …and cannot cite a document only the first agency uploaded.
      h.as(Identities.agency)
      let only = try await h.upload(Array("only mine".utf8), requestID: "c")
      h.as("spiffe://cq-monitoring/agency/\(Self.otherAgency)")
      #expect(await failure { _ = try await h.documents.getDocument(.with { $0.sha256 = only }) }?.code == .notFound)
      var materials = Materials.valid(digest: digest)
      materials.licence?.creditCode = Self.otherAgency
      materials.otherDocuments = [.with { $0.sha256 = only }]
      let refused = await failure {
        _ = try await h.registry.submitApplication(.with { $0.requestId = "apply"; $0.creditCode = Self.otherAgency; $0.materials = materials })
      }
      #expect(refused?.code == .failedPrecondition && refused?.reason == "DOCUMENT_NOT_FOUND")
      #expect(refused?.fields == ["materials.other_documents[0].sha256"])

      // The city office's own uploads have no agency owner; officers read every document.
      h.as(Identities.city)
      let memo = try await h.upload(Array("a bureau memo".utf8), requestID: "d")
      let bureau = try await h.documents.getDocument(.with { $0.sha256 = memo })
      #expect(bureau.ownerCreditCode == "")
      #expect(try await h.documents.getDocument(.with { $0.sha256 = only }).ownerCreditCode == Materials.applicant)
      #expect(try await h.audit.verifyAuditLog(.init()).intact)
    }
  }
}
