import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ProtoCodec
import PublicSite
import Services
import Testing

/// The public website as a browser without script sees it: pages rendered from what the store
/// holds after the real API wrote it, every page reached by following the links, nothing
/// personal or unpublished on any of them.
@Suite("The public website")
struct PublicSiteTests {
  static func site(
    _ store: any Store, rate: Double = 0, burst: Double = 100, staticDirectory: String? = nil, now: @escaping @Sendable () -> Date = TestNow.now
  ) throws -> PublicSite {
    var logger = Logger(label: "site")
    logger.logLevel = .critical
    return try PublicSite(
      configuration: .init(host: "127.0.0.1", port: 0, ratePerSecond: rate, burst: burst, staticDirectory: staticDirectory), store: store,
      keys: TestKeys.keys.all, metrics: nil, logger: logger, now: now)
  }

  @Test("a published year: home, agency, bulletins verified with openssl, the revocation; nothing personal on any page", arguments: Engine.all)
  func publishedYear(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = CreditServiceTests.yearAgo()
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in try await CreditServiceTests.publication(h, clock: clock) }
      let site = try Self.site(store.store, now: { clock.now })
      try await site.cache.refresh()
      let year = try #require(site.cache.current.snapshot.latest?.year)
      let code = Materials.applicant
      try await site.application().test(.router) { client in
        let home = try await client.page("/")
        #expect(home.contains("<html lang=\"zh-CN\">") && home.contains("最新公布的信用评价结果: \(year)"))
        #expect(home.contains("<title id=\"chart-title\">\(year) 各信用等级机构数量</title>") && home.contains("C 级 0 家"))
        #expect(home.contains("另有 1 家的等级已因第十六条情形撤销"), "the agency's C, revoked by its direct E")
        #expect(home.components(separatedBy: "<h1>").count == 2, "one h1")
        let english = try await client.page("/en")
        #expect(english.contains("<html lang=\"en\">") && english.contains("Latest published results: \(year)") && english.contains("C: 0") && english.contains("1 revoked since under Art. 16"))

        // The agency: its registry facts, and the year's C revoked by the direct E that removed it.
        let agency = try await client.page("/agency/\(code)")
        #expect(agency.contains(code) && agency.contains("已移出名录") && agency.contains("level-C") && agency.contains("已撤销"))
        #expect(agency.contains("level-E") && agency.contains("因第十六条情形直接评定为 E 级"))
        let found = try await client.page("/agencies?q=\(code.prefix(8))")
        #expect(found.contains("href=\"/agency/\(code)\""))

        // The bulletin, its signature and the key, verified by openssl on the bytes served.
        let bulletins = try await client.page("/bulletins")
        #expect(bulletins.contains("/bulletins/\(year)/bulletin.json") && bulletins.contains("openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in bulletin.json -sigfile bulletin.sig"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulletin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in ["bulletin.json", "bulletin.sig", "key.pem"] {
          let response = try await client.get("/bulletins/\(year)/\(file)")
          #expect(response.status == .ok && response.headers[.contentDisposition] == "attachment; filename=\"\(file)\"")
          try Data(response.body.readableBytesView).write(to: directory.appendingPathComponent(file))
        }
        let command = "openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in bulletin.json -sigfile bulletin.sig"
        let verified = try ServerProcess.run("/bin/sh", ["-c", "cd '\(directory.path)' && \(command)"])
        #expect(verified.status == 0 && verified.output.contains("Signature Verified Successfully"), "\(verified.output) \(verified.error)")
        try Data("{}".utf8).write(to: directory.appendingPathComponent("bulletin.json"))
        #expect(try ServerProcess.run("/bin/sh", ["-c", "cd '\(directory.path)' && \(command)"]).status != 0, "a changed bulletin fails")

        try await Privacy.check(client, store: store.store, searches: [code, String(code.prefix(6)), "检测"])
      }
    }
  }

  @Test("levels under publicity with the window and how to object; public notices with their grounds", arguments: Engine.all)
  func publicityAndNotices(engine: Engine) async throws {
    try await withStore(engine) { store in
      let clock = CreditServiceTests.yearAgo()
      let inspected = CalendarDate(chinaDayOf: clock.now)
      try await RegistryHarness.run(store: store.store, now: { clock.now }) { h in
        try await SupervisionServiceTests.inspections(h, clock: clock)
        clock.advance(to: TestNow.now())
        try await Self.startPublicity(h, year: inspected.year, clock: clock)
      }
      let site = try Self.site(store.store, now: { clock.now })
      try await site.cache.refresh()
      let publicity = try #require(site.cache.current.snapshot.publicity)
      try await site.application().test(.router) { client in
        let page = try await client.page("/publicity")
        #expect(page.contains("<time datetime=\"\(publicity.firstDay)\">") && page.contains("<time datetime=\"\(publicity.lastDay)\">"))
        #expect(page.contains("如何提出异议（第十八条）") && page.contains("CreditService.FileObjection") && page.contains(Materials.applicant))
        let english = try await client.page("/en/publicity")
        #expect(english.contains("How to object (Art. 18)") && english.contains("15 working days"))
        let home = try await client.page("/")
        #expect(home.contains("信用等级公示中") && home.contains("尚未公布信用评价结果"))

        let notices = try await client.page("/notices")
        // Two inspections gave a public notice, one since corrected: the page shows each as it
        // stands (the correction's grounds, not the first version's).
        let days = site.cache.current.snapshot.notices.map(\.takenOn)
        #expect(days.count == 2 && days.allSatisfy { $0 >= inspected } && days.allSatisfy { notices.contains("<time datetime=\"\($0)\">") })
        #expect(notices.components(separatedBy: "href=\"/agency/\(Materials.applicant)\"").count == 3)
        #expect(notices.contains("第九条第一款第三项：质量控制不符合要求") && !notices.contains("第九条第一款第二项"))
        #expect(notices.contains("渝中区") && notices.contains("江北区"))
        let agency = try await client.page("/agency/\(Materials.applicant)")
        #expect(agency.contains("公开通报") && agency.contains("第九条第一款第三项"))

        try await Privacy.check(client, store: store.store, searches: [Materials.applicant])
      }
    }
  }

  /// A year's evaluation put to publicity from the first working day after today.
  static func startPublicity(_ h: RegistryHarness, year: Int, clock: TestClock) async throws {
    let credit = Cqmon_V1_CreditService.Client(wrapping: h.client)
    h.as(Identities.city)
    _ = try await credit.putIndicatorSystem(.with { $0.requestId = "site-i"; $0.system = CreditServiceTests.system() })
    let draft = try await credit.runEvaluation(.with { $0.requestId = "site-r"; $0.year = Int32(year) })
    let today = CalendarDate(chinaDayOf: clock.now)
    var calendars = WorkingDays.shipped
    for year in today.year...(today.year + 1) where calendars.calendars[year] == nil {
      _ = try await credit.putHolidayCalendar(.with { $0.requestId = "site-cal\(year)"; $0.calendar = .with { $0.year = Int32(year); $0.source = "测试：无节假日" } })
      calendars.calendars[year] = HolidayCalendar(year: year, daysOff: [], workingWeekendDays: [])
    }
    var start = today.adding(days: 1)
    while !(calendars.calendars[start.year]?.isWorkingDay(start) ?? false) { start = start.adding(days: 1) }
    _ = try await credit.startPublicity(.with { $0.requestId = "site-p"; $0.evaluationId = draft.evaluationId; $0.startsOn = CreditServiceTests.date(start) })
  }

  @Test("headers for the public internet, ETags, gzip, and clean pages for bad input and odd paths")
  func fitForTheInternet() async throws {
    try await withStore(.sqlite) { store in
      let site = try Self.site(store.store)
      try await site.cache.refresh()
      try await site.application().test(.router) { client in
        let home = try await client.get("/", headers: [.acceptEncoding: "gzip, br"])
        #expect(home.status == .ok && home.headers[.contentEncoding] == "gzip")
        #expect(home.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
        #expect(home.headers[.contentSecurityPolicy]?.contains("script") == false, "no script is allowed, inline or not")
        #expect(home.headers[.xContentTypeOptions] == "nosniff" && home.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
        #expect(home.headers[.strictTransportSecurity] == nil, "HSTS only where the site serves TLS itself")
        #expect(home.headers[.cacheControl] == "public, max-age=60" && home.headers[.vary] == "Accept-Encoding")
        var zipped = home.body
        let html = String(buffer: try zipped.decompress(with: .gzip()))
        #expect(html.hasPrefix("<!doctype html>") && !html.contains("<script"))
        let etag = try #require(home.headers[.eTag])
        let again = try await client.get("/", headers: [.ifNoneMatch: etag])
        #expect(again.status == .notModified && again.body.readableBytes == 0)

        let refused: [(String, HTTPResponse.Status, String)] = [
          ("/agency/91500000MA5U7BCX7B", .badRequest, "不是有效的统一社会信用代码"),
          ("/en/agency/not-a-code", .badRequest, "is not a valid unified social credit code"),
          ("/agency/91110000600037341L", .notFound, "名录中没有"),
          ("/agencies?q=" + String(repeating: "a", count: 101), .badRequest, "100 个字符"),
          ("/agencies?q=" + String(repeating: "%E9%87%8D", count: 300), .badRequest, "请求地址过长"),
          ("/buyers?district=999999", .badRequest, "不是重庆市的区县"),
          ("/bulletins/99999/bulletin.json", .badRequest, "2000 to 2100"),
          ("/bulletins/2031/bulletin.json", .notFound, "not published"),
          ("/bulletins/2031/..%2f..%2fetc%2fpasswd", .notFound, "not published"),
          ("/static/..%2f..%2fPackage.swift", .notFound, "没有这个页面"),
          ("/static/../../Package.swift", .notFound, "没有这个页面"),
          ("/%2e%2e/%2e%2e/etc/passwd", .notFound, "没有这个页面"),
          ("/agency/%00", .badRequest, "不是有效的统一社会信用代码"),
          ("/en/nothing-here", .notFound, "There is no such page"),
        ]
        for (uri, status, text) in refused {
          let response = try await client.get(uri)
          let body = String(buffer: response.body)
          #expect(response.status == status, "\(uri)")
          #expect(body.contains(text) && body.contains("<h1>"), "\(uri): \(body.prefix(300))")
          #expect(response.headers[.cacheControl] == "no-store" && response.headers[.contentSecurityPolicy] != nil, "\(uri)")
        }
        // Health is judged by wall time since the store last answered, and nothing refreshes
        // the cache in this test but the test itself: read it again just before asking.
        try await site.cache.refresh()
        let health = try await client.get("/healthz")
        #expect(health.status == .ok && String(buffer: health.body) == "ok\n")
      }
    }
  }

  @Test("healthz says 503 until the store has answered once")
  func unhealthyUntilRead() async throws {
    try await withStore(.sqlite) { store in
      let site = try Self.site(store.store)
      try await site.application().test(.router) { client in
        let never = try await client.get("/healthz")
        #expect(never.status == .serviceUnavailable && String(buffer: never.body) == "the store cannot be read\n")
        #expect(never.headers[.cacheControl] == "no-store")
        try await site.cache.refresh()
        #expect(try await client.get("/healthz").status == .ok)
      }
    }
  }

  @Test("the web team's own files: served from memory under /static/, robots.txt at the root, odd names refused at start")
  func staticFiles() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("site-static-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data("User-agent: *\nAllow: /\n".utf8).write(to: directory.appendingPathComponent("robots.txt"))
    try Data(repeating: 0x89, count: 2000).write(to: directory.appendingPathComponent("logo.png"))
    try await withStore(.sqlite) { store in
      let site = try Self.site(store.store, staticDirectory: directory.path)
      try await site.cache.refresh()
      try await site.application().test(.router) { client in
        for uri in ["/robots.txt", "/static/robots.txt"] {
          let robots = try await client.get(uri)
          #expect(robots.status == .ok && String(buffer: robots.body) == "User-agent: *\nAllow: /\n", "\(uri)")
          #expect(robots.headers[.contentType] == "text/plain; charset=utf-8" && robots.headers[.cacheControl] == "public, max-age=3600")
        }
        let logo = try await client.get("/static/logo.png")
        #expect(logo.status == .ok && logo.body.readableBytes == 2000 && logo.headers[.contentType] == "image/png")
        #expect(try await client.get("/static/site.css").headers[.contentType] == "text/css; charset=utf-8", "the site's own stylesheet stays")
        for uri in ["/static/missing.txt", "/static/..%2frobots.txt", "/static/.hidden", "/favicon.ico"] {
          #expect(try await client.get(uri).status == .notFound, "\(uri)")
        }
      }
      for (name, refusal) in [("notes.exe", "no content type"), ("site.css", "the site's own"), ("a b.txt", "not a plain file name")] {
        let odd = directory.appendingPathComponent("odd-\(UUID())")
        try FileManager.default.createDirectory(at: odd, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: odd.appendingPathComponent(name))
        #expect(throws: (any Error).self, "\(name)") { try Self.site(store.store, staticDirectory: odd.path) }
        do { _ = try Self.site(store.store, staticDirectory: odd.path) } catch { #expect("\(error)".contains(refusal), "\(error)") }
      }
    }
  }

  @Test("a client over its rate gets 429 with Retry-After; behind the proxy, clients are told apart by X-Forwarded-For")
  func rateLimit() async throws {
    try await withStore(.sqlite) { store in
      let site = try Self.site(store.store, rate: 1, burst: 3)
      try await site.cache.refresh()
      try await site.application().test(.router) { client in
        var statuses: [HTTPResponse.Status] = []
        for _ in 0..<4 { statuses.append(try await client.get("/", headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9, 198.51.100.7"]).status) }
        #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
        let limited = try await client.get("/en", headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.7"])
        #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] == "1" && String(buffer: limited.body).contains("Too many requests"))
        #expect(try await client.get("/", headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.8"]).status == .ok, "another client")
      }
    }
  }
}

extension TestClientProtocol {
  func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
    try await execute(uri: uri, method: .get, headers: headers, body: nil)
  }

  /// A page's HTML, which must be there (200).
  func page(_ uri: String) async throws -> String {
    let response = try await get(uri)
    #expect(response.status == .ok, "\(uri): \(response.status)")
    return String(buffer: response.body)
  }
}

/// Nothing personal or unpublished on any page: every page reachable by links (and the
/// searches given) is read, and searched for every ID number, person's name and officer's free
/// text that the store holds.
enum Privacy {
  static func check(_ client: some TestClientProtocol, store: any Store, searches: [String]) async throws {
    let secrets = try await personalValues(store)
    #expect(secrets.contains { $0.count == 18 } && secrets.count > 5, "the fixture holds personal data: \(secrets.sorted())")
    var queue = ["/", "/en"] + searches.flatMap { query in
      let escaped = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
      return ["/agencies?q=\(escaped)", "/en/agencies?q=\(escaped)"]
    } + ["/buyers?district=500103", "/en/buyers?parameter=%E6%B0%A8"]
    var seen: Set<String> = []
    while let uri = queue.popLast() {
      guard seen.insert(uri).inserted else { continue }
      let response = try await client.get(uri)
      #expect(response.status == .ok, "\(uri) is linked but answers \(response.status)")
      let body = String(buffer: response.body)
      for secret in secrets where body.contains(secret) {
        Issue.record("\(uri) shows '\(secret)'")
      }
      guard response.headers[.contentType]?.hasPrefix("text/html") == true else { continue }
      for link in links(in: body) where !seen.contains(link) { queue.append(link) }
    }
    #expect(seen.count >= 14, "the crawl reached the pages: \(seen.sorted())")
  }

  /// The site's own links in a page (`href="/..."`), without fragments.
  static func links(in html: String) -> [String] {
    html.components(separatedBy: "href=\"").dropFirst().compactMap { rest in
      guard let end = rest.firstIndex(of: "\"") else { return nil }
      let link = String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&")
      guard link.hasPrefix("/"), !link.hasPrefix("//") else { return nil }
      return link.split(separator: "#", maxSplits: 1).first.map(String.init)
    }
  }

  /// Every ID number in anything written, the names of the people records name, and what
  /// officers and objectors wrote in their own words.
  static func personalValues(_ store: any Store) async throws -> Set<String> {
    var values: Set<String> = []
    let textKeys: Set<String> = ["grounds", "decision", "description", "summary", "note", "objector", "reason", "complainant", "contact"]
    func walk(_ value: Any, key: String?) {
      switch value {
      case let object as [String: Any]:
        if object["idNumber"] != nil, let name = object["name"] as? String { values.insert(name) }
        if key == nil, object["badgeNumber"] != nil, let name = object["name"] as? String { values.insert(name) }
        for (key, inner) in object { walk(inner, key: key) }
      case let array as [Any]:
        for inner in array { walk(inner, key: key) }
      case let text as String:
        if let key, textKeys.contains(key), text.count >= 4 { values.insert(text) }
        if let key, key.lowercased().contains("idnumber") { values.insert(text) }
      default:
        break
      }
    }
    for table in CoveredTable.allCases {
      var rows: [[String]] = []
      try await store.forEachCoveredRecord(table) { record in rows.append(record.fields) }
      for fields in rows {
        // A removal's particulars: the officer's description is the last.
        if table == .removal, let description = fields.last { values.insert(description) }
        for content in fields {
          for match in content.matches(of: /[1-9][0-9]{16}[0-9X]/) { values.insert(String(match.output)) }
          if let json = try? JSONSerialization.jsonObject(with: Data(content.utf8)) { walk(json, key: nil) }
        }
      }
    }
    var agencies: Set<String> = []
    for listing in try await store.agencies(AgencyFilter(), after: nil, limit: 1000) {
      agencies.insert(listing.agency.name)
      for finding in try await store.findings(of: listing.agency.creditCode) where finding.description.count >= 4 { values.insert(finding.description) }
    }
    return values.subtracting(agencies).filter { !$0.isEmpty }
  }
}
