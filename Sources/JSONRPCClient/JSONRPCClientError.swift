// One public error type for every way a call can fail, telling them apart.
public import JSONRPC

/// Why a call failed: transport, HTTP status, JSON-RPC error, decoding, or cancellation.
public struct JSONRPCClientError: Error, Sendable, CustomStringConvertible {
    /// What failed; the properties below answer the usual questions without a `switch`.
    public enum Kind: Sendable, Equatable {
        /// libcurl failed: no HTTP response (connect, reset, timeout). `code` is the `CURLcode`.
        case transport(code: Int, message: String)
        /// The server answered with a non-success HTTP status.
        case httpStatus(code: Int, body: String)
        /// The server answered with a JSON-RPC error object.
        case rpc(JSONRPCError)
        /// The response (or the params) could not be encoded or decoded.
        case decoding(String)
        /// The caller's task was cancelled; the transfer was aborted.
        case cancelled
    }

    /// What failed.
    public let kind: Kind
    /// How many attempts were made (retries included).
    public let attempts: Int

    /// An error of `kind`, after `attempts` attempts.
    ///
    /// - Parameters:
    ///   - kind: what failed.
    ///   - attempts: how many attempts were made, retries included.
    public init(_ kind: Kind, attempts: Int = 1) {
        self.kind = kind
        self.attempts = attempts
    }

    /// The JSON-RPC error, when the server sent one.
    public var rpcError: JSONRPCError? { if case .rpc(let e) = kind { e } else { nil } }
    /// The HTTP status, when the server answered with a failure status.
    public var httpStatus: Int? { if case .httpStatus(let c, _) = kind { c } else { nil } }
    /// The curl code of a transport failure.
    public var curlCode: Int? { if case .transport(let c, _) = kind { c } else { nil } }
    /// The deadline passed: curl's own timeout, or the server's -32001 (the call's `RPC-Timeout` ran out there).
    public var isDeadlineExceeded: Bool { curlCode == 28 || rpcError?.code == -32001 }
    /// Same as `isDeadlineExceeded`.
    @available(*, deprecated, renamed: "isDeadlineExceeded")
    public var isTimeout: Bool { isDeadlineExceeded }
    /// The caller's task was cancelled.
    public var isCancelled: Bool { kind == .cancelled }

    /// A one-line account for logs; an HTTP body is cut to 200 characters.
    public var description: String {
        switch kind {
        case .transport(let code, let message): "transport error (curl \(code)): \(message)"
        case .httpStatus(let code, let body): "HTTP \(code): \(body.prefix(200))"
        case .rpc(let e): e.description
        case .decoding(let why): "decoding error: \(why)"
        case .cancelled: "cancelled"
        }
    }
}
