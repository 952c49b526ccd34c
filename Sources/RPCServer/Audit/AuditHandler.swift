import Foundation
import GRPCCore
import ProtoCodec
import Services

/// `cqmon.v1.AuditService`: the audit log as a transparency log (checkpoints, proofs, keys)
/// and its full verification.
struct AuditHandler: Cqmon_V1_AuditService.SimpleServiceProtocol {
  let log: TransparencyLog
  let store: any Store
  /// Replays registry versions from the filings that made them.
  let registry: Registry
  /// Runs the off-site checks again when the findings are rebuilt.
  let filing: Filing
  let now: @Sendable () -> Date
  /// The server's configured limits for decoding requests.
  let decodingLimits: ProtoDecodingLimits

  func getCheckpoint(request: Cqmon_V1_GetCheckpointRequest, context: ServerContext) async throws -> Cqmon_V1_Checkpoint {
    try await ServiceErrorMapping.run { Self.checkpoint(try await log.checkpoint()) }
  }

  func getInclusionProof(request: Cqmon_V1_GetInclusionProofRequest, context: ServerContext) async throws -> Cqmon_V1_InclusionProof {
    try await ServiceErrorMapping.run {
      let call = try CallContext.current()
      // Officers may prove any leaf; anyone else proves a receipt they hold, named by its hash.
      if !call.principal.isOfficer, request.auditHash.isEmpty {
        throw ServiceError(
          .permissionDenied, "give the receipt's audit_hash: only officers may ask for any leaf", reason: "AUDIT_HASH_REQUIRED",
          violations: [FieldViolation("audit_hash", "required of all but officers", reason: "REQUIRED")])
      }
      let (entry, proof) = try await log.inclusionProof(
        index: request.leafIndex, size: request.treeSize, auditHash: request.auditHash.isEmpty ? nil : request.auditHash)
      return .with {
        $0.leafIndex = request.leafIndex
        $0.treeSize = request.treeSize
        $0.entry = Array(entry.text.utf8)
        $0.hashes = proof
      }
    }
  }

  func getConsistencyProof(request: Cqmon_V1_GetConsistencyProofRequest, context: ServerContext) async throws -> Cqmon_V1_ConsistencyProof {
    try await ServiceErrorMapping.run {
      let proof = try await log.consistencyProof(first: request.firstTreeSize, second: request.secondTreeSize)
      return .with {
        $0.firstTreeSize = request.firstTreeSize
        $0.secondTreeSize = request.secondTreeSize
        $0.hashes = proof
      }
    }
  }

  func getSigningKeys(request: Cqmon_V1_GetSigningKeysRequest, context: ServerContext) async throws -> Cqmon_V1_SigningKeys {
    let current = log.keys.current.publicKey
    return .with {
      $0.keys = log.keys.all.map { key in
        .with {
          $0.keyId = key.id
          $0.name = key.name
          $0.algorithm = "ed25519"
          $0.publicKey = key.rawKey
          $0.publicKeyPem = key.pem
          $0.verifierKey = key.verifierKey
          $0.current = key == current
        }
      }
    }
  }

  func verifyAuditLog(request: Cqmon_V1_VerifyAuditLogRequest, context: ServerContext) async throws -> Cqmon_V1_AuditVerification {
    try await ServiceErrorMapping.run {
      var checkpoint: Checkpoint?
      if !request.checkpoint.isEmpty {
        do {
          checkpoint = try Checkpoint(note: request.checkpoint, keys: log.keys.all)
        } catch {
          throw ServiceError.field("checkpoint", "\(error)", reason: "CHECKPOINT_INVALID")
        }
        if checkpoint?.origin != log.origin {
          throw ServiceError.field("checkpoint", "it is a checkpoint of '\(checkpoint?.origin ?? "")', not of this log ('\(log.origin)')", reason: "CHECKPOINT_INVALID")
        }
      }
      let result = try await AuditLog.verifyRecord(store, registry: registry, filing: filing, checkpoint: checkpoint)
      return .with {
        $0.entries = result.entries
        $0.intact = result.intact
        $0.firstBrokenSequence = result.firstBroken ?? 0
        $0.problem = result.problem ?? (result.mismatchCount > 0 ? "\(result.mismatchCount) record(s) do not match their audit entries" : "")
        $0.verifiedAt = Reply.timestamp(now())
        $0.records = result.mismatches.map { mismatch in
          .with {
            $0.table = mismatch.table
            $0.key = mismatch.key
            $0.auditSequence = mismatch.auditSequence
            $0.problem = mismatch.problem
          }
        }
        $0.mismatchedRecords = Int64(result.mismatchCount)
        $0.treeSize = result.treeSize
        $0.rootHash = result.root
      }
    }
  }

  static func checkpoint(_ checkpoint: Checkpoint) -> Cqmon_V1_Checkpoint {
    .with {
      $0.note = checkpoint.note
      $0.origin = checkpoint.origin
      $0.treeSize = checkpoint.size
      $0.rootHash = checkpoint.root
      $0.keyId = checkpoint.keyID
    }
  }
}
