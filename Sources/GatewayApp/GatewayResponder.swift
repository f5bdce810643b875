// Routes: /rpc to JSON-RPC, probes, and the HTTP-level faults of ARCHITECTURE §2 (docs/ARCHITECTURE.md).
import GatewayPosix
import HTTP1
import HTTPServer
import JSONRPC
import JSONRPCServer

/// Maps requests to the JSON-RPC server and the probe endpoints.
struct GatewayResponder: HTTPResponder {
    let rpc: JSONRPCServer
    let rpcPath: String
    let callTimeout: Duration
    let readiness: Readiness
    let interceptors: [any HTTPInterceptor]
    let routes: [Substring: HTTPRoute]

    init(
        rpc: JSONRPCServer, rpcPath: String, callTimeout: Duration, readiness: Readiness,
        interceptors: [any HTTPInterceptor] = [], routes: [HTTPRoute] = []
    ) {
        self.rpc = rpc
        self.rpcPath = rpcPath
        self.callTimeout = callTimeout
        self.readiness = readiness
        self.interceptors = interceptors
        self.routes = Dictionary(routes.map { (Substring($0.path), $0) }, uniquingKeysWith: { _, last in last })
    }

    private static let jsonFields: HeaderFields = ["Content-Type": "application/json"]

    func reply(to request: ServerRequest, server: HTTPServerState) -> HTTPReply {
        let head = request.head
        let path = head.path
        let isRPC = path == rpcPath
        if isRPC && interceptors.isEmpty {
            // The hot path: no middleware, nothing to look up.
            guard head.method == "POST" else { return .response(methodNotAllowed("POST")) }
            return rpcReply(request, server: server)
        }
        if isRPC || !routes.isEmpty && routes[path] != nil {
            if interceptors.isEmpty { return route(request, server: server) }
            return intercepted(0, request, server: server)
        }
        // The probes: one pass over the path, then one method check for all of them.
        enum Probe {
            case live, metrics
            case ready(String?)
        }
        let probe: Probe
        switch path {
        case "/healthz", "/livez": probe = .live
        case "/metrics": probe = .metrics
        case "/readyz": probe = .ready(nil)
        case _ where path.hasPrefix("/readyz/"): probe = .ready(String(path.dropFirst("/readyz/".count)))
        default: return .response(.text(.notFound, "no such endpoint: \(path)\n"))
        }
        guard head.method == "GET" || head.method == "HEAD" else { return .response(methodNotAllowed("GET, HEAD")) }
        switch probe {
        case .live: return .response(readiness.liveness())
        case .metrics: return .response(metrics(server))
        case .ready(let check): return readinessReply(check: check, query: head.query)
        }
    }

    private func intercepted(_ i: Int, _ request: ServerRequest, server: HTTPServerState) -> HTTPReply {
        guard i < interceptors.count else { return route(request, server: server) }
        return interceptors[i].intercept(request) { intercepted(i + 1, $0, server: server) }
    }

    /// `/rpc` or an extra route.
    private func route(_ request: ServerRequest, server: HTTPServerState) -> HTTPReply {
        let head = request.head
        if head.path == rpcPath {
            guard head.method == "POST" else { return .response(methodNotAllowed("POST")) }
            return rpcReply(request, server: server)
        }
        guard let route = routes[head.path] else {
            return .response(.text(.notFound, "no such endpoint: \(head.path)\n"))
        }
        guard route.methods.contains(head.method) else {
            return .response(methodNotAllowed(route.methods.sorted().joined(separator: ", ")))
        }
        let handler = route.handler
        let failed = ServerResponse.text(.internalServerError, "route failed\n")
        return .async(
            HTTPAsyncReply(
                deadline: .now + callTimeout,
                work: { (try? await handler(request)) ?? failed },
                onDeadline: { .text(.serviceUnavailable, "route did not answer in time\n") },
                onShutdown: { .text(.serviceUnavailable, "server shutting down\n") }))
    }

    /// Probes answer whatever the load (ARCHITECTURE §2: never counted, never refused); JSON-RPC gets its -32003 body.
    func overloaded(_ head: RequestHead, reason: HTTPOverload) -> ServerResponse? {
        let path = head.path
        if GatewayResponder.isProbe(path) { return nil }
        guard path == rpcPath else { return .overloaded(reason) }
        return GatewayResponder.busy(retryAfterMs: 1000)
    }

    /// The endpoints that answer whatever the load and bypass middleware.
    static func isProbe(_ path: Substring) -> Bool {
        path == "/healthz" || path == "/livez" || path == "/readyz" || path == "/metrics" || path.hasPrefix("/readyz/")
    }

    /// 503 + `Retry-After` with a -32003 body.
    static func busy(retryAfterMs: Int, body: [UInt8]? = nil) -> ServerResponse {
        var b = body ?? []
        if body == nil { RPCResponseWriter.failure(.serverBusy(retryAfterMs: retryAfterMs), idText: nil, into: &b) }
        let seconds = max(1, (retryAfterMs + 999) / 1000)
        return ServerResponse(
            status: .serviceUnavailable, fields: ["Content-Type": "application/json", "Retry-After": "\(seconds)"],
            body: b)
    }

    /// Prometheus text exposition of the server's counters.
    private func metrics(_ s: HTTPServerState) -> ServerResponse {
        let rpc = self.rpc
        let text = """
            # HELP gateway_connections_accepted_total Connections accepted since start.
            # TYPE gateway_connections_accepted_total counter
            gateway_connections_accepted_total \(s.acceptedConnections)
            # HELP gateway_connections_open Connections open now.
            # TYPE gateway_connections_open gauge
            gateway_connections_open \(s.openConnections)
            # HELP gateway_calls_in_flight JSON-RPC calls admitted and not finished (each batch entry counts), including handlers still winding down after their answer.
            # TYPE gateway_calls_in_flight gauge
            gateway_calls_in_flight \(rpc.callsInFlight)
            # HELP gateway_calls_max The in-flight cap on calls.
            # TYPE gateway_calls_max gauge
            gateway_calls_max \(rpc.configuration.maxInFlight)
            # HELP gateway_blocking_threads Threads of the blocking pool.
            # TYPE gateway_blocking_threads gauge
            gateway_blocking_threads \(rpc.blockingPool.threadCount)
            # HELP gateway_blocking_running Blocking jobs running now.
            # TYPE gateway_blocking_running gauge
            gateway_blocking_running \(rpc.blockingPool.runningJobs)
            # HELP gateway_blocking_queued Blocking jobs waiting for a thread.
            # TYPE gateway_blocking_queued gauge
            gateway_blocking_queued \(rpc.blockingPool.queuedJobs)
            # HELP gateway_blocking_queue_limit Blocking jobs that may wait; more get -32003.
            # TYPE gateway_blocking_queue_limit gauge
            gateway_blocking_queue_limit \(rpc.blockingPool.queueLimit)
            # HELP gateway_blocking_refused_total Blocking jobs refused because the queue was full.
            # TYPE gateway_blocking_refused_total counter
            gateway_blocking_refused_total \(rpc.blockingPool.refusedJobs)
            # HELP gateway_requests_in_flight HTTP requests waiting for their answer.
            # TYPE gateway_requests_in_flight gauge
            gateway_requests_in_flight \(s.inFlightCalls)
            # HELP gateway_handlers_running Request tasks running, including answered ones still winding down.
            # TYPE gateway_handlers_running gauge
            gateway_handlers_running \(s.runningHandlers)
            # HELP gateway_buffered_bytes Bytes of requests and responses held in buffers.
            # TYPE gateway_buffered_bytes gauge
            gateway_buffered_bytes \(s.bufferedByteCount)
            # HELP gateway_memory_budget_bytes The bound on buffered bytes.
            # TYPE gateway_memory_budget_bytes gauge
            gateway_memory_budget_bytes \(s.memoryBudget)
            # HELP gateway_connections_max The connection cap (a reserve above it still answers probes and 503s).
            # TYPE gateway_connections_max gauge
            gateway_connections_max \(s.maxConnections)
            # HELP gateway_requests_refused_total Requests answered 503 for a server limit.
            # TYPE gateway_requests_refused_total counter
            gateway_requests_refused_total{reason="memory"} \(s.refusedForMemoryCount)
            gateway_requests_refused_total{reason="connections"} \(s.refusedForConnectionsCount)
            # HELP gateway_connections_dropped_total Connections closed unanswered because even the reserve was full.
            # TYPE gateway_connections_dropped_total counter
            gateway_connections_dropped_total \(s.droppedConnectionCount)
            # HELP gateway_http_requests_total HTTP requests received since start.
            # TYPE gateway_http_requests_total counter
            gateway_http_requests_total \(s.requestCount)
            # HELP gateway_connections_cut_total Connections closed with an accepted call unanswered.
            # TYPE gateway_connections_cut_total counter
            gateway_connections_cut_total \(s.cutConnectionCount)
            # HELP gateway_shutting_down 1 from the first instant of shutdown.
            # TYPE gateway_shutting_down gauge
            gateway_shutting_down \(s.isShuttingDown ? 1 : 0)

            """
        return ServerResponse(
            status: .ok, fields: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: Array(text.utf8))
    }

    /// Synchronous checks answer on the loop; asynchronous ones run as async work, bounded by their timeouts.
    private func readinessReply(check: String?, query: Substring?) -> HTTPReply {
        guard readiness.hasAsyncChecks else { return .response(readiness.respondNow(check: check, query: query)) }
        let readiness = self.readiness
        let q = query.map(String.init)
        let unavailable = ServerResponse.text(.serviceUnavailable, "readiness checks did not answer in time\n")
        return .async(
            HTTPAsyncReply(
                deadline: .now + .seconds(10),
                work: { await readiness.respond(check: check, query: q.map { Substring($0) }) },
                onDeadline: { unavailable }, onShutdown: { unavailable }))
    }

    private func methodNotAllowed(_ allow: String) -> ServerResponse {
        .text(.methodNotAllowed, "method not allowed\n", fields: ["Allow": allow])
    }

    private static let json = Array("application/json".utf8)
    private static let jsonRPC = Array("application/json-rpc".utf8)

    /// `application/json` or `application/json-rpc`, parameters allowed, case-insensitive.
    static func isJSON(_ contentType: String?) -> Bool {
        guard var ct = contentType else { return false }
        return ct.withUTF8 { bytes in
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            var start = 0
            while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
            while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
            func matches(_ want: [UInt8]) -> Bool {
                guard end - start == want.count else { return false }
                for i in 0..<want.count {
                    var b = bytes[start + i]
                    if b >= 0x41 && b <= 0x5A { b |= 0x20 }
                    if b != want[i] { return false }
                }
                return true
            }
            return matches(json) || matches(jsonRPC)
        }
    }

    private func rpcReply(_ request: ServerRequest, server: HTTPServerState) -> HTTPReply {
        let head = request.head
        guard GatewayResponder.isJSON(head.fields["content-type"]) else {
            return .response(
                .text(.unsupportedMediaType, "Content-Type must be application/json or application/json-rpc\n"))
        }
        if rpc.isFull {
            return .response(GatewayResponder.busy(retryAfterMs: 1000))
        }
        var timeout = callTimeout
        var timeoutMs: Int? = nil
        switch GatewayResponder.rpcTimeout(head.fields) {
        case .absent:
            break
        case .invalid:
            return .response(
                .text(
                    .badRequest, "RPC-Timeout must be one field of whole milliseconds, digits only (0...86400000)\n"))
        case .milliseconds(let ms):
            if .milliseconds(ms) < timeout {
                timeout = .milliseconds(ms)
                timeoutMs = ms
            }
        }
        return .async(
            RPCWork(
                rpc: rpc, body: request.body, fields: head.fields, timeout: timeout, timeoutMs: timeoutMs,
                server: server))
    }

    enum RPCTimeoutField: Equatable {
        case absent
        case invalid
        case milliseconds(Int)
    }

    /// `RPC-Timeout`: at most one field, 1 to 8 ASCII digits, at most a day. A duplicate could be read two ways
    /// by two servers, and a sign or space is not the grammar: both are 400, not a guess.
    static func rpcTimeout(_ fields: HeaderFields) -> RPCTimeoutField {
        guard let text = fields["rpc-timeout"] else { return .absent }
        if fields.count("rpc-timeout") > 1 { return .invalid }
        let digits = text.utf8
        guard !digits.isEmpty, digits.count <= 8, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let ms = Int(text), ms <= 86_400_000
        else { return .invalid }
        return .milliseconds(ms)
    }

    static func response(_ reply: RPCReply) -> ServerResponse {
        switch reply {
        case .body(let b): ServerResponse(status: .ok, fields: jsonFields, body: b)
        case .noContent: ServerResponse(status: .noContent)
        case .busy(let ms, let b): busy(retryAfterMs: ms, body: b)
        }
    }

    static func response(_ body: [UInt8]?) -> ServerResponse {
        guard let body else { return ServerResponse(status: .noContent) }
        return ServerResponse(status: .ok, fields: jsonFields, body: body)
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

/// One JSON-RPC request as async work: one object carries the body, the call's answers and every callback the
/// server needs (deadline, shutdown, cancellation reason), so a call costs one allocation here, not four.
final class RPCWork: HTTPAsyncWork {
    let rpc: JSONRPCServer
    let body: [UInt8]
    let fields: HeaderFields
    let call: RPCCall
    let deadline: ContinuousClock.Instant?
    let server: HTTPServerState

    init(
        rpc: JSONRPCServer, body: [UInt8], fields: HeaderFields, timeout: Duration, timeoutMs: Int?,
        server: HTTPServerState
    ) {
        self.rpc = rpc
        self.body = body
        self.fields = fields
        self.server = server
        // One instant is the call's deadline for the loop (which answers -32001 when it passes) and for the
        // handlers (`RPCContext.deadline`); once the drain starts, handlers see it clamped to the drain's end.
        let deadline = ContinuousClock.now + timeout
        self.deadline = deadline
        call = RPCCall(
            deadline: deadline, timeoutMs: timeoutMs ?? Int(timeout.wholeNanoseconds / 1_000_000),
            limit: { server.drainDeadline })
    }

    func run() async -> ServerResponse {
        // A large body's parsed values are charged to the memory budget while the call runs (§6).
        let cost = body.count >= 8 * 1024 ? Self.parseCost(body) : 0
        if cost > 0 {
            let limit = server.admissionLimit
            if limit > 0 && cost > limit {
                // It would never fit: not a reason to retry.
                var out: [UInt8] = []
                let reason = "the request would take about \(cost >> 20) MiB to process, more than the memory budget"
                RPCResponseWriter.failure(.invalidRequest(reason), idText: nil, into: &out)
                return GatewayResponder.response(out)
            }
            guard server.charge(cost) else { return GatewayResponder.busy(retryAfterMs: 1000) }
        }
        defer { if cost > 0 { server.release(cost) } }
        let headers = fields.map { (name: $0.name, value: $0.value) }
        return GatewayResponder.response(await rpc.reply(to: body, call: call, headers: headers))
    }

    /// About what `body`'s JSON values take once parsed: each value, array or member costs a few dozen bytes
    /// whatever its text (`0,` is two bytes of text and about 48 of `JSONValue`), so it is counted from the
    /// separators and openers (a comma inside a string counts too: the estimate errs high). Measured: a 5 MB
    /// array of zeros raised the peak resident size by about 100 MB per call.
    static func parseCost(_ body: [UInt8]) -> Int {
        var n = 0
        body.withUnsafeBufferPointer { p in
            for b in p where b == UInt8(ascii: ",") || b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { n += 1 }
        }
        return n * 48
    }

    func deadlineResponse() -> ServerResponse { GatewayResponder.response(call.timeoutResponse()) }
    func shutdownResponse() -> ServerResponse { GatewayResponder.response(call.shutdownResponse()) }

    func cancelled(_ reason: HTTPCancellation) {
        switch reason {
        case .deadline: call.cancel(because: .deadline)
        case .clientClosed: call.cancel(because: .clientClosed)
        case .shutdown: call.cancel(because: .shutdown)
        }
    }
}
