import ArgumentParser

/// `--limit` and `--page-size` for list commands, which follow `next_page_token` to the end.
struct PagingOptions: ParsableArguments {
  @Option(help: "At most this many items (default: all of them).") var limit: Int?
  @Option(name: .customLong("page-size"), help: "Items per request, 1 to 1000.") var pageSize: Int32 = 1000

  /// Every item, page after page, or the first `limit`.
  func all<Item>(_ fetch: (_ pageSize: Int32, _ token: String) async throws -> (items: [Item], next: String)) async throws -> [Item] {
    guard (1...1000).contains(pageSize) else { throw CLIError(.usage, "--page-size is 1 to 1000") }
    if let limit, limit < 1 { throw CLIError(.usage, "--limit is at least 1") }
    return try await Self.collect(pageSize: pageSize, limit: limit, fetch)
  }

  /// Every item, a thousand a request: for commands that count them all.
  static func every<Item>(_ fetch: (_ pageSize: Int32, _ token: String) async throws -> (items: [Item], next: String)) async throws -> [Item] {
    try await collect(pageSize: 1000, limit: nil, fetch)
  }

  private static func collect<Item>(
    pageSize: Int32, limit: Int?, _ fetch: (_ pageSize: Int32, _ token: String) async throws -> (items: [Item], next: String)
  ) async throws -> [Item] {
    var items: [Item] = []
    var token = ""
    repeat {
      let wanted = limit.map { Int32(min(Int($0 - items.count), Int(pageSize))) } ?? pageSize
      let page = try await fetch(wanted, token)
      items += page.items
      token = page.next
    } while !token.isEmpty && items.count < (limit ?? .max)
    return limit.map { Array(items.prefix($0)) } ?? items
  }
}
