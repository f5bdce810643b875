// A request the parser refuses: whose fault (always the peer's) and what to answer.

/// A malformed or over-limit request. The connection must be closed after answering `status`.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What to answer: 400, 413, 414, 417, 431, 501 or 505.
    public let status: ResponseStatus
    /// Why, for logs and the response body.
    public let reason: String

    /// A refusal to answer with `status`.
    ///
    /// - Parameters:
    ///   - status: the response status; the connection closes after it.
    ///   - reason: why, in a few words, for logs and the response body.
    public init(_ status: ResponseStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    /// The status code and the reason, for logs.
    public var description: String { "\(status.code): \(reason)" }

    static func bad(_ reason: String) -> HTTPParseError { HTTPParseError(.badRequest, reason) }
}
