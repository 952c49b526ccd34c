import Foundation
import GRPCCore
import ProtoCodec
import Services

/// `cqmon.v1.DocumentService`: streamed uploads and downloads, stored once by SHA-256.
struct DocumentHandler: Cqmon_V1_DocumentService.SimpleServiceProtocol {
  typealias Methods = Cqmon_V1_DocumentService.Method
  let documents: Documents
  /// The server's configured limits for decoding requests.
  let decodingLimits: ProtoDecodingLimits

  func upload(request: RPCAsyncSequence<Cqmon_V1_UploadRequest, any Error>, context: ServerContext) async throws -> Cqmon_V1_Document {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      var upload: Documents.Upload?
      var first: Cqmon_V1_UploadMetadata?
      for try await part in request {
        switch part.part {
        case .metadata(let metadata)?:
          guard upload == nil else { throw ServiceError.field("metadata", "metadata comes once, in the first message", reason: "METADATA_TWICE") }
          first = metadata
          upload = try documents.begin(
            .init(fileName: metadata.fileName, mediaType: metadata.mediaType, declaredSize: metadata.sizeBytes, declaredSHA256: metadata.sha256),
            owner: call.viewer.documentOwner)
        case .chunk(let bytes)?:
          guard let upload else { throw ServiceError.field("metadata", "the first message carries the metadata", reason: "METADATA_FIRST") }
          try documents.append(upload, bytes)
        case nil:
          throw ServiceError.field("part", "each message carries metadata or a chunk", reason: "REQUIRED")
        }
      }
      guard let upload, let first else { throw ServiceError.field("metadata", "the first message carries the metadata", reason: "METADATA_FIRST") }
      let write = try call.write(first, requestID: first.requestId, method: Methods.Upload.descriptor)
      return reply(try await documents.finish(upload, context: write))
    }
  }

  func download(request: Cqmon_V1_DownloadRequest, response: RPCWriter<Cqmon_V1_DownloadResponse>, context: ServerContext) async throws {
    try await ServiceErrorMapping.run {
      let record = try await documents.find(sha256: request.sha256, viewer: try CallContext.current().viewer)
      try await response.write(.with { $0.metadata = reply(record) })
      var index = 0
      while let part = try await documents.part(index, of: record) {
        try await response.write(.with { $0.chunk = part })
        index += 1
      }
    }
  }

  func getDocument(request: Cqmon_V1_GetDocumentRequest, context: ServerContext) async throws -> Cqmon_V1_Document {
    try await ServiceErrorMapping.run {
      reply(try await documents.find(sha256: request.sha256, viewer: try CallContext.current().viewer))
    }
  }

  func reply(_ record: DocumentRow) -> Cqmon_V1_Document {
    .with {
      $0.sha256 = record.sha256
      $0.sizeBytes = record.sizeBytes
      $0.fileName = record.fileName
      $0.mediaType = record.mediaType
      $0.ownerCreditCode = (try? CreditCode(validating: record.owner)) == nil ? "" : record.owner
      $0.uploadedAt = Reply.timestamp(record.uploadedAt)
      $0.uploadedBy = Reply.actor(record.uploadedBy)
      $0.receipt = Reply.receipt(record.receipt)
    }
  }
}
