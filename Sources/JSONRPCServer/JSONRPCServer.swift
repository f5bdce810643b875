// Dispatch: a request body in, a response body out (nil: nothing to send, HTTP 204).
import JSONRPC
public import Logging
import Synchronization

/// What answering a request body came to.
public enum RPCReply: Sendable, Equatable {
    /// A response body (HTTP 200).
    case body([UInt8])
    /// Every entry was a notification: nothing to send (HTTP 204).
    case noContent
    /// Refused whole before any entry ran: its entries do not fit under the in-flight cap (HTTP 503 with
    /// `Retry-After`); `body` is the -32003 error.
    case busy(retryAfterMs: Int, body: [UInt8])
}

/// Serves JSON-RPC 2.0 request bodies with a table of methods.
///
/// Every entry of a batch is a unit of work: entries count against `Configuration.maxInFlight` one by one, a
/// batch that does not fit is refused whole before any entry runs, and at most
/// `Configuration.batchConcurrency` entries of one batch run at once.
public final class JSONRPCServer: Sendable {
    /// The limits of the JSON-RPC layer; `GatewayConfiguration.rpc` and the `serve` flags set them.
    public struct Configuration: Sendable {
        /// Most entries in one batch; more is one -32600 naming the limit. A batch is also never larger than
        /// `maxInFlight`, which it could never fit under.
        public var batchLimit = 1000
        /// Deepest JSON nesting accepted, in the envelope and in params; deeper is an error. At most
        /// `JSONRPCServer.maxDepthLimit`.
        public var maxDepth = 128
        /// Calls in flight at most, counting every batch entry and every handler still winding down after
        /// its deadline answered.
        public var maxInFlight = 1024
        /// Entries of one batch that run at once; the others wait their turn (answers keep request order).
        public var batchConcurrency = 32
        /// Threads of the blocking pool (`RPCContext.blocking`).
        public var blockingThreads = 8
        /// Blocking jobs that may wait for a thread; more get -32003.
        public var blockingQueueLimit = 256
        /// The defaults: batches of 1000, depth 128, 1024 calls in flight, 32 entries at once, 8 blocking threads.
        public init() {}
    }

    /// The largest `maxDepth` allowed: the parser, decoder, writer and the release of a parsed value recurse
    /// once per level, and this depth stays far inside the smallest thread stack they run on.
    public static let maxDepthLimit = 512

    let methods: [String: RPCHandler]
    let interceptors: [any RPCInterceptor]
    /// The limits the server was created with.
    public let configuration: Configuration
    /// Where `RPCContext.blocking` runs its work.
    public let blockingPool: BlockingPool
    let logger: Logger
    private let inFlight = Atomic<Int>(0)
    let failureLog = LogLimiter(perSecond: 10)

    /// Creates a server answering `methods`, with a blocking pool whose threads start only when work arrives.
    ///
    /// `GatewayApplication` builds one from its services; build one yourself to answer request bodies that
    /// arrive some other way.
    ///
    /// ```swift
    /// var methods = RPCMethodTable()
    /// methods.register(Subtract.self) { p, _ in p.minuend - p.subtrahend }
    /// let server = JSONRPCServer(methods: methods, logger: Logger(label: "rpc"))
    /// let body = Array(#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#.utf8)
    /// let reply = await server.reply(to: body, call: RPCCall())  // .body(…"result":19…)
    /// ```
    ///
    /// - Parameters:
    ///   - methods: the methods to answer.
    ///   - interceptors: run around every call, outermost first.
    ///   - configuration: limits.
    ///   - logger: for handler failures (rate-limited) and handlers' own logs.
    /// - Precondition: `configuration.maxDepth` is within 1...`maxDepthLimit`.
    public init(
        methods: RPCMethodTable, interceptors: [any RPCInterceptor] = [],
        configuration: Configuration = Configuration(),
        logger: Logger
    ) {
        precondition(
            configuration.maxDepth >= 1 && configuration.maxDepth <= Self.maxDepthLimit,
            "maxDepth must be within 1...\(Self.maxDepthLimit)")
        self.methods = methods.handlers
        self.interceptors = interceptors
        blockingPool = BlockingPool(
            threads: configuration.blockingThreads, queueLimit: configuration.blockingQueueLimit)
        self.configuration = configuration
        self.logger = logger
    }

    /// Calls (batch entries counted one by one) admitted and not yet finished, including handlers still
    /// running after their call was answered.
    public var callsInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// True when not even one more call fits: a cheap check before any work is started.
    public var isFull: Bool { callsInFlight >= configuration.maxInFlight }

    /// Reserves `n` units of the in-flight cap, all or nothing.
    private func admit(_ n: Int) -> Bool {
        let before = inFlight.add(n, ordering: .relaxed).oldValue
        if before + n > configuration.maxInFlight {
            inFlight.subtract(n, ordering: .relaxed)
            return false
        }
        return true
    }

    private func release(_ n: Int) {
        inFlight.subtract(n, ordering: .relaxed)
    }

    /// Answers a request body; the body only (a refusal is the -32003 error body, nil for notifications).
    public func respond(
        to body: [UInt8], call: RPCCall, headers: [(name: String, value: String)] = []
    ) async -> [UInt8]? {
        switch await reply(to: body, call: call, headers: headers) {
        case .body(let b), .busy(_, let b): return b
        case .noContent: return nil
        }
    }

    /// Answers a request body.
    ///
    /// - Parameters:
    ///   - body: the HTTP request body (any bytes).
    ///   - call: where answers are recorded as they finish, for deadline and shutdown answers.
    ///   - headers: the HTTP request's fields, handed to handlers.
    /// - Returns: the response body, nothing for notifications, or a refusal when the entries do not fit.
    public func reply(
        to body: [UInt8], call: RPCCall, headers: [(name: String, value: String)] = []
    ) async -> RPCReply {
        let parsed: RPCBody
        do {
            parsed = try RPCBody.parse(
                body, batchLimit: min(configuration.batchLimit, configuration.maxInFlight),
                maxDepth: configuration.maxDepth)
        } catch {
            var out: [UInt8] = []
            RPCResponseWriter.failure(error, idText: nil, into: &out)
            call.prepare(ids: [], isBatch: false)
            return .body(out)
        }
        guard admit(parsed.entryCount) else {
            let retryAfterMs = 1000
            var out: [UInt8] = []
            RPCResponseWriter.failure(.serverBusy(retryAfterMs: retryAfterMs), idText: nil, into: &out)
            return .busy(retryAfterMs: retryAfterMs, body: out)
        }
        switch parsed {
        case .single(let entry):
            call.prepare(ids: [entry.idText], isBatch: false)
            let answer = await answer(entry, index: 0, call: call, headers: headers, waited: false)
            release(1)
            call.finish(0, answer: answer)
            return answer.map { .body($0) } ?? .noContent
        case .batch(let entries):
            call.prepare(ids: entries.map(\.idText), isBatch: true)
            var answers = [[UInt8]?](repeating: nil, count: entries.count)
            let width = max(1, configuration.batchConcurrency)
            await withTaskGroup(of: (Int, [UInt8]?).self) { group in
                var next = 0
                func start() {
                    let i = next
                    next += 1
                    let entry = entries[i]
                    group.addTask {
                        (i, await self.answer(entry, index: i, call: call, headers: headers, waited: true))
                    }
                }
                while next < min(width, entries.count) { start() }
                for await (i, a) in group {
                    release(1)
                    answers[i] = a
                    call.finish(i, answer: a)
                    if next < entries.count { start() }
                }
            }
            return JSONRPCServer.assemble(answers.compactMap { $0 }, isBatch: true).map { .body($0) } ?? .noContent
        }
    }

    static func assemble(_ answers: [[UInt8]], isBatch: Bool) -> [UInt8]? {
        if answers.isEmpty { return nil }
        if !isBatch { return answers[0] }
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, a) in answers.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: a)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// Runs one entry; nil for a notification (whose outcome is never sent).
    ///
    /// Kept small on purpose: its async frame is allocated for every call, so the rare paths (interceptors,
    /// unknown methods, errors) live in functions of their own.
    ///
    /// - Parameter waited: a batch entry that may have waited for its turn (and been cancelled meanwhile).
    private func answer(
        _ entry: Result<RPCEnvelope, RPCEntryError>, index: Int, call: RPCCall,
        headers: [(name: String, value: String)],
        waited: Bool
    ) async -> [UInt8]? {
        guard case .success(let envelope) = entry else { return Self.entryFailure(entry) }
        guard interceptors.isEmpty, let handler = methods[envelope.method] else {
            return await answerSlowly(envelope, index: index, call: call, headers: headers, waited: waited)
        }
        let idText = envelope.idText
        if waited && Task.isCancelled || !call.start(index) { return notStarted(idText, call) }
        let context = makeContext(envelope, call: call, headers: headers)
        do {
            return Self.success(try await handler(envelope.paramsText, context), idText: idText)
        } catch {
            return failure(error, idText: idText, call: call, context: context)
        }
    }

    private func makeContext(_ envelope: RPCEnvelope, call: RPCCall, headers: [(name: String, value: String)])
        -> RPCContext
    {
        RPCContext(
            idText: envelope.idText, method: envelope.method, call: call, baseLogger: logger, headers: headers,
            maxDepth: configuration.maxDepth, pool: blockingPool)
    }

    /// The answer carrying `result`; nil for a notification.
    private static func success(_ result: [UInt8], idText: [UInt8]?) -> [UInt8]? {
        guard let idText else { return nil }
        var out: [UInt8] = []
        RPCResponseWriter.success(result: result, idText: idText, into: &out)
        return out
    }

    /// An entry that was not a valid request: its error, with the id when one could be read.
    private static func entryFailure(_ entry: Result<RPCEnvelope, RPCEntryError>) -> [UInt8]? {
        guard case .failure(let e) = entry else { return nil }
        var out: [UInt8] = []
        RPCResponseWriter.failure(e.error, idText: e.idText, into: &out)
        return out
    }

    /// With interceptors (which run even for unknown methods, so that they can refuse first), or without a
    /// handler.
    private func answerSlowly(
        _ envelope: RPCEnvelope, index: Int, call: RPCCall, headers: [(name: String, value: String)], waited: Bool
    ) async -> [UInt8]? {
        let idText = envelope.idText
        let handler = methods[envelope.method]
        if handler == nil && interceptors.isEmpty {
            guard let idText else { return nil }
            var out: [UInt8] = []
            RPCResponseWriter.failure(.methodNotFound(envelope.method), idText: idText, into: &out)
            return out
        }
        if waited && Task.isCancelled || !call.start(index) { return notStarted(idText, call) }
        let context = makeContext(envelope, call: call, headers: headers)
        let invocation = RPCInvocation(
            method: envelope.method, params: envelope.paramsText, isNotification: idText == nil)
        do {
            return Self.success(try await intercepted(0, invocation, context, handler), idText: idText)
        } catch {
            return failure(error, idText: idText, call: call, context: context)
        }
    }

    /// Cancelled before its handler began (a batch entry waiting for a slot, or a call already answered by the
    /// server's fallback): it never started.
    private func notStarted(_ idText: [UInt8]?, _ call: RPCCall) -> [UInt8]? {
        guard let idText else { return nil }
        var out: [UInt8] = []
        RPCResponseWriter.failure(cancellationError(call, started: false), idText: idText, into: &out)
        return out
    }

    /// The answer for what a handler (or interceptor) threw.
    private func failure(_ error: any Error, idText: [UInt8]?, call: RPCCall, context: RPCContext) -> [UInt8]? {
        let rpcError: JSONRPCError
        switch error {
        case let e as JSONRPCError:
            rpcError = e
        case let e as any JSONRPCErrorConvertible:
            rpcError = e.jsonRPCError
        case is CancellationError where call.cancelReason != .none || call.isPastDeadline:
            rpcError = cancellationError(call, started: true)
        default:
            failureLog.log(
                context.logger, "handler failed", metadata: ["error": "\(String(reflecting: error).prefix(200))"])
            rpcError = .internalError()
        }
        guard let idText else { return nil }
        var out: [UInt8] = []
        RPCResponseWriter.failure(rpcError, idText: idText, into: &out)
        return out
    }

    /// Runs interceptor `i` and, through `next`, the rest of the chain; the handler (or -32601) at the end.
    private func intercepted(
        _ i: Int, _ invocation: RPCInvocation, _ context: RPCContext, _ handler: RPCHandler?
    ) async throws -> [UInt8] {
        guard i < interceptors.count else {
            guard let handler else { throw JSONRPCError.methodNotFound(invocation.method) }
            return try await handler(invocation.params, context)
        }
        return try await interceptors[i].intercept(invocation, context: context) { next in
            try await self.intercepted(i + 1, invocation, next, handler)
        }
    }

    /// The answer of an entry cancelled by the server, for the reason the server gave.
    private func cancellationError(_ call: RPCCall, started: Bool) -> JSONRPCError {
        switch call.cancelReason {
        case .clientClosed: return .clientClosed()
        case .shutdown: return .shuttingDown(started: started)
        case .deadline, .none: return .deadlineExceeded(call.timeoutMs)
        }
    }
}
