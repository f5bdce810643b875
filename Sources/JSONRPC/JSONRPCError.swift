// The JSON-RPC error object, with the standard and the server-defined codes (ARCHITECTURE §3, docs/ARCHITECTURE.md).

/// A JSON-RPC 2.0 error: what a handler throws to answer with a specific code.
public struct JSONRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The number clients branch on: the standard codes, this server's -32000...-32006, or yours.
    public var code: Int
    /// A short description for people; clients should branch on `code`, not on this.
    public var message: String
    /// Detail for the client (a reason, `retryAfterMs`, …); the `data` member is omitted when nil.
    public var data: JSONValue?

    /// Creates an error to throw from a handler or an interceptor.
    ///
    /// - Parameters:
    ///   - code: the number clients branch on; avoid the codes this server already answers with
    ///     (-32700, -32600...-32603, -32000...-32006).
    ///   - message: a short description for people.
    ///   - data: detail sent as the `data` member.
    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// The code, the message and the data as JSON text, for logs.
    public var description: String {
        "JSON-RPC error \(code): \(message)" + (data.map { " \($0.jsonText)" } ?? "")
    }

    /// -32700: the body is not valid JSON (or not valid UTF-8); `detail` goes into `data`.
    public static func parseError(_ detail: String? = nil) -> JSONRPCError {
        JSONRPCError(code: -32700, message: "Parse error", data: detail.map { .string($0) })
    }
    /// -32600: valid JSON but not a valid request or batch; `detail` goes into `data`.
    public static func invalidRequest(_ detail: String? = nil) -> JSONRPCError {
        JSONRPCError(code: -32600, message: "Invalid Request", data: detail.map { .string($0) })
    }
    /// -32601: no method is registered as `name`, which goes into `data`.
    public static func methodNotFound(_ name: String) -> JSONRPCError {
        JSONRPCError(code: -32601, message: "Method not found", data: .string(name))
    }
    /// -32602: the params did not decode; `detail` says why in JSON terms (`params.a: expected …`).
    public static func invalidParams(_ detail: String? = nil) -> JSONRPCError {
        JSONRPCError(code: -32602, message: "Invalid params", data: detail.map { .string($0) })
    }
    /// -32603: the handler failed; the details go to the log, never to the client.
    public static func internalError() -> JSONRPCError {
        JSONRPCError(code: -32603, message: "Internal error")
    }
    /// A handler's own failure (server-defined -32000).
    public static func handlerError(_ message: String, data: JSONValue? = nil) -> JSONRPCError {
        JSONRPCError(code: -32000, message: message, data: data)
    }
    /// -32001: the call's deadline passed first; `ms`, the timeout asked for, goes into `data.timeoutMs`.
    public static func deadlineExceeded(_ ms: Int? = nil) -> JSONRPCError {
        JSONRPCError(code: -32001, message: "Deadline exceeded", data: ms.map { ["timeoutMs": .int($0)] })
    }
    /// -32002. `started` tells a client whether the handler had begun: a call that never started is safe to
    /// send again (to another replica); one that started may have had effects, so only an idempotent call is.
    public static func shuttingDown(started: Bool = false) -> JSONRPCError {
        JSONRPCError(
            code: -32002, message: "Server shutting down",
            data: ["retryable": .bool(!started), "started": .bool(started)])
    }
    /// -32006: the client closed its connection while the call ran, so the server cancelled it. Only a client
    /// that half-closed its side still reads this; it is not a shutdown, and not retryable as one.
    public static func clientClosed() -> JSONRPCError {
        JSONRPCError(code: -32006, message: "Request cancelled", data: ["reason": "the client closed its connection"])
    }
    /// -32003: the server is at a limit (calls in flight, blocking queue); retry after `retryAfterMs`.
    public static func serverBusy(retryAfterMs: Int) -> JSONRPCError {
        JSONRPCError(code: -32003, message: "Server busy", data: ["retryAfterMs": .int(retryAfterMs)])
    }
    /// -32004: the request body is over `limit` bytes, sent as `data.limitBytes`.
    public static func requestTooLarge(limit: Int) -> JSONRPCError {
        JSONRPCError(code: -32004, message: "Request too large", data: ["limitBytes": .int(limit)])
    }

    /// The error as a JSON object.
    public var jsonValue: JSONValue {
        var o: JSONObject = ["code": .int(code), "message": .string(message)]
        if let data { o["data"] = data }
        return .object(o)
    }
}
