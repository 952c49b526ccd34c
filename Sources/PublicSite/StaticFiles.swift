import Foundation

/// The web team's own files (robots.txt, a logo, a favicon, a PDF of a notice), read from one
/// directory at start and served from memory under `/static/NAME`. The directory is flat and
/// every name plain (`[A-Za-z0-9][A-Za-z0-9._-]*`), so a request names a file in it or nothing;
/// a file the site cannot type, or too big, stops the start with its name rather than being
/// skipped unseen.
struct StaticFiles: Sendable {
  static let maximumFileBytes = 4 << 20
  static let maximumTotalBytes = 64 << 20
  static let reserved: Set<String> = ["site.css"]
  static let types = [
    "txt": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "json": "application/json",
    "xml": "application/xml", "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "svg": "image/svg+xml", "ico": "image/x-icon", "pem": "application/x-pem-file",
  ]

  struct Refused: Error, CustomStringConvertible {
    var description: String
  }

  private var pages: [String: Page] = [:]

  init() {}

  init(directory: String) throws {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    } catch {
      throw Refused(description: "public.static_dir: \(directory) cannot be read: \(error.localizedDescription)")
    }
    var total = 0
    for name in names where !name.hasPrefix(".") {
      let path = (directory as NSString).appendingPathComponent(name)
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
        throw Refused(description: "public.static_dir: \(name) is a directory; the directory is served flat")
      }
      guard Self.isPlain(name), !Self.reserved.contains(name) else {
        throw Refused(description: "public.static_dir: '\(name)' is not a plain file name (letters, digits, '.', '_', '-'), or is the site's own")
      }
      let suffix = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
      guard let type = Self.types[suffix], name.contains(".") else {
        throw Refused(description: "public.static_dir: \(name): no content type for '.\(suffix)' (one of \(Self.types.keys.sorted().joined(separator: ", ")))")
      }
      guard let bytes = FileManager.default.contents(atPath: path) else {
        throw Refused(description: "public.static_dir: \(name) cannot be read")
      }
      guard bytes.count <= Self.maximumFileBytes else {
        throw Refused(description: "public.static_dir: \(name) is \(bytes.count) bytes, more than \(Self.maximumFileBytes)")
      }
      total += bytes.count
      guard total <= Self.maximumTotalBytes else {
        throw Refused(description: "public.static_dir: the files come to more than \(Self.maximumTotalBytes) bytes")
      }
      pages[name] = Page(contentType: type, cacheControl: "public, max-age=3600", bytes: bytes)
    }
  }

  subscript(name: String) -> Page? { Self.isPlain(name) ? pages[name] : nil }

  var names: [String] { pages.keys.sorted() }

  static func isPlain(_ name: String) -> Bool {
    guard let first = name.utf8.first, name.utf8.count <= 100 else { return false }
    func letterOrDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) }
    return letterOrDigit(first) && name.utf8.allSatisfy { letterOrDigit($0) || $0 == 46 || $0 == 95 || $0 == 45 }
  }
}
