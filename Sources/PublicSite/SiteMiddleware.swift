import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Prometheus
import Synchronization

/// What every request passes through, in order: the rate limit, the page, an error page for
/// anything refused, the security headers, then the access log line and the metrics.
struct SiteMiddleware: RouterMiddleware {
  typealias Context = SiteContext
  let site: Site

  /// No script at all, styles from the site only, forms only to the site, never framed.
  static let contentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

  func handle(_ request: Request, context: SiteContext, next: (Request, SiteContext) async throws -> Response) async throws -> Response {
    let started = ContinuousClock.now
    let client = site.client(request, context)
    let language: Language = request.uri.path == "/en" || request.uri.path.hasPrefix("/en/") ? .en : .zh
    var response: Response
    if request.uri.string.utf8.count > 2048 {
      response = errorPage(request, language, .badRequest, language == .zh ? "请求地址过长。" : "The address is too long.")
    } else if let wait = site.limiter.admit(client) {
      site.metrics.limited()
      response = errorPage(request, language, .tooManyRequests, language == .zh ? "请求过于频繁，请稍后再试。" : "Too many requests: please try again shortly.")
      response.headers[.retryAfter] = "\(Int(wait.rounded(.up)))"
    } else {
      do {
        response = try await next(request, context)
      } catch let error as BadInput {
        response = errorPage(request, language, .badRequest, error.message)
      } catch let error as NotPublished {
        response = errorPage(request, language, .notFound, error.message)
      } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
        response = errorPage(request, language, error.status, language == .zh ? "没有这个页面。" : "There is no such page.")
      } catch {
        site.logger.error("public site: page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
        response = errorPage(request, language, .internalServerError, language == .zh ? "页面暂时无法显示。" : "The page cannot be shown now.")
      }
    }
    response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
    response.headers[.xContentTypeOptions] = "nosniff"
    response.headers[.referrerPolicy] = "no-referrer"
    response.headers[.xFrameOptions] = "DENY"
    if site.hsts { response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains" }
    let elapsed = ContinuousClock.now - started
    let route = context.endpointPath ?? "unmatched"
    site.metrics.served(route: route, status: response.status.code, duration: elapsed)
    // The path only: what people search for stays out of the log.
    site.logger.info(
      "\(request.method) \(request.uri.path) \(response.status.code)",
      metadata: ["client": "\(client)", "ms": "\(Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000)"])
    return response
  }

  func errorPage(_ request: Request, _ language: Language, _ status: HTTPResponse.Status, _ message: String) -> Response {
    site.html(Views.error(language, status: status.code, message: message), language, request: request, status: status, cacheControl: "no-store")
      .response(to: request)
  }
}

/// A token bucket per client: `burst` requests at once, then `ratePerSecond`. Buckets that
/// have filled up again are forgotten once there are many.
final class RateLimiter: Sendable {
  let ratePerSecond: Double
  let burst: Double
  private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

  init(ratePerSecond: Double, burst: Double) {
    self.ratePerSecond = ratePerSecond
    self.burst = max(burst, 1)
  }

  /// Nil when the request may go ahead; otherwise the seconds until it may.
  func admit(_ client: String, at now: ContinuousClock.Instant = .now) -> Double? {
    guard ratePerSecond > 0 else { return nil }
    return buckets.withLock { buckets in
      if buckets.count > 100_000 {
        buckets = buckets.filter { self.tokens($0.value, at: now) < self.burst }
      }
      var tokens = buckets[client].map { self.tokens($0, at: now) } ?? burst
      guard tokens >= 1 else { return (1 - tokens) / ratePerSecond }
      tokens -= 1
      buckets[client] = (tokens, now)
      return nil
    }
  }

  private func tokens(_ bucket: (tokens: Double, at: ContinuousClock.Instant), at now: ContinuousClock.Instant) -> Double {
    let elapsed = now - bucket.at
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return min(burst, bucket.tokens + seconds * ratePerSecond)
  }
}

/// The site's counters on the server's `/metrics`: requests by route and status, their
/// latency by route, and requests refused by the rate limit.
final class SiteMetrics: Sendable {
  let registry: PrometheusCollectorRegistry?
  private let counters = Mutex<[String: Counter]>([:])
  private let histograms = Mutex<[String: DurationHistogram]>([:])
  private let refused: Counter?

  static let buckets: [Duration] = [
    .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
    .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(1000),
  ]

  init(registry: PrometheusCollectorRegistry?) {
    self.registry = registry
    refused = registry?.makeCounter(name: "cqmon_site_rate_limited_total", help: "Public site requests refused with 429.")
  }

  func limited() { refused?.increment() }

  func served(route: String, status: Int, duration: Duration) {
    guard let registry else { return }
    let counter = counters.withLock { cache in
      let key = "\(route) \(status)"
      if let counter = cache[key] { return counter }
      let counter = registry.makeCounter(
        name: "cqmon_site_requests_total", labels: [("route", route), ("status", "\(status)")], help: "Public site requests by route and status.")
      cache[key] = counter
      return counter
    }
    counter.increment()
    let histogram = histograms.withLock { cache in
      if let histogram = cache[route] { return histogram }
      let histogram = registry.makeDurationHistogram(
        name: "cqmon_site_request_duration_seconds", labels: [("route", route)], buckets: Self.buckets, help: "Public site latency by route.")
      cache[route] = histogram
      return histogram
    }
    histogram.record(duration)
  }
}
