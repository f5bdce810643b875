// What a handler knows about the call it serves.
public import JSONRPC
public import Logging

/// The context of one call: its id, deadline, logger, request headers and cancellation.
public struct RPCContext: Sendable {
    let idText: [UInt8]?
    /// The method being called.
    public let method: String
    let call: RPCCall
    /// When the caller stops waiting (the smaller of `RPC-Timeout` and the server's call timeout), clamped to
    /// the end of the drain once the server is shutting down.
    public var deadline: ContinuousClock.Instant? { call.deadline }
    let baseLogger: Logger
    /// A logger with `rpc.id` and `rpc.method` metadata (built on first use: most calls never log).
    public var logger: Logger {
        var log = baseLogger
        log[metadataKey: "rpc.method"] = "\(method)"
        // A client picks the id: only its start goes into logs.
        if let idText {
            let shown = String(decoding: idText.prefix(64), as: UTF8.self)
            log[metadataKey: "rpc.id"] = "\(idText.count > 64 ? shown + "…" : shown)"
        }
        return log
    }
    /// The HTTP request's header fields, in order.
    public let headers: [(name: String, value: String)]
    /// The deepest JSON nesting the server accepts, which params parsing honours too.
    let maxDepth: Int
    let pool: BlockingPool?
    /// Values interceptors attached to this call (`context.values[UserKey.self]`).
    public var values = RPCContextValues()

    init(
        idText: [UInt8]?, method: String, call: RPCCall, baseLogger: Logger, headers: [(name: String, value: String)],
        maxDepth: Int = JSONParser.defaultMaxDepth, pool: BlockingPool? = nil
    ) {
        self.idText = idText
        self.method = method
        self.call = call
        self.baseLogger = baseLogger
        self.headers = headers
        self.maxDepth = maxDepth
        self.pool = pool
    }

    /// Runs blocking work (a synchronous driver, `read(2)`, a C library) on the server's blocking pool, off the
    /// event loops and off Swift's cooperative pool, and returns its result.
    ///
    /// ```swift
    /// t.register(Lookup.self) { p, context in
    ///     try await context.blocking { try database.query(p.key) }  // may block for as long as it likes
    /// }
    /// ```
    ///
    /// - Throws: -32003 (server busy) when the pool's queue is full; `CancellationError` when the call is
    ///   cancelled while the job still waits for a thread; what `body` throws.
    public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        guard let pool else { throw JSONRPCError.internalError() }
        return try await pool.run(body)
    }

    /// The request id; nil for a notification.
    public var id: RPCID? {
        guard let idText else { return nil }
        return RPCID(jsonText: idText)
    }
    /// True when the request has no id: whatever the handler returns is not sent.
    public var isNotification: Bool { idText == nil }
    /// True once the call was cancelled (deadline, disconnect or shutdown).
    public var isCancelled: Bool { Task.isCancelled }

    /// Time left until the deadline, nil without one.
    public var remaining: Duration? { deadline.map { $0 - .now } }

    /// The first header value named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first(where: { $0.name.lowercased() == name.lowercased() })?.value
    }
}
