import Foundation

/// A page of results and the token for the next.
public struct Page<Item: Sendable>: Sendable {
  public var items: [Item]
  public var nextPageToken: String

  public init(items: [Item], nextPageToken: String) {
    self.items = items
    self.nextPageToken = nextPageToken
  }

  /// The same page, each item transformed (rows into the domain's records).
  public func map<Other>(_ transform: (Item) throws -> Other) rethrows -> Page<Other> {
    Page<Other>(items: try items.map(transform), nextPageToken: nextPageToken)
  }
}

/// `page_size` and `page_token` as the API defines them: 0 asks for the default of 100, more
/// than 1000 is clamped to 1000. The token is opaque to clients; inside, it is the sort key of
/// the last item of the previous page (keyset pagination), so a page never repeats or skips a
/// row while others insert, and costs the same however deep it is.
public struct PageRequest: Sendable, Equatable {
  public static let defaultSize = 100
  public static let maximumSize = 1000

  /// Items on this page.
  public var size: Int
  /// The sort key after which this page starts; nil for the first page.
  public var after: String?

  public init(size: Int32, token: String) throws(ServiceError) {
    guard size >= 0 else {
      throw .invalid([FieldViolation("page_size", "page_size cannot be negative", reason: "PAGE_SIZE")])
    }
    self.size = size == 0 ? Self.defaultSize : min(Int(size), Self.maximumSize)
    if token.isEmpty {
      after = nil
    } else if let key = Self.key(of: token) {
      after = key
    } else {
      throw .invalid([FieldViolation("page_token", "this page_token was not given by this server", reason: "PAGE_TOKEN")])
    }
  }

  public init(size: Int = defaultSize, after: String? = nil) {
    self.size = size
    self.after = after
  }

  /// Rows a store fetches for this page: one more than its size, to know whether another follows.
  public var limit: Int { size + 1 }

  /// `after` as a sequence number, for lists ordered by one.
  public func afterSequence() throws(ServiceError) -> Int64? {
    guard let after else { return nil }
    guard let value = Int64(after), value > 0 else {
      throw .invalid([FieldViolation("page_token", "this page_token was not given by this server", reason: "PAGE_TOKEN")])
    }
    return value
  }

  /// The page from what a store fetched (at most `limit` items, in order), with the token of
  /// its last item when more follow.
  public func page<Item>(_ fetched: [Item], key: (Item) -> String) -> Page<Item> {
    let items = Array(fetched.prefix(size))
    let next = fetched.count > size ? items.last.map { Self.token(for: key($0)) } ?? "" : ""
    return Page(items: items, nextPageToken: next)
  }

  /// `k1.` and the key in base64url: opaque, but versioned so the format can change.
  static func token(for key: String) -> String {
    "k1." + Data(key.utf8).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  static func key(of token: String) -> String? {
    guard token.hasPrefix("k1."), token.count <= 200 else { return nil }
    var base64 = token.dropFirst(3).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    guard let data = Data(base64Encoded: base64), let key = String(data: data, encoding: .utf8), !key.isEmpty else { return nil }
    return key
  }
}
