import Foundation
import GRPCCore
import ProtoCodec
import Services

/// `cqmon.v1.SharingService` over the domain's `Sharing`.
struct SharingHandler: Cqmon_V1_SharingService.SimpleServiceProtocol {
  let sharing: Sharing
  /// How long WatchRatings waits before looking for new changes again. The feed is in the
  /// database, so a watcher on one server sees what another published.
  let pollInterval: Duration
  /// Ends the watch calls when the server drains.
  let drain: DrainSignal

  func listPublishedRatings(request: Cqmon_V1_ListPublishedRatingsRequest, context: ServerContext) async throws -> Cqmon_V1_ListPublishedRatingsResponse {
    try await ServiceErrorMapping.run {
      let (page, record) = try await sharing.ratings(
        year: request.year == 0 ? nil : Int(request.year), level: request.level.letter, creditCode: request.creditCode,
        viewer: try CallContext.current().viewer, page: try PageRequest(size: request.pageSize, token: request.pageToken))
      return .with {
        $0.ratings = page.items.map { Reply.published($0, publishedAt: record?.publishedAt) }
        $0.nextPageToken = page.nextPageToken
      }
    }
  }

  /// Every change after the cursor, then new ones as they are published, until the client
  /// cancels or the server drains (then the call ends OK: the partner resumes from its cursor). One page of changes is written at a time: a slow partner holds the stream back
  /// through HTTP/2 flow control, not the server's memory.
  func watchRatings(request: Cqmon_V1_WatchRatingsRequest, response: RPCWriter<Cqmon_V1_RatingChange>, context: ServerContext) async throws {
    let viewer = try CallContext.current().viewer
    var cursor = request.afterCursor
    if cursor < 0 {
      try await ServiceErrorMapping.run { () async throws -> Void in throw ServiceError.field("after_cursor", "a cursor is 0 or more", reason: "CURSOR") }
    }
    while !Task.isCancelled && !drain.isDraining {
      let changes = try await ServiceErrorMapping.run { try await sharing.changes(after: cursor, limit: 500, viewer: viewer) }
      for change in changes {
        try await response.write(.with {
          $0.cursor = change.cursor
          $0.kind = Cqmon_V1_RatingChangeKind(rawValue: Int32(change.kind.rawValue))
          $0.rating = PublishedRating(json: change.rating).map { Reply.published($0, publishedAt: change.changedAt) }
          $0.changedAt = Reply.timestamp(change.changedAt)
        })
        cursor = change.cursor
      }
      if changes.isEmpty {
        do {
          try await Task.sleep(for: pollInterval)
        } catch {
          return
        }
      }
    }
  }

  func getBulletin(request: Cqmon_V1_GetBulletinRequest, context: ServerContext) async throws -> Cqmon_V1_Bulletin {
    try await ServiceErrorMapping.run {
      if request.year == 0 { throw ServiceError.required("year", "the year") }
      let (record, signed) = try await sharing.bulletin(year: Int(request.year), viewer: try CallContext.current().viewer)
      return Reply.bulletin(record, signed, ratings: Credit.published(record))
    }
  }
}
