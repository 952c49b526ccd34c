import ArgumentParser
import Foundation
import GRPCCore
import ProtoCodec

/// A failure with the exit code it maps to (see `monctl --help`).
struct CLIError: Error, CustomStringConvertible {
  enum Kind: Int32 {
    case failure = 1
    case usage = 2
    case unreachable = 3
    case refused = 4
    case invalid = 5
    case notFound = 6
    case conflict = 7
    case notServing = 8
  }

  let kind: Kind
  let message: String
  /// Field violations from the server's `BadRequest`, printed one per line.
  var violations: [RichStatus.FieldViolation] = []

  init(_ kind: Kind, _ message: String, violations: [RichStatus.FieldViolation] = []) {
    self.kind = kind
    self.message = message
    self.violations = violations
  }

  /// What a failed call means for the person at the terminal.
  init(_ error: RPCError) {
    let kind: Kind
    switch error.code {
    case .unavailable, .deadlineExceeded: kind = .unreachable
    case .unauthenticated, .permissionDenied: kind = .refused
    case .invalidArgument, .outOfRange: kind = .invalid
    case .notFound: kind = .notFound
    case .alreadyExists, .failedPrecondition, .aborted: kind = .conflict
    default: kind = .failure
    }
    let status = RichStatus.status(in: error.metadata)
    var message = "\(error.code): \(error.message)"
    if let reason = status.flatMap(RichStatus.reason) { message += " [\(reason)]" }
    self.init(kind, message, violations: status.map(RichStatus.violations) ?? [])
  }

  var description: String {
    ([message] + violations.map { "  \($0.field): \($0.description)" }).joined(separator: "\n")
  }
}

extension AsyncParsableCommand {
  /// Runs `body`, printing a failure to standard error and exiting with its code.
  func reporting(_ body: () async throws -> Void) async throws {
    do {
      try await body()
    } catch let error as CLIError {
      printError("monctl: \(error)")
      throw ExitCode(error.kind.rawValue)
    } catch let error as RPCError {
      let failure = CLIError(error)
      printError("monctl: \(failure)")
      throw ExitCode(failure.kind.rawValue)
    }
  }
}

func printError(_ text: String) {
  var standardError = StandardError()
  print(text, to: &standardError)
}

struct StandardError: TextOutputStream {
  mutating func write(_ string: String) {
    FileHandle.standardError.write(Data(string.utf8))
  }
}
