import Foundation
import Logging
import Synchronization

/// The serial numbers of revoked client certificates, read from a file and reloaded on SIGHUP
/// or when the file changes, without a restart.
///
/// The file lists one serial per line in hexadecimal (case, colons and a `0x` prefix are
/// ignored); `#` starts a comment. A missing file means nothing is revoked; a file that cannot
/// be read keeps the previous list (and says so in the log) rather than letting everyone in or
/// locking everyone out.
public final class RevocationList: Sendable {
  public let path: String?
  private let state: Mutex<(serials: Set<String>, modified: Date?)>
  /// Serials revoked through the API (RegistryService.RevokeCertificate), kept apart from the
  /// file's so that reloading the file does not forget them.
  private let revokedHere = Mutex<Set<String>>([])
  private let logger: Logger

  public init(path: String?, logger: Logger) {
    self.path = path
    self.logger = logger
    self.state = Mutex(([], nil))
    reload()
  }

  /// Whether `serial` (lower-case hex without separators) is revoked.
  public func isRevoked(serial: String) -> Bool {
    state.withLock { $0.serials.contains(serial) } || revokedHere.withLock { $0.contains(serial) }
  }

  /// Revokes a serial (lower-case hex) from now on.
  public func revoke(serial: String) {
    guard let normalised = Self.serial(Substring(serial)) else { return }
    _ = revokedHere.withLock { $0.insert(normalised) }
  }

  public var count: Int { state.withLock { $0.serials.count } }

  /// Reads the file again.
  public func reload() {
    guard let path else { return }
    guard FileManager.default.fileExists(atPath: path) else {
      state.withLock { $0 = ([], nil) }
      return
    }
    do {
      let text = try String(contentsOfFile: path, encoding: .utf8)
      let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
      let serials = Set(text.split(whereSeparator: \.isNewline).compactMap(Self.serial))
      state.withLock { $0 = (serials, modified) }
      logger.info("revocation list loaded", metadata: ["path": "\(path)", "serials": "\(serials.count)"])
    } catch {
      logger.error("revocation list not reloaded; keeping the previous one", metadata: ["path": "\(path)", "error": "\(error)"])
    }
  }

  /// Reloads when the file's modification time changed since the last load.
  public func reloadIfChanged() {
    guard let path else { return }
    let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    if modified != state.withLock({ $0.modified }) { reload() }
  }

  /// The one spelling of a serial the server compares: lower-case hex, no separators, no `0x`,
  /// no leading zeros (`0A:1b:..` → `a1b..`); nil for an empty or comment line.
  static func serial(_ line: Substring) -> String? {
    let text = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    var hex = text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: ":", with: "")
    if hex.hasPrefix("0x") { hex.removeFirst(2) }
    while hex.hasPrefix("0") && hex.count > 1 { hex.removeFirst() }
    return hex.isEmpty ? nil : hex
  }
}
