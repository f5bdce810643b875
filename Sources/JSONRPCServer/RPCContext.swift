// What a handler knows about the call it serves.
import JSONRPC
import Logging

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
        if let idText { log[metadataKey: "rpc.id"] = "\(String(decoding: idText, as: UTF8.self))" }
        return log
    }
    /// The HTTP request's header fields, in order.
    public let headers: [(name: String, value: String)]

    /// The request id; nil for a notification.
    public var id: RPCID? {
        guard let idText else { return nil }
        return RPCID(jsonText: idText)
    }
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
