import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import ProtoCodec
import RPCServer
import Services
import StorageSQLite
import Synchronization

/// The caller, changeable between calls: the city enrols, the agency applies, the city reviews.
final class SwitchableIdentity: IdentityResolver {
  let uri = Mutex(Identities.city)

  func principal(of context: ServerContext) throws(IdentityError) -> Principal {
    try Principal(uri: uri.withLock { $0 })
  }
}

/// The real stack in process, with a caller the test switches and a clock it sets.
struct RegistryHarness {
  let client: GRPCClient<InProcessTransport.Client>
  let identity: SwitchableIdentity
  let store: any Store

  var registry: Cqmon_V1_RegistryService.Client<InProcessTransport.Client> { .init(wrapping: client) }
  var documents: Cqmon_V1_DocumentService.Client<InProcessTransport.Client> { .init(wrapping: client) }
  var audit: Cqmon_V1_AuditService.Client<InProcessTransport.Client> { .init(wrapping: client) }

  func `as`(_ uri: String) { identity.uri.withLock { $0 = uri } }

  /// Runs `body` against a fresh store on the engine the service tests run on.
  static func run(now: @escaping @Sendable () -> Date = TestNow.now, _ body: (RegistryHarness) async throws -> Void) async throws {
    try await withStore(Engine.forServiceTests) { store in try await run(store: store.store, now: now, body) }
  }

  static func run(
    store: any Store, keys: SigningKeys = TestKeys.keys, now: @escaping @Sendable () -> Date = TestNow.now,
    identity: SwitchableIdentity = SwitchableIdentity(), interceptors: [any ClientInterceptor] = [],
    _ body: (RegistryHarness) async throws -> Void
  ) async throws {
    let components = try makeComponents(identity: identity, store: store, keys: keys, now: now)
    let transport = InProcessTransport()
    let server = GRPCServer(transport: transport.server, services: components.services, interceptors: components.interceptors)
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      // Checkpoints as the server signs them, only more often.
      group.addTask {
        while !Task.isCancelled {
          _ = try? await components.log.issueIfGrown()
          try? await Task.sleep(for: .milliseconds(50))
        }
      }
      defer {
        server.beginGracefulShutdown()
        group.cancelAll()
      }
      try await withGRPCClient(transport: transport.client, interceptors: interceptors) { client in
        try await body(RegistryHarness(client: client, identity: identity, store: store))
      }
    }
  }

  /// Enrols the development agency as the city officer.
  func enrol() async throws {
    `as`(Identities.city)
    _ = try await registry.enrollAgency(.with {
      $0.requestId = "enrol"; $0.creditCode = Materials.applicant; $0.name = "x"; $0.csrPem = try RegistryHarness.csr()
    })
  }

  /// Uploads `bytes` as the current caller; the document's digest.
  func upload(_ bytes: [UInt8], name: String = "scan.pdf", requestID: String = UUID().uuidString) async throws -> String {
    try await documents.upload(requestProducer: { writer in
      try await writer.write(.with { $0.metadata = .with { $0.requestId = requestID; $0.fileName = name; $0.mediaType = "application/pdf" } })
      for start in stride(from: 0, to: bytes.count, by: 7) {
        try await writer.write(.with { $0.chunk = Array(bytes[start..<min(start + 7, bytes.count)]) })
      }
    }).sha256
  }

  /// A PEM certificate signing request for a new EC P-256 key, made with openssl.
  static func csr(keyType: String = "EC") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("csr-\(UUID())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let key = keyType == "EC"
      ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", directory + "/key.pem"]
      : ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", directory + "/key.pem"]
    _ = try ServerProcess.run("/usr/bin/env", ["openssl"] + key)
    _ = try ServerProcess.run("/usr/bin/env", ["openssl", "req", "-new", "-key", directory + "/key.pem", "-subj", "/CN=lims", "-out", directory + "/req.pem"])
    return try String(contentsOfFile: directory + "/req.pem", encoding: .utf8)
  }
}

enum Materials {
  static let applicant = "91500000MA5U7BCX7A"

  /// A complete, valid application whose documents all have `digest`, dated relative to `now`:
  /// signed 9 days before, a CMA certificate issued 2½ years before and valid 3½ more, an
  /// instrument calibrated until 200 days after.
  static func valid(digest: String, on now: Date = TestNow.now()) -> Cqmon_V1_ApplicationMaterials {
    let legal = Cqmon_V1_Person.with { $0.name = "王强"; $0.idNumber = "360426199101010071" }
    let technical = Cqmon_V1_Person.with { $0.name = "李娜"; $0.idNumber = "120103198806018241" }
    let quality = Cqmon_V1_Person.with { $0.name = "张伟"; $0.idNumber = "11010519491231002X" }
    let document = Cqmon_V1_DocumentRef.with { $0.sha256 = digest }
    return .with {
      $0.commitmentLetter = .with {
        $0.signer = legal
        $0.capacity = .legalRepresentative
        $0.signedOn = Days.china(-9, from: now)
        $0.document = document
      }
      $0.licence = .with { $0.kind = .businessLicence; $0.creditCode = applicant; $0.name = "重庆某某检测技术有限公司"; $0.document = document }
      $0.cmaCertificate = .with {
        $0.number = "222212340345"
        $0.issuedOn = Days.china(-913, from: now)
        $0.validUntil = Days.china(1278, from: now)
        $0.issuer = "重庆市市场监督管理局"
        $0.scope = [.with { $0.category = "水和废水"; $0.parameter = "化学需氧量"; $0.methodStandard = "HJ 828—2017" }]
        $0.document = document
      }
      $0.keyPersonnel = .with {
        $0.legalRepresentative = legal
        $0.topManager = legal
        $0.technicalLead = technical
        $0.qualityLead = quality
        $0.authorisedSignatories = [technical]
      }
      $0.staff = [legal, technical, quality].map { person in .with { $0.person = person; $0.roles = [.manager, .analyst, .sampler] } }
      $0.equipment = [.with {
        $0.equipmentId = "EQ-001"
        $0.name = "气相色谱仪"
        $0.model = "Agilent 8890"
        $0.serialNumber = "CN2024001"
        $0.calibrationValidUntil = Days.china(200, from: now)
      }]
      $0.address = .with { $0.districtCode = "500103"; $0.street = "解放碑街道民族路 188 号" }
      $0.legalNature = .enterprise
    }
  }
}

/// The RPC error a call fails with.
func failure(_ body: () async throws -> Void) async -> RPCError? {
  do {
    try await body()
    return nil
  } catch let error as RPCError {
    return error
  } catch {
    return RPCError(code: .unknown, message: "\(error)")
  }
}

extension RPCError {
  var reason: String? { RichStatus.status(in: metadata).flatMap(RichStatus.reason) }
  var fields: [String] { RichStatus.status(in: metadata).map(RichStatus.violations)?.map(\.field) ?? [] }
}

/// Fixture dates, relative to the clock the test runs on (never a fixed day).
enum Days {
  /// The day in China `days` after `now` (negative: before).
  static func china(_ days: Int, from now: Date = TestNow.now()) -> Cqmon_V1_Date {
    let date = CalendarDate(chinaTimeOf: Int64(now.timeIntervalSince1970.rounded(.down))).adding(days: days)
    return .with { $0.year = Int32(date.year); $0.month = Int32(date.month); $0.day = Int32(date.day) }
  }
}
