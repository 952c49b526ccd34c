import Foundation
import ProtoCodec
import Services

/// A deterministic random source (SplitMix64): the same seed gives the same agencies and the
/// same year of activities, so a run can be repeated.
public struct SimulationRandom: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) {
    state = seed
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number in [0, 1).
  public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

  /// A number in `range`.
  public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

  public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

/// Where a simulated agency works: a district and the rough centre its sites are drawn around.
/// Centres are approximate (a few kilometres), for simulated data only.
public struct SimulatedDistrict: Sendable {
  public let code: String
  public let latitude: Double
  public let longitude: Double

  public static let all = [
    SimulatedDistrict(code: "500103", latitude: 29.556, longitude: 106.568),  // 渝中
    SimulatedDistrict(code: "500105", latitude: 29.606, longitude: 106.574),  // 江北
    SimulatedDistrict(code: "500106", latitude: 29.541, longitude: 106.457),  // 沙坪坝
    SimulatedDistrict(code: "500107", latitude: 29.502, longitude: 106.511),  // 九龙坡
    SimulatedDistrict(code: "500108", latitude: 29.523, longitude: 106.560),  // 南岸
    SimulatedDistrict(code: "500112", latitude: 29.718, longitude: 106.631),  // 渝北
    SimulatedDistrict(code: "500113", latitude: 29.402, longitude: 106.540),  // 巴南
    SimulatedDistrict(code: "500102", latitude: 29.703, longitude: 107.389),  // 涪陵
    SimulatedDistrict(code: "500116", latitude: 29.290, longitude: 106.259),  // 江津
    SimulatedDistrict(code: "500117", latitude: 29.972, longitude: 106.276),  // 合川
  ]
  /// Wanzhou, some 230 km from the centre of the city: where a sampler cannot also be within
  /// the hour.
  public static let faraway = SimulatedDistrict(code: "500101", latitude: 30.807, longitude: 108.408)
}

/// A parameter the simulated laboratories analyse, with the method standard their CMA scope
/// lists for it and the range its results fall in.
public struct SimulatedParameter: Sendable {
  public let name: String
  public let method: String
  public let unit: String
  public let low: Double
  public let high: Double

  /// Water and waste water parameters with their current national method standards.
  public static let all = [
    SimulatedParameter(name: "化学需氧量", method: "HJ 828-2017", unit: "mg/L", low: 8, high: 120),
    SimulatedParameter(name: "氨氮", method: "HJ 535-2009", unit: "mg/L", low: 0.05, high: 8),
    SimulatedParameter(name: "总磷", method: "GB 11893-1989", unit: "mg/L", low: 0.02, high: 2),
    SimulatedParameter(name: "总氮", method: "HJ 636-2012", unit: "mg/L", low: 0.5, high: 20),
    SimulatedParameter(name: "悬浮物", method: "GB 11901-1989", unit: "mg/L", low: 4, high: 80),
    SimulatedParameter(name: "石油类", method: "HJ 637-2018", unit: "mg/L", low: 0.06, high: 3),
    SimulatedParameter(name: "五日生化需氧量", method: "HJ 505-2009", unit: "mg/L", low: 2, high: 40),
  ]
  /// A COD method these agencies' scopes do not list (fast digestion, HJ/T 399-2007).
  public static let outOfScopeMethod = "HJ/T 399-2007"
}

/// One simulated agency: its registry record (staff, equipment, CMA scope) as its application
/// states it, generated from its number.
public struct SimulatedAgency: Sendable {
  public struct Member: Sendable {
    public let name: String
    public let idNumber: String
  }

  public let number: Int
  public let creditCode: String
  public let name: String
  public let district: SimulatedDistrict
  public let managers: [Member]
  public let samplers: [Member]
  public let analysts: [Member]
  public let signatory: Member
  /// Instruments, one per parameter (`EQ-01` for the first parameter, …); `lapsedInstrument`
  /// too, whose calibration lapses a month after the listing.
  public let instruments: [String]
  public static let lapsedInstrument = "EQ-90"

  /// Agency `number` (from 1): codes, names and ID numbers derived from it, so runs repeat.
  public init(number: Int) {
    self.number = number
    creditCode = CreditCode.completing("91500100MA" + String(format: "%06d", number) + "Y")!
    name = "重庆模拟检测技术有限公司\(number)"
    district = SimulatedDistrict.all[(number - 1) % SimulatedDistrict.all.count]
    func member(_ role: String, _ index: Int) -> Member {
      // Born 1970-1999; the sequence digits keep agencies' people apart.
      let birth = String(format: "%04d%02d%02d", 1970 + (number * 7 + index) % 30, 1 + index % 12, 1 + (number + index) % 28)
      let id = ResidentID.completing("500103" + birth + String(format: "%03d", (number * 37 + index) % 1000))!
      return Member(name: "\(role)\(number)-\(index)", idNumber: id)
    }
    managers = (0..<2).map { member("经理", $0) }
    samplers = (10..<16).map { member("采样员", $0) }
    analysts = (20..<24).map { member("分析员", $0) }
    signatory = member("签字人", 30)
    instruments = SimulatedParameter.all.indices.map { String(format: "EQ-%02d", $0 + 1) }
  }

  /// The application materials (Art. 4(1)) for listing on `day`, every document the one scan.
  public func materials(document digest: String, on day: CalendarDate) -> Cqmon_V1_ApplicationMaterials {
    func person(_ member: Member) -> Cqmon_V1_Person { .with { $0.name = member.name; $0.idNumber = member.idNumber } }
    func date(_ day: CalendarDate) -> Cqmon_V1_Date { .with { $0.year = Int32(day.year); $0.month = Int32(day.month); $0.day = Int32(day.day) } }
    let document = Cqmon_V1_DocumentRef.with { $0.sha256 = digest }
    return .with {
      $0.commitmentLetter = .with {
        $0.signer = person(managers[0]); $0.capacity = .legalRepresentative; $0.signedOn = date(day.adding(days: -2)); $0.document = document
      }
      $0.licence = .with { $0.kind = .businessLicence; $0.creditCode = creditCode; $0.name = name; $0.document = document }
      $0.cmaCertificate = .with {
        $0.number = String(format: "2222%08d", 1000 + number)
        $0.issuedOn = date(day.adding(days: -800)); $0.validUntil = date(day.adding(days: 1200))
        $0.issuer = "重庆市市场监督管理局"; $0.document = document
        $0.scope = SimulatedParameter.all.map { parameter in
          .with { $0.category = "水和废水"; $0.parameter = parameter.name; $0.methodStandard = parameter.method }
        }
      }
      $0.keyPersonnel = .with {
        $0.legalRepresentative = person(managers[0]); $0.topManager = person(managers[0]); $0.technicalLead = person(managers[1])
        $0.qualityLead = person(managers[1]); $0.authorisedSignatories = [person(signatory)]
      }
      $0.staff = managers.map { member in .with { $0.person = person(member); $0.roles = [.manager] } }
        + samplers.map { member in .with { $0.person = person(member); $0.roles = [.sampler] } }
        + analysts.map { member in .with { $0.person = person(member); $0.roles = [.analyst] } }
        + [.with { $0.person = person(signatory); $0.roles = [.manager, .analyst] }]
      $0.equipment = instruments.enumerated().map { index, id in
        .with {
          $0.equipmentId = id; $0.name = "分析仪器 \(index + 1)"; $0.model = "M-\(index + 1)"; $0.serialNumber = "SIM\(number)-\(index + 1)"
          $0.calibrationValidUntil = date(day.adding(days: 730))
        }
      } + [.with {
        $0.equipmentId = Self.lapsedInstrument; $0.name = "备用分析仪"; $0.model = "M-90"; $0.serialNumber = "SIM\(number)-90"
        $0.calibrationValidUntil = date(day.adding(days: 30))
      }]
      $0.address = .with { $0.districtCode = district.code; $0.street = "模拟路 \(number) 号" }
      $0.legalNature = .enterprise
    }
  }
}
