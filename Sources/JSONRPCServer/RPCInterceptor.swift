// Middleware around every call: authentication, metrics, logging, without touching a handler.
public import JSONRPC

/// What an interceptor sees of a call before anything is decoded.
public struct RPCInvocation: Sendable {
    /// The `method` member.
    public let method: String
    /// The params' JSON text, exactly as sent; nil when absent.
    public let params: ArraySlice<UInt8>?
    /// True for a notification (no answer will be sent).
    public let isNotification: Bool
}

/// Runs around every call, batch entries one by one, before its params are decoded and before the method is
/// looked up (so an unauthenticated caller learns nothing about which methods exist).
///
/// Call `next` to go on, with the context unchanged or with values added; throw to answer with an error
/// instead (a `JSONRPCError`, or any error conforming to `JSONRPCErrorConvertible`). The result is the
/// handler's result as JSON text.
///
/// ```swift
/// struct RequireToken: RPCInterceptor {
///     func intercept(_ call: RPCInvocation, context: RPCContext,
///                    next: (RPCContext) async throws -> [UInt8]) async throws -> [UInt8] {
///         guard context.header("authorization") == "Bearer s3cret" else {
///             throw JSONRPCError(code: -32010, message: "Unauthorized")
///         }
///         return try await next(context)
///     }
/// }
/// ```
///
/// - Important: interceptors run where the call runs, usually on an event loop: they must not block.
public protocol RPCInterceptor: Sendable {
    /// Runs around one call or batch entry.
    ///
    /// - Parameters:
    ///   - call: the method name and raw params, before anything is decoded.
    ///   - context: the call's context; pass it on, or a copy with `values` added.
    ///   - next: the rest of the chain and the handler; call it at most once.
    /// - Returns: the result as JSON text: what `next` returned, or your own.
    /// - Throws: an error to answer with instead: a `JSONRPCError` or `JSONRPCErrorConvertible` as is,
    ///   anything else as -32603.
    func intercept(
        _ call: RPCInvocation, context: RPCContext, next: (RPCContext) async throws -> [UInt8]
    ) async throws -> [UInt8]
}

/// An error type of yours that knows its JSON-RPC answer; a handler or interceptor may throw it directly.
///
/// ```swift
/// enum TodoError: Error, JSONRPCErrorConvertible {
///     case notFound(Int)
///     var jsonRPCError: JSONRPCError {
///         switch self {
///         case .notFound(let id): JSONRPCError(code: -32040, message: "No such todo", data: ["id": .int(id)])
///         }
///     }
/// }
/// ```
public protocol JSONRPCErrorConvertible: Error {
    /// The error object the client receives.
    var jsonRPCError: JSONRPCError { get }
}

/// A key for a value that interceptors attach to a call's context (`context.values[UserKey.self]`).
public protocol RPCContextKey {
    /// The type of the value stored under this key.
    associatedtype Value: Sendable
}

/// Values attached to a call's context, keyed by type.
public struct RPCContextValues: Sendable {
    private var storage: [ObjectIdentifier: any Sendable] = [:]

    /// No values.
    public init() {}

    /// The value stored under `key`; setting nil removes it.
    public subscript<K: RPCContextKey>(_ key: K.Type) -> K.Value? {
        get { storage[ObjectIdentifier(key)] as? K.Value }
        set { storage[ObjectIdentifier(key)] = newValue }
    }
}
