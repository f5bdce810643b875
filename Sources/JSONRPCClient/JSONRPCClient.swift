// The client SDK: typed calls, notifications, batches and probes over libcurl, with safe retries.
public import JSONRPC
import Synchronization

/// A JSON-RPC 2.0 client over HTTP/1.1 (libcurl), sharing keep-alive connections between concurrent calls.
///
/// ```swift
/// import GatewayMethods  // Subtract, SubtractParams, Number: the declarations, without the server
/// import JSONRPCClient
///
/// let client = JSONRPCClient(url: "http://127.0.0.1:8080/rpc")
/// let r = try await client.call(Subtract.self, SubtractParams(minuend: 42, subtrahend: 23))  // .int(19)
/// ```
///
/// Retries (bounded, jittered exponential backoff, `Retry-After` honoured) happen only where they are safe:
/// a connection refused or reset before the request went out, HTTP 503 with `Retry-After`, and a -32002 whose
/// handler never started (`data.started: false`); after a connection closed mid-call, or a -32002 whose handler
/// had started, only for methods declared idempotent or calls with an `Idempotency-Key`. A notification that
/// may have been delivered is never sent again. When retries run out, the caller gets the server's last answer
/// if there was one, not the last connection error.
public final class JSONRPCClient: Sendable {
    /// The endpoint every call is posted to.
    public let url: String
    /// Timeouts, retries, connection limits and headers, fixed when the client is created.
    public let configuration: Configuration
    private let engine: CurlEngine
    private let limiter: AsyncLimiter
    private let nextID = Atomic<Int>(1)

    /// Creates a client for the JSON-RPC endpoint at `url` and starts its transfer thread.
    ///
    /// Nothing connects before the first call; connections are then kept open and shared by concurrent calls.
    /// Each client has a thread and connections of its own, which end when it is released: keep one client
    /// per server for the life of the program rather than one per call.
    ///
    /// ```swift
    /// import GatewayMethods
    /// import JSONRPCClient
    ///
    /// var configuration = JSONRPCClient.Configuration()
    /// configuration.callTimeout = .seconds(5)
    /// configuration.bearerToken = "s3cret"
    /// let client = JSONRPCClient(url: "http://127.0.0.1:8080/rpc", configuration: configuration)
    /// let total = try await client.call(Sum.self, [1, 2, 3])  // .int(6)
    /// ```
    ///
    /// - Parameters:
    ///   - url: the full endpoint URL, path included (`http://host:port/rpc`); the probes use its scheme, host
    ///     and port.
    ///   - configuration: timeouts, retries, connection limits and headers.
    public init(url: String, configuration: Configuration = Configuration()) {
        self.url = url
        self.configuration = configuration
        engine = CurlEngine(maxConnections: configuration.maxConnections)
        limiter = AsyncLimiter(limit: configuration.maxConcurrentCalls)
    }

    deinit { engine.stop() }

    // MARK: calls

    /// Calls a typed method and decodes its result.
    ///
    /// - Throws: `JSONRPCClientError`.
    /// - Parameters:
    ///   - idempotencyKey: sent as `Idempotency-Key`; with one, the call may be retried after a connection
    ///     closed mid-call even when the method is not declared idempotent.
    ///   - headers: sent with this call only, after the configuration's.
    public func call<M: JSONRPCMethod>(
        _ method: M.Type, _ params: M.Params, timeout: Duration? = nil, idempotencyKey: String? = nil,
        headers: [(name: String, value: String)] = []
    ) async throws(JSONRPCClientError) -> M.Result {
        let paramsJSON = try encodeParams(params)
        let value = try await rawCall(
            M.name, params: paramsJSON, idempotent: M.isIdempotent, timeout: timeout, idempotencyKey: idempotencyKey,
            headers: headers)
        return try decodeResult(M.Result.self, from: value)
    }

    /// Calls a typed method that takes no params.
    public func call<M: JSONRPCMethod>(
        _ method: M.Type, timeout: Duration? = nil, idempotencyKey: String? = nil,
        headers: [(name: String, value: String)] = []
    ) async throws(JSONRPCClientError) -> M.Result where M.Params == NoParams {
        try await call(method, NoParams(), timeout: timeout, idempotencyKey: idempotencyKey, headers: headers)
    }

    /// Calls a method with untyped params and returns the untyped result.
    public func call(
        _ method: String, params: JSONValue? = nil, idempotent: Bool = false, timeout: Duration? = nil,
        idempotencyKey: String? = nil, headers: [(name: String, value: String)] = []
    ) async throws(JSONRPCClientError) -> JSONValue {
        try await rawCall(
            method, params: params, idempotent: idempotent, timeout: timeout, idempotencyKey: idempotencyKey,
            headers: headers)
    }

    /// Sends a notification (no answer expected; the server answers 204).
    public func notify(_ method: String, params: JSONValue? = nil, timeout: Duration? = nil)
        async throws(JSONRPCClientError)
    {
        let body = Self.requestBody(method: method, params: params, id: nil)
        let r = try await exchange(body: body, idempotent: false, notification: true, timeout: timeout)
        guard r.status == 204 || r.status == 200 else {
            throw JSONRPCClientError(.httpStatus(code: r.status, body: String(decoding: r.body, as: UTF8.self)))
        }
    }

    /// Sends a typed notification.
    public func notify<M: JSONRPCMethod>(_ method: M.Type, _ params: M.Params) async throws(JSONRPCClientError) {
        try await notify(M.name, params: try encodeParams(params))
    }

    // MARK: probes

    /// GET `/healthz` (`Configuration.healthPath`) on the server's base URL: true on 200.
    public func health() async -> Bool { await probe(configuration.healthPath).isOK }
    /// GET `/readyz` (`Configuration.readyPath`): true on 200.
    public func ready() async -> Bool { await probe(configuration.readyPath).isOK }

    /// What a probe found: the HTTP status and body, or why there was none.
    public enum ProbeResult: Sendable, Equatable {
        /// The server answered (200 ok; 503 not ready or unhealthy, with the reasons in the body).
        case status(Int, body: String)
        /// No answer: connection refused, timed out… (`code` is the CURLcode).
        case transport(code: Int, message: String)

        /// True for a 200 answer.
        public var isOK: Bool { if case .status(200, _) = self { true } else { false } }
    }

    /// GET `/healthz`, telling a 503 from a refused connection; bounded by `Configuration.probeTimeout`.
    public func healthStatus() async -> ProbeResult { await probe(configuration.healthPath) }
    /// GET `/readyz?verbose`, telling a 503 (with the failed checks) from a refused connection.
    public func readyStatus() async -> ProbeResult { await probe(configuration.readyPath + "?verbose") }

    /// The scheme, host and port of `url`.
    public var baseURL: String {
        guard let scheme = url.firstIndex(of: ":"), url[scheme...].hasPrefix("://") else { return url }
        let rest = url[url.index(scheme, offsetBy: 3)...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        return String(url[..<end])
    }

    private func probe(_ path: String) async -> ProbeResult {
        let timeout = Self.ms(configuration.probeTimeout)
        let x = HTTPExchange(
            url: baseURL + path, post: false, body: [],
            headers: configuration.headers.map { "\($0.name): \($0.value)" },
            connectTimeoutMs: min(timeout, Self.ms(configuration.connectTimeout)), timeoutMs: timeout,
            userAgent: configuration.userAgent)
        let r = await engine.perform(x)
        if r.curlCode != 0 { return .transport(code: r.curlCode, message: r.curlMessage) }
        return .status(r.status, body: String(decoding: r.body, as: UTF8.self))
    }

    // MARK: internals

    func encodeParams<P: Encodable>(_ params: P) throws(JSONRPCClientError) -> JSONValue? {
        if P.self == NoParams.self { return nil }
        if let v = params as? JSONValue { return v }
        do {
            return try JSONValueEncoder.encode(params)
        } catch {
            throw JSONRPCClientError(.decoding("params: \(error)"))
        }
    }

    func decodeResult<R: Decodable>(_ type: R.Type, from value: JSONValue) throws(JSONRPCClientError) -> R {
        if let v = value as? R { return v }
        do {
            return try JSONValueDecoder.decode(R.self, from: value)
        } catch {
            throw JSONRPCClientError(.decoding("result: \(error)"))
        }
    }

    static func requestBody(method: String, params: JSONValue?, id: Int?) -> [UInt8] {
        var o: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { o["params"] = params }
        if let id { o["id"] = .int(id) }
        return JSONValue.object(o).jsonBytes
    }

    private func rawCall(
        _ method: String, params: JSONValue?, idempotent: Bool, timeout: Duration?, idempotencyKey: String?,
        headers: [(name: String, value: String)] = []
    ) async throws(JSONRPCClientError) -> JSONValue {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let body = Self.requestBody(method: method, params: params, id: id)
        let r = try await exchange(
            body: body, idempotent: idempotent || idempotencyKey != nil, notification: false, timeout: timeout,
            extraHeaders: (idempotencyKey.map { ["Idempotency-Key: \($0)"] } ?? [])
                + headers.map { "\($0.name): \($0.value)" })
        let value = try parseResponse(r)
        return try Self.unwrap(value, attempts: r.attempts)
    }

    static func unwrap(_ value: JSONValue, attempts: Int) throws(JSONRPCClientError) -> JSONValue {
        if let e = value["error"] {
            throw JSONRPCClientError(.rpc(rpcError(e)), attempts: attempts)
        }
        guard let result = value["result"] else {
            throw JSONRPCClientError(.decoding("response has neither result nor error"), attempts: attempts)
        }
        return result
    }

    static func rpcError(_ e: JSONValue) -> JSONRPCError {
        JSONRPCError(code: e["code"]?.intValue ?? -32603, message: e["message"]?.stringValue ?? "", data: e["data"])
    }

    func parseResponse(_ r: AttemptResult) throws(JSONRPCClientError) -> JSONValue {
        guard r.status == 200 else {
            throw JSONRPCClientError(
                .httpStatus(code: r.status, body: String(decoding: r.body, as: UTF8.self)), attempts: r.attempts)
        }
        do {
            return try JSONValue(parsing: r.body)
        } catch {
            throw JSONRPCClientError(.decoding("response is not JSON: \(error)"), attempts: r.attempts)
        }
    }

    struct AttemptResult {
        var status: Int
        var body: [UInt8]
        var attempts: Int
    }

    /// Whole milliseconds, rounded up: a 100 ms timeout is sent as 100, not as 99 after a few microseconds.
    static func ms(_ d: Duration) -> Int {
        let (s, a) = d.components
        let whole = Int(s) * 1000 + Int(a / 1_000_000_000_000_000)
        return max(0, a % 1_000_000_000_000_000 > 0 ? whole + 1 : whole)
    }

    /// Sends `body` with retries where safe; returns the last HTTP response or throws the transport failure.
    func exchange(
        body: [UInt8], idempotent: Bool, notification: Bool, timeout: Duration?, extraHeaders: [String] = []
    ) async throws(JSONRPCClientError) -> AttemptResult {
        do {
            try await limiter.acquire()
        } catch {
            throw JSONRPCClientError(.cancelled)
        }
        defer { limiter.release() }
        let clock = ContinuousClock()
        let deadline = clock.now + (timeout ?? configuration.callTimeout)
        var headers = ["Content-Type: application/json", "Accept: application/json"]
        headers += configuration.headers.map { "\($0.name): \($0.value)" }
        if let token = configuration.bearerToken { headers.append("Authorization: Bearer \(token)") }
        headers += extraHeaders
        var attempt = 0
        var backoff = configuration.retry.initialBackoff
        // The last answer the server itself gave: after failed retries it says more than a connection error.
        var lastAnswer: AttemptResult? = nil
        while true {
            attempt += 1
            let remaining = Self.ms(deadline - clock.now)
            if remaining <= 0 {
                throw JSONRPCClientError(.transport(code: 28, message: "call timeout reached"), attempts: attempt - 1)
            }
            let x = HTTPExchange(
                url: url, post: true, body: body, headers: headers + ["RPC-Timeout: \(remaining)"],
                // A little longer than RPC-Timeout, so that the server's own -32001 answer can arrive.
                connectTimeoutMs: min(remaining, Self.ms(configuration.connectTimeout)), timeoutMs: remaining + 250,
                userAgent: configuration.userAgent)
            let r = await engine.perform(x)
            if Task.isCancelled { throw JSONRPCClientError(.cancelled, attempts: attempt) }
            var retryAfter: Duration? = nil
            let retryable: Bool
            if r.curlCode != 0 {
                retryable = Self.isRetryable(
                    curlCode: r.curlCode, requestSent: r.requestSent, idempotent: idempotent && !notification)
            } else if r.status == 503, let ra = r.retryAfter {
                retryable = true
                retryAfter = ra
            } else if r.status == 200, !notification, Self.isShuttingDownAnswer(r.body, idempotent: idempotent) {
                retryable = true
            } else {
                retryable = false
            }
            if r.curlCode == 0 { lastAnswer = AttemptResult(status: r.status, body: r.body, attempts: attempt) }
            // The last attempt's outcome: its answer, else (a transport failure) the last answer the server gave
            // on an earlier attempt, else the transport error.
            func final() throws(JSONRPCClientError) -> AttemptResult {
                guard r.curlCode != 0 else { return AttemptResult(status: r.status, body: r.body, attempts: attempt) }
                guard var answer = lastAnswer else {
                    throw JSONRPCClientError(.transport(code: r.curlCode, message: r.curlMessage), attempts: attempt)
                }
                answer.attempts = attempt
                return answer
            }
            let outOfAttempts = attempt >= configuration.retry.maxAttempts
            if !retryable || outOfAttempts { return try final() }
            // Full jitter over the current backoff step, never below what Retry-After asks for.
            let jittered = Duration.nanoseconds(Int64.random(in: 0...max(1, Int64(Self.ms(backoff)) * 1_000_000)))
            let wait = max(jittered, retryAfter ?? .zero)
            if clock.now + wait >= deadline { return try final() }
            do {
                try await Task.sleep(for: wait)
            } catch {
                throw JSONRPCClientError(.cancelled, attempts: attempt)
            }
            backoff = min(backoff * 2, configuration.retry.maxBackoff)
        }
    }

    /// Connection refused, or a failure before any request byte went out, is always safe to retry;
    /// a connection lost mid-call only for idempotent calls.
    static func isRetryable(curlCode: Int, requestSent: Bool, idempotent: Bool) -> Bool {
        switch curlCode {
        case 7: return true  // CURLE_COULDNT_CONNECT
        case 52, 55, 56: return !requestSent || idempotent  // GOT_NOTHING, SEND_ERROR, RECV_ERROR
        default: return false
        }
    }

    /// A single response whose error is -32002 (or a batch whose every answer is) that may be sent again:
    /// its handler never started (`data.started` false or absent), or it did and the call is idempotent.
    static func isShuttingDownAnswer(_ body: [UInt8], idempotent: Bool = false) -> Bool {
        guard let v = try? JSONValue(parsing: body) else { return false }
        func retryable(_ e: JSONValue) -> Bool {
            guard e["error"]?["code"]?.intValue == -32002 else { return false }
            return idempotent || e["error"]?["data"]?["started"]?.boolValue != true
        }
        if let a = v.arrayValue {
            return !a.isEmpty && a.allSatisfy(retryable)
        }
        return retryable(v)
    }
}
