import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Mustache
import NIOCore
import Services
import Synchronization

/// A request's context: where it came from, for the rate limit and the access log.
public struct SiteContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  let remoteAddress: SocketAddress?

  public init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    remoteAddress = source.channel.remoteAddress
  }
}

/// A response made once and served many times: its bytes, gzipped too when that is smaller,
/// and an ETag over them.
struct Page: Sendable {
  var status: HTTPResponse.Status
  var contentType: String
  var cacheControl: String
  var body: ByteBuffer
  var gzipped: ByteBuffer?
  var etag: String

  init(status: HTTPResponse.Status = .ok, contentType: String, cacheControl: String, bytes: some Sequence<UInt8>) {
    self.status = status
    self.contentType = contentType
    self.cacheControl = cacheControl
    body = ByteBuffer(bytes: bytes)
    etag = "\"" + Digest.sha256Hex(Array(body.readableBytesView)).prefix(32) + "\""
    var input = body
    if body.readableBytes > 512, let compressed = try? input.compress(with: .gzip()), compressed.readableBytes < body.readableBytes {
      gzipped = compressed
    }
  }

  /// The response to `request`: 304 when it holds this ETag already, gzip when it accepts it.
  func response(to request: Request) -> Response {
    var headers: HTTPFields = [.contentType: contentType, .cacheControl: cacheControl, .eTag: etag, .vary: "Accept-Encoding"]
    if status == .ok, let held = request.headers[.ifNoneMatch], held.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
      headers[.contentType] = nil
      return Response(status: .notModified, headers: headers)
    }
    if let gzipped, Self.acceptsGzip(request.headers[.acceptEncoding]) {
      headers[.contentEncoding] = "gzip"
      headers[.contentLength] = "\(gzipped.readableBytes)"
      return Response(status: status, headers: headers, body: .init(byteBuffer: gzipped))
    }
    headers[.contentLength] = "\(body.readableBytes)"
    return Response(status: status, headers: headers, body: .init(byteBuffer: body))
  }

  static func acceptsGzip(_ header: String?) -> Bool {
    guard let header else { return false }
    return header.split(separator: ",").contains { part in
      let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
      return pieces.first == "gzip" && !pieces.dropFirst().contains("q=0")
    }
  }
}

/// The pages and files, and what every response passes through.
final class Site: Sendable {
  let cache: SnapshotCache
  let keys: [PublicSigningKey]
  let metrics: SiteMetrics
  let logger: Logger
  let limiter: RateLimiter
  /// Behind a reverse proxy: the client is the last address in `X-Forwarded-For`.
  let forwardedFor: Bool
  let hsts: Bool
  let now: @Sendable () -> Date
  let library: MustacheLibrary
  let stylesheet: Page
  let files: StaticFiles
  /// Rendered pages by language, path and query, with the snapshot generation they show, and
  /// the bytes they hold: every agency page of a registry of 10,000 in both languages fits.
  private let pages = Mutex<(entries: [String: (generation: Int, page: Page)], bytes: Int)>(([:], 0))
  static let pageCacheBytes = 128 << 20

  init(
    cache: SnapshotCache, keys: [PublicSigningKey], metrics: SiteMetrics, logger: Logger, limiter: RateLimiter, forwardedFor: Bool, hsts: Bool,
    files: StaticFiles = StaticFiles(), now: @escaping @Sendable () -> Date
  ) throws {
    self.cache = cache
    self.keys = keys
    self.metrics = metrics
    self.logger = logger
    self.limiter = limiter
    self.forwardedFor = forwardedFor
    self.hsts = hsts
    self.files = files
    self.now = now
    var library = MustacheLibrary()
    for (name, bytes) in Self.templates {
      try library.register(String(decoding: bytes, as: UTF8.self), named: name)
    }
    self.library = library
    stylesheet = Page(contentType: "text/css; charset=utf-8", cacheControl: "public, max-age=86400", bytes: PackageResources.site_css)
  }

  static let templates: [(String, [UInt8])] = [
    ("head", PackageResources.head_mustache), ("foot", PackageResources.foot_mustache), ("search", PackageResources.search_mustache),
    ("home", PackageResources.home_mustache), ("agencies", PackageResources.agencies_mustache), ("agency", PackageResources.agency_mustache),
    ("publicity", PackageResources.publicity_mustache), ("notices", PackageResources.notices_mustache),
    ("bulletins", PackageResources.bulletins_mustache), ("buyers", PackageResources.buyers_mustache), ("error", PackageResources.error_mustache),
  ]

  func router() -> Router<SiteContext> {
    let router = Router(context: SiteContext.self)
    router.add(middleware: SiteMiddleware(site: self))
    router.get("/healthz") { _, _ in
      let healthy = self.cache.isHealthy
      return Response(
        status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
        body: .init(byteBuffer: ByteBuffer(string: healthy ? "ok\n" : "the store cannot be read\n")))
    }
    router.get("/static/{file}") { request, context in
      let name = context.parameters.get("file") ?? ""
      guard let page = name == "site.css" ? self.stylesheet : self.files[name] else { throw HTTPError(.notFound) }
      return page.response(to: request)
    }
    for name in ["robots.txt", "favicon.ico"] where files[name] != nil {
      router.get(RouterPath("/\(name)")) { request, _ in self.files[name]!.response(to: request) }
    }
    router.get("/bulletins/{year}/{file}") { request, context in try self.bulletinFile(request, context) }
    for language in [Language.zh, .en] {
      let base = language.base
      router.get(RouterPath(base.isEmpty ? "/" : base)) { request, _ in try self.page(request, language) { snapshot in Views.home(snapshot, language) } }
      router.get(RouterPath("\(base)/agencies")) { request, _ in
        try self.page(request, language) { snapshot in try Views.search(snapshot, language, query: request.uri.queryParameters["q"].map(String.init) ?? "") }
      }
      router.get(RouterPath("\(base)/agency/{code}")) { request, context in
        let code = context.parameters.get("code") ?? ""
        return try self.page(request, language) { snapshot in try Views.agency(snapshot, language, code: code) }
      }
      router.get(RouterPath("\(base)/publicity")) { request, _ in
        let today = CalendarDate(chinaDayOf: self.now())
        return try self.page(request, language, key: "\(today)") { snapshot in Views.publicity(snapshot, language, today: today) }
      }
      router.get(RouterPath("\(base)/notices")) { request, _ in try self.page(request, language) { snapshot in Views.notices(snapshot, language) } }
      router.get(RouterPath("\(base)/bulletins")) { request, _ in try self.page(request, language) { snapshot in Views.bulletins(snapshot, language) } }
      router.get(RouterPath("\(base)/buyers")) { request, _ in
        let district = request.uri.queryParameters["district"].map(String.init) ?? ""
        let parameter = request.uri.queryParameters["parameter"].map(String.init) ?? ""
        return try self.page(request, language) { snapshot in try Views.buyers(snapshot, language, district: district, parameter: parameter) }
      }
    }
    return router
  }

  /// A page from the cache, or rendered from the current snapshot and kept. A refused request
  /// throws (`BadInput`, `NotPublished`), and the middleware renders the error page.
  func page(_ request: Request, _ language: Language, key extra: String = "", _ view: (PublicSnapshot) throws -> View) throws -> Response {
    let (snapshot, generation) = cache.current
    let key = "\(request.uri.path)?\(request.uri.query ?? "")#\(extra)"
    if let cached = pages.withLock({ $0.entries[key] }), cached.generation == generation {
      return cached.page.response(to: request)
    }
    let page = html(try view(snapshot), language, request: request, status: .ok, cacheControl: "public, max-age=60")
    let size = key.utf8.count + page.body.readableBytes + (page.gzipped?.readableBytes ?? 0)
    pages.withLock { pages in
      // A new snapshot, or a full cache, starts it again: pages of an older snapshot are never served.
      if pages.bytes + size > Self.pageCacheBytes || pages.entries.first.map({ $0.value.generation != generation }) == true {
        pages = ([:], 0)
      }
      if let replaced = pages.entries.updateValue((generation, page), forKey: key) {
        pages.bytes -= key.utf8.count + replaced.page.body.readableBytes + (replaced.page.gzipped?.readableBytes ?? 0)
      }
      pages.bytes += size
    }
    return page.response(to: request)
  }

  func html(_ view: View, _ language: Language, request: Request, status: HTTPResponse.Status, cacheControl: String) -> Page {
    var values = view.values
    values["lang"] = language.tag
    values["t"] = language.strings
    values["base"] = language.base
    values["title"] = view.title
    let path = request.uri.path
    let bare = language == .en ? String(path.dropFirst(3)) : path
    var other = language.other.base + (bare.isEmpty ? "/" : bare)
    if other.count > 1, other.hasSuffix("/") { other.removeLast() }
    if let query = request.uri.query, !query.isEmpty { other += "?" + query }
    values["switchHref"] = other
    values["switchLang"] = language.other.tag
    let text = library.render(values, withTemplate: view.template) ?? ""
    return Page(status: status, contentType: "text/html; charset=utf-8", cacheControl: cacheControl, bytes: Array(text.utf8))
  }

  /// A year's bulletin as signed (`bulletin.json`), its signature's bytes (`bulletin.sig`), or
  /// the key it verifies with (`key.pem`).
  func bulletinFile(_ request: Request, _ context: SiteContext) throws -> Response {
    let yearText = context.parameters.get("year") ?? "", file = context.parameters.get("file") ?? ""
    guard let year = Int(yearText), (2000...2100).contains(year) else {
      throw BadInput(message: "'\(yearText.prefix(20))' is not a year from 2000 to 2100 / 年度应为 2000 至 2100 年")
    }
    guard let bulletin = cache.current.snapshot.year(year)?.bulletin else {
      throw NotPublished(message: "\(year)'s results are not published / \(year) 年度结果尚未公布")
    }
    let page: Page
    switch file {
    case "bulletin.json":
      page = Page(contentType: "application/json", cacheControl: "public, max-age=3600", bytes: Array(bulletin.content.utf8))
    case "bulletin.sig":
      guard let signature = Data(base64Encoded: bulletin.signature) else { throw NotPublished(message: "no signature") }
      page = Page(contentType: "application/octet-stream", cacheControl: "public, max-age=3600", bytes: Array(signature))
    case "key.pem":
      guard let key = keys.first(where: { $0.id == bulletin.keyID }) else {
        throw NotPublished(message: "the key \(bulletin.keyID) is not published by this server / 本服务器未发布该密钥")
      }
      page = Page(contentType: "application/x-pem-file", cacheControl: "public, max-age=3600", bytes: Array(key.pem.utf8))
    default:
      throw NotPublished(message: "no such file / 没有该文件")
    }
    var response = page.response(to: request)
    response.headers[.contentDisposition] = "attachment; filename=\"\(file)\""
    return response
  }

  /// The client a request counts against: the connection's address, or behind the proxy the
  /// last address the proxy added.
  func client(_ request: Request, _ context: SiteContext) -> String {
    if forwardedFor, let forwarded = request.headers[.xForwardedFor],
      let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
    {
      return String(last.prefix(64))
    }
    return context.remoteAddress?.ipAddress ?? "unknown"
  }
}

extension HTTPField.Name {
  static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
  static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
  static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
