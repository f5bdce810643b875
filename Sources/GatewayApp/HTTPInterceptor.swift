// Middleware around HTTP requests and extra routes beside /rpc. Probes and /metrics bypass both: they never
// need auth and must answer whatever the middleware decides.
public import HTTP1
public import HTTPServer
public import JSONRPC

/// Runs on the event loop for every request to `/rpc` and to the extra routes, before routing.
///
/// Return `next(request)` to go on (optionally changing the reply, e.g. adding headers with
/// `HTTPReply.adding(_:)`), or a reply of your own to answer now, e.g. 401 with a JSON-RPC error body:
///
/// ```swift
/// struct BearerAuth: HTTPInterceptor {
///     let token: String
///     func intercept(_ request: ServerRequest, next: (ServerRequest) -> HTTPReply) -> HTTPReply {
///         guard request.head.fields["authorization"] == "Bearer \(token)" else {
///             return .response(.rpcError(.unauthorized, JSONRPCError(code: -32010, message: "Unauthorized")))
///         }
///         return next(request)
///     }
/// }
/// ```
///
/// - Important: it runs on an event loop: it must decide from the request alone and never block or wait.
///   Checks that need I/O belong in an `RPCInterceptor`, which is async.
public protocol HTTPInterceptor: Sendable {
    /// Decides one request: answer it now, or pass it on with `next`.
    ///
    /// - Parameters:
    ///   - request: the whole request, body included.
    ///   - next: the rest of the chain and the route; call it at most once.
    /// - Returns: the reply to send: `next`'s (possibly with fields added) or your own.
    func intercept(_ request: ServerRequest, next: (ServerRequest) -> HTTPReply) -> HTTPReply
}

/// An extra HTTP endpoint served beside `/rpc` (an exact path).
public struct HTTPRoute: Sendable {
    /// The exact path served, e.g. `/version`.
    public let path: String
    /// The methods accepted; others get 405 with `Allow`.
    public let methods: Set<String>
    let handler: @Sendable (ServerRequest) async throws -> ServerResponse

    /// An endpoint answered by `handler`.
    ///
    /// ```swift
    /// HTTPRoute("/version") { _ in ServerResponse(status: .ok, body: Array("1.0".utf8)) }
    /// ```
    ///
    /// - Parameters:
    ///   - path: the exact path (no query), e.g. `/version`.
    ///   - methods: accepted methods; others get 405 with `Allow`.
    ///   - handler: runs as async work (off the loop for large bodies); a thrown error answers 500.
    /// - Precondition: `path` starts with `/`.
    public init(
        _ path: String, methods: Set<String> = ["GET", "HEAD"],
        handler: @escaping @Sendable (ServerRequest) async throws -> ServerResponse
    ) {
        precondition(path.hasPrefix("/"), "a route's path starts with /")
        self.path = path
        self.methods = methods
        self.handler = handler
    }
}

extension ResponseStatus {
    /// 403: the caller is known but not allowed.
    public static let forbidden = ResponseStatus(code: 403)
}

extension ServerResponse {
    /// A JSON-RPC error object (id null) with an HTTP status, e.g. 401 or 403 from an `HTTPInterceptor`.
    public static func rpcError(_ status: ResponseStatus, _ error: JSONRPCError) -> ServerResponse {
        var body: [UInt8] = []
        RPCResponseWriter.failure(error, idText: nil, into: &body)
        return ServerResponse(status: status, fields: ["Content-Type": "application/json"], body: body)
    }
}

extension HTTPReply {
    /// The same reply with `fields` added to its response, whether it is answered now or later.
    public func adding(_ fields: HeaderFields) -> HTTPReply {
        switch self {
        case .response(let r):
            return .response(r.adding(fields))
        case .async(let work):
            return .async(FieldsAddingWork(inner: work, fields: fields))
        }
    }
}

extension ServerResponse {
    func adding(_ fields: HeaderFields) -> ServerResponse {
        var r = self
        for f in fields { r.fields.append(name: f.name, value: f.value) }
        return r
    }
}

/// Async work whose every response gets some fields added.
final class FieldsAddingWork: HTTPAsyncWork {
    let inner: any HTTPAsyncWork
    let fields: HeaderFields

    init(inner: any HTTPAsyncWork, fields: HeaderFields) {
        self.inner = inner
        self.fields = fields
    }

    var deadline: ContinuousClock.Instant? { inner.deadline }
    var placement: HTTPWorkPlacement { inner.placement }
    func run() async -> ServerResponse { await inner.run().adding(fields) }
    func deadlineResponse() -> ServerResponse { inner.deadlineResponse().adding(fields) }
    func shutdownResponse() -> ServerResponse { inner.shutdownResponse().adding(fields) }
    func cancelled(_ reason: HTTPCancellation) { inner.cancelled(reason) }
}
