// What the server asks of the application: an answer for each request.
import HTTP1

/// A response to send.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var fields: HTTPFields
    public var body: [UInt8]
    /// Close the connection after this response.
    public var close: Bool

    public init(status: HTTPStatus, fields: HTTPFields = HTTPFields(), body: [UInt8] = [], close: Bool = false) {
        self.status = status
        self.fields = fields
        self.body = body
        self.close = close
    }

    /// A `text/plain` response.
    public static func text(_ status: HTTPStatus, _ text: String, fields: HTTPFields = HTTPFields(), close: Bool = false) -> HTTPResponse {
        var f: HTTPFields = ["Content-Type": "text/plain; charset=utf-8"]
        for x in fields { f.append(name: x.name, value: x.value) }
        return HTTPResponse(status: status, fields: f, body: Array(text.utf8), close: close)
    }
}

/// Work that finishes later, on a Swift task that runs on the connection's event loop.
public struct HTTPAsyncReply: Sendable {
    /// Produces the response; cancelled when the deadline passes, the client goes away or the drain ends.
    public var work: @Sendable () async -> HTTPResponse
    /// When to stop waiting (monotonic nanoseconds, `MonotonicClock`); nil for no deadline.
    public var deadline: UInt64?
    /// The response to send instead when the deadline passes first.
    public var onDeadline: @Sendable () -> HTTPResponse
    /// The response to send instead when the server cancels the work at the end of its drain.
    public var onShutdown: @Sendable () -> HTTPResponse

    public init(
        deadline: UInt64?, work: @escaping @Sendable () async -> HTTPResponse,
        onDeadline: @escaping @Sendable () -> HTTPResponse, onShutdown: @escaping @Sendable () -> HTTPResponse
    ) {
        self.work = work
        self.deadline = deadline
        self.onDeadline = onDeadline
        self.onShutdown = onShutdown
    }
}

/// How a request is answered: at once, or by async work.
public enum HTTPReply: Sendable {
    case response(HTTPResponse)
    case async(HTTPAsyncReply)
}

/// The application side of the server.
public protocol HTTPResponder: Sendable {
    /// Called on the connection's event-loop thread for each complete request. Must not block.
    func reply(to request: HTTPRequest, server: HTTPServerState) -> HTTPReply
}
