// What the server asks of the application: an answer for each request.
public import HTTP1

/// A response to send.
public struct ServerResponse: Sendable {
    /// The status line's code and reason.
    public var status: ResponseStatus
    /// Header fields; `Content-Length`, `Date` and `Connection` are added by the server.
    public var fields: HeaderFields
    /// The body (left out for HEAD).
    public var body: [UInt8]
    /// Close the connection after this response.
    public var close: Bool

    /// A response; `close` ends the connection after it.
    public init(status: ResponseStatus, fields: HeaderFields = HeaderFields(), body: [UInt8] = [], close: Bool = false)
    {
        self.status = status
        self.fields = fields
        self.body = body
        self.close = close
    }

    /// A `text/plain` response.
    public static func text(
        _ status: ResponseStatus, _ text: String, fields: HeaderFields = HeaderFields(), close: Bool = false
    ) -> ServerResponse {
        var f: HeaderFields = ["Content-Type": "text/plain; charset=utf-8"]
        for x in fields { f.append(name: x.name, value: x.value) }
        return ServerResponse(status: status, fields: f, body: Array(text.utf8), close: close)
    }
}

/// Work that finishes later, on a Swift task; the server holds one object per request for it.
///
/// Conform a class of your own when one object can carry everything (it saves an allocation per closure), or
/// use `HTTPAsyncReply`, which takes closures.
public protocol HTTPAsyncWork: AnyObject, Sendable {
    /// When to stop waiting; nil for no deadline.
    var deadline: ContinuousClock.Instant? { get }
    /// Where the work runs.
    var placement: HTTPWorkPlacement { get }
    /// Produces the response; its task is cancelled when the deadline passes, the client goes away or the drain
    /// ends.
    func run() async -> ServerResponse
    /// The response to send instead when the deadline passes first.
    func deadlineResponse() -> ServerResponse
    /// The response to send instead when the server cancels the work at the end of its drain.
    func shutdownResponse() -> ServerResponse
    /// Told why, just before the work's task is cancelled, so the work can answer for the right reason.
    func cancelled(_ reason: HTTPCancellation)
}

extension HTTPAsyncWork {
    /// By default the server decides from the body's size.
    public var placement: HTTPWorkPlacement { .automatic }
    /// By default the reason is not needed.
    public func cancelled(_ reason: HTTPCancellation) {}
}

/// Async work given as closures.
public final class HTTPAsyncReply: HTTPAsyncWork {
    /// Produces the response; cancelled when the deadline passes, the client goes away or the drain ends.
    public let work: @Sendable () async -> ServerResponse
    /// When to stop waiting; nil for no deadline.
    public let deadline: ContinuousClock.Instant?
    /// The response to send instead when the deadline passes first.
    public let onDeadline: @Sendable () -> ServerResponse
    /// The response to send instead when the server cancels the work at the end of its drain.
    public let onShutdown: @Sendable () -> ServerResponse
    /// Told why, just before the work's task is cancelled.
    public let onCancel: (@Sendable (HTTPCancellation) -> Void)?
    /// Where the work runs. Default: on the connection's loop for small bodies, off the loops for large ones.
    public let placement: HTTPWorkPlacement

    /// Async work from closures.
    ///
    /// - Parameters:
    ///   - deadline: when to stop waiting (monotonic nanoseconds), nil for none.
    ///   - placement: where `work` runs.
    ///   - work: produces the response.
    ///   - onDeadline: the response when the deadline passes first.
    ///   - onShutdown: the response when the drain ends first.
    ///   - onCancel: told why, just before the task is cancelled.
    public init(
        deadline: ContinuousClock.Instant?, placement: HTTPWorkPlacement = .automatic,
        work: @escaping @Sendable () async -> ServerResponse,
        onDeadline: @escaping @Sendable () -> ServerResponse, onShutdown: @escaping @Sendable () -> ServerResponse,
        onCancel: (@Sendable (HTTPCancellation) -> Void)? = nil
    ) {
        self.work = work
        self.deadline = deadline
        self.placement = placement
        self.onDeadline = onDeadline
        self.onShutdown = onShutdown
        self.onCancel = onCancel
    }

    /// Runs `work`.
    public func run() async -> ServerResponse { await work() }
    /// Calls `onDeadline`.
    public func deadlineResponse() -> ServerResponse { onDeadline() }
    /// Calls `onShutdown`.
    public func shutdownResponse() -> ServerResponse { onShutdown() }
    /// Calls `onCancel`.
    public func cancelled(_ reason: HTTPCancellation) { onCancel?(reason) }
}

/// Why the server stopped waiting for async work and cancelled its task.
public enum HTTPCancellation: Sendable, Equatable {
    /// The deadline passed; `onDeadline` answers.
    case deadline
    /// The client sent FIN while the work ran: it is taken as gone (as Go's net/http and nginx do). The
    /// work's own answer is still written, for a client that only half-closed.
    case clientClosed
    /// The drain budget is spent; `onShutdown` answers.
    case shutdown
}

/// Where async work runs.
public enum HTTPWorkPlacement: Sendable, Equatable {
    /// On the connection's loop when the request body is smaller than
    /// `HTTPServerConfiguration.offLoopBodyBytes`, else on the shared concurrent pool.
    case automatic
    /// On the connection's loop: no thread hop, but the work must not compute for more than a millisecond or
    /// so between suspensions, or every connection of that loop waits.
    case loop
    /// On Swift's shared concurrent pool: for work that computes for long; the loop stays free to serve
    /// probes and to enforce the deadline.
    case pool
}

/// Which server limit a request ran into.
public enum HTTPOverload: Sendable, Equatable {
    /// The connection was accepted beyond the connection cap, into the reserve kept for probes and refusals.
    case connections
    /// Admitting the request's body would exceed the memory budget for buffered bytes.
    case memory
}

/// How a request is answered: at once, or by async work.
public enum HTTPReply: Sendable {
    case response(ServerResponse)
    case async(any HTTPAsyncWork)
}

/// The application side of the server.
public protocol HTTPResponder: Sendable {
    /// Called on the connection's event-loop thread for each complete request. Must not block.
    func reply(to request: ServerRequest, server: HTTPServerState) -> HTTPReply

    /// The answer to a request that arrives while the server is over a limit; the connection closes after it.
    /// Return nil to serve the request anyway (probes must answer when everything else is refused).
    /// The default answers 503 `text/plain` with `Retry-After: 1`.
    func overloaded(_ head: RequestHead, reason: HTTPOverload) -> ServerResponse?
}

extension HTTPResponder {
    /// By default every request is refused with 503 and `Retry-After: 1`.
    public func overloaded(_ head: RequestHead, reason: HTTPOverload) -> ServerResponse? {
        ServerResponse.overloaded(reason)
    }
}

extension ServerResponse {
    /// 503 with `Retry-After: 1` and a plain-text reason, closing the connection.
    public static func overloaded(_ reason: HTTPOverload) -> ServerResponse {
        let text =
            reason == .memory
            ? "server busy: memory budget for buffered requests is spent\n"
            : "server busy: too many open connections\n"
        return .text(.serviceUnavailable, text, fields: ["Retry-After": "1"], close: true)
    }
}
