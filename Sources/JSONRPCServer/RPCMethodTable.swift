// Typed registration: a method declared once, its params decoded and its result encoded here.
public import JSONRPC

/// The raw form every registered method is reduced to: params JSON in, result JSON out.
typealias RPCHandler = @Sendable (ArraySlice<UInt8>?, RPCContext) async throws -> [UInt8]

/// The methods a server answers, built before the server starts.
public struct RPCMethodTable: Sendable {
    var handlers: [String: RPCHandler] = [:]

    /// An empty table.
    public init() {}

    /// The registered method names.
    public var names: [String] { handlers.keys.sorted() }

    /// Registers a typed method; its params are decoded (failure: -32602) and its result encoded.
    ///
    /// ```swift
    /// var methods = RPCMethodTable()
    /// methods.register(Subtract.self) { params, context in
    ///     context.logger.debug("subtracting")
    ///     return params.minuend - params.subtrahend
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - method: the declaration; the method is answered as `M.name`.
    ///   - body: the handler, called with the decoded params and the call's context. What it throws is answered
    ///     as the error: a `JSONRPCError` or `JSONRPCErrorConvertible` as is, a `CancellationError` for the reason
    ///     the server cancelled the call (deadline, shutdown, client gone), anything else as -32603.
    /// - Important: a handler usually runs on an event loop: it must never block, nor compute for more than
    ///   about a millisecond between suspensions; blocking work goes to `RPCContext.blocking(_:)`.
    ///   Registering a name twice traps.
    public mutating func register<M: JSONRPCMethod>(
        _ method: M.Type, _ body: @escaping @Sendable (M.Params, RPCContext) async throws -> M.Result
    ) {
        precondition(handlers[M.name] == nil, "method \(M.name) registered twice")
        handlers[M.name] = { params, context in
            let decoded: M.Params = try RPCCoding.decode(M.Params.self, from: params, maxDepth: context.maxDepth)
            return try RPCCoding.encode(try await body(decoded, context))
        }
    }

    /// Registers an untyped method that takes and returns raw JSON values (for pass-through).
    ///
    /// ```swift
    /// methods.register("echo") { params, _ in params ?? .null }
    /// ```
    ///
    /// - Parameters:
    ///   - name: the `method` member it answers.
    ///   - body: the handler, called with the params (nil when absent) and the call's context; errors are
    ///     answered as for a typed method.
    /// - Important: the same rules as for a typed method: never block the loop; a name registered twice traps.
    public mutating func register(
        _ name: String, _ body: @escaping @Sendable (JSONValue?, RPCContext) async throws -> JSONValue
    ) {
        precondition(handlers[name] == nil, "method \(name) registered twice")
        handlers[name] = { params, context in
            let value = try params.map { p throws(JSONRPCError) in
                try RPCCoding.parseValue(p, maxDepth: context.maxDepth)
            }
            return try await body(value, context).jsonBytes
        }
    }

    /// Adds every method of `other`, prefixing names with `prefix` (e.g. "math.").
    public mutating func merge(_ other: RPCMethodTable, prefix: String = "") {
        for (name, h) in other.handlers {
            precondition(handlers[prefix + name] == nil, "method \(prefix + name) registered twice")
            handlers[prefix + name] = h
        }
    }
}

/// Params decoding and result encoding, with fast paths for raw JSON and common scalars.
enum RPCCoding {
    static func parseValue(_ bytes: ArraySlice<UInt8>, maxDepth: Int = JSONParser.defaultMaxDepth) throws(JSONRPCError)
        -> JSONValue
    {
        do {
            return try JSONValue(parsing: bytes, maxDepth: maxDepth)
        } catch {
            throw .invalidParams("\(error)")
        }
    }

    static func decode<P: Decodable>(
        _ type: P.Type, from params: ArraySlice<UInt8>?, maxDepth: Int = JSONParser.defaultMaxDepth
    ) throws(JSONRPCError) -> P {
        // Metatypes are compared by identity and values reinterpreted: no runtime cast on the request path.
        if P.self == NoParams.self { return unsafeBitCast(NoParams(), to: P.self) }
        var value = JSONValue.null
        if let params { value = try parseValue(params, maxDepth: maxDepth) }
        if P.self == JSONValue.self { return unsafeBitCast(value, to: P.self) }
        if P.self == JSONValue?.self { return unsafeBitCast(params == nil ? nil : value, to: P.self) }
        do {
            return try JSONValueDecoder.decode(P.self, from: value)
        } catch let error as DecodingError {
            throw .invalidParams(describe(error))
        } catch {
            throw .invalidParams("\(error)")
        }
    }

    static func encode<R: Encodable>(_ result: R) throws -> [UInt8] {
        // Identity compares, not `case let v as T` casts (a runtime cast each, on every call).
        if R.self == JSONValue.self { return unsafeBitCast(result, to: JSONValue.self).jsonBytes }
        if R.self == Int.self { return Array(String(unsafeBitCast(result, to: Int.self)).utf8) }
        if R.self == String.self {
            var out: [UInt8] = []
            JSONWriter.writeString(unsafeBitCast(result, to: String.self), into: &out)
            return out
        }
        if R.self == Bool.self { return Array((unsafeBitCast(result, to: Bool.self) ? "true" : "false").utf8) }
        return try JSONValueEncoder.encode(result).jsonBytes
    }

    /// A short, client-facing account of why params did not decode.
    static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "params" : "params" + p
        }
        switch error {
        // Our decoder's descriptions speak JSON ("expected an object, found string"), never Swift type names.
        case .typeMismatch(_, let c): return "\(path(c)): \(c.debugDescription)"
        case .valueNotFound(_, let c): return "\(path(c)): \(c.debugDescription)"
        case .keyNotFound(let k, let c): return "\(path(c)): missing member \"\(k.stringValue)\""
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
