/// A storage engine's failure, in terms the services can answer with. Engines translate their
/// own errors into these; anything else they throw is a fault of the server's (INTERNAL).
public struct StoreError: Error, Sendable, CustomStringConvertible {
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String { case unavailable, conflict }
    private let wrapped: Wrapped

    /// The database cannot be reached or refuses work now; nothing was written. Retry later.
    public static let unavailable = Code(wrapped: .unavailable)
    /// A constraint refused the write (a concurrent writer got there first); nothing was written.
    public static let conflict = Code(wrapped: .conflict)

    public var description: String { wrapped.rawValue }
  }

  public var code: Code
  public var message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code): \(message)" }
}
