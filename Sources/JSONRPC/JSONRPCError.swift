// The JSON-RPC error object, with the standard and the server-defined codes (ARCHITECTURE §3, docs/ARCHITECTURE.md).

/// A JSON-RPC 2.0 error: what a handler throws to answer with a specific code.
public struct JSONRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String {
        "JSON-RPC error \(code): \(message)" + (data.map { " \($0.jsonText)" } ?? "")
    }

    public static func parseError(_ detail: String? = nil) -> JSONRPCError {
        JSONRPCError(code: -32700, message: "Parse error", data: detail.map { .string($0) })
    }
    public static func invalidRequest(_ detail: String? = nil) -> JSONRPCError {
        JSONRPCError(code: -32600, message: "Invalid Request", data: detail.map { .string($0) })
    }
    public static func methodNotFound(_ name: String) -> JSONRPCError {
        JSONRPCError(code: -32601, message: "Method not found", data: .string(name))
    }
    public static func invalidParams(_ detail: String? = nil) -> JSONRPCError {
        JSONRPCError(code: -32602, message: "Invalid params", data: detail.map { .string($0) })
    }
    public static func internalError() -> JSONRPCError {
        JSONRPCError(code: -32603, message: "Internal error")
    }
    /// A handler's own failure (server-defined -32000).
    public static func handlerError(_ message: String, data: JSONValue? = nil) -> JSONRPCError {
        JSONRPCError(code: -32000, message: message, data: data)
    }
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
    public static func serverBusy(retryAfterMs: Int) -> JSONRPCError {
        JSONRPCError(code: -32003, message: "Server busy", data: ["retryAfterMs": .int(retryAfterMs)])
    }
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
