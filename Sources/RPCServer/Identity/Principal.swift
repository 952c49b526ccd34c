public import Services

/// Who is calling, as worked out from the URI SAN of their client certificate.
///
/// The shapes (see docs/lims-integration.md, "Identity"):
/// - `spiffe://cq-monitoring/agency/<credit code>` — a monitoring agency's LIMS;
/// - `spiffe://cq-monitoring/bureau/city/<user>` — a city bureau officer;
/// - `spiffe://cq-monitoring/bureau/district/<district code>/<user>` — a district officer;
/// - `spiffe://cq-monitoring/partner/<organisation>` — a partner authority (Art. 19).
/// Any other shape is refused.
public struct Principal: Hashable, Sendable, CustomStringConvertible {
  public enum Kind: String, Hashable, Sendable, CaseIterable {
    case agency
    case cityOfficer = "city-officer"
    case districtOfficer = "district-officer"
    case partner
  }

  public let kind: Kind
  /// The URI SAN it came from.
  public let uri: String
  /// For an agency.
  public let creditCode: CreditCode?
  /// For a district officer.
  public let district: District?
  /// The officer's user name, or the partner's organisation.
  public let name: String?

  public static let trustDomain = "spiffe://cq-monitoring/"

  /// The principal a URI names, or why it names none.
  public init(uri: String) throws(IdentityError) {
    guard uri.hasPrefix(Self.trustDomain) else { throw .unknownShape(uri) }
    let parts = uri.dropFirst(Self.trustDomain.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    self.uri = uri
    switch parts.count {
    case 2 where parts[0] == "agency":
      do {
        creditCode = try CreditCode(validating: parts[1])
      } catch {
        throw .invalidCreditCode(uri, error)
      }
      (kind, district, name) = (.agency, nil, nil)
    case 3 where parts[0] == "bureau" && parts[1] == "city":
      guard Self.isName(parts[2]) else { throw .unknownShape(uri) }
      (kind, creditCode, district, name) = (.cityOfficer, nil, nil, parts[2])
    case 4 where parts[0] == "bureau" && parts[1] == "district":
      guard let district = District.named(parts[2]) else { throw .unknownDistrict(uri) }
      guard Self.isName(parts[3]) else { throw .unknownShape(uri) }
      (kind, creditCode, self.district, name) = (.districtOfficer, nil, district, parts[3])
    case 2 where parts[0] == "partner":
      guard Self.isName(parts[1]) else { throw .unknownShape(uri) }
      (kind, creditCode, district, name) = (.partner, nil, nil, parts[1])
    default:
      throw .unknownShape(uri)
    }
  }

  public var description: String { uri }

  public var isOfficer: Bool { kind == .cityOfficer || kind == .districtOfficer }

  private static let nameCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789._-".utf8)

  /// 1 to 64 characters of `[a-z0-9._-]`.
  private static func isName(_ text: String) -> Bool {
    (1...64).contains(text.utf8.count) && text.utf8.allSatisfy(nameCharacters.contains)
  }
}

/// Why a caller has no principal. Every case is refused before any handler runs.
public enum IdentityError: Error, Hashable, Sendable, CustomStringConvertible {
  case noCertificate
  case noURI
  case unknownShape(String)
  case invalidCreditCode(String, CreditCodeError)
  case unknownDistrict(String)
  case revoked(serial: String)
  /// The certificate expired while its connection stayed open.
  case expired(serial: String)

  public var description: String {
    switch self {
    case .noCertificate: "no client certificate"
    case .noURI: "the client certificate has no URI SAN"
    case .unknownShape(let uri): "the certificate's URI SAN \(uri) is not an identity of this system"
    case .invalidCreditCode(let uri, let error): "the certificate's URI SAN \(uri) holds no valid credit code: \(error)"
    case .unknownDistrict(let uri): "the certificate's URI SAN \(uri) names no Chongqing district"
    case .revoked(let serial): "the client certificate (serial \(serial)) is revoked"
    case .expired(let serial): "the client certificate (serial \(serial)) has expired; reconnect with a valid one"
    }
  }

  /// A stable reason for `ErrorInfo` and the refusal log.
  public var reason: String {
    switch self {
    case .noCertificate: "NO_CLIENT_CERTIFICATE"
    case .noURI: "NO_URI_SAN"
    case .unknownShape: "UNKNOWN_IDENTITY"
    case .invalidCreditCode: "IDENTITY_CREDIT_CODE"
    case .unknownDistrict: "IDENTITY_DISTRICT"
    case .revoked: "CERTIFICATE_REVOKED"
    case .expired: "CERTIFICATE_EXPIRED"
    }
  }
}
