// Client settings: timeouts, concurrency, retries, headers.

extension JSONRPCClient {
    /// When and how often to retry (jittered exponential backoff, `Retry-After` honoured).
    public struct RetryPolicy: Sendable {
        /// Attempts in all, the first included; 1 disables retries.
        public var maxAttempts = 4
        /// The first backoff step: each retry waits a random time up to the step, which then doubles.
        public var initialBackoff: Duration = .milliseconds(50)
        /// The largest backoff step. A `Retry-After` from the server may ask for a longer wait.
        public var maxBackoff: Duration = .seconds(2)

        /// A policy; the defaults allow 4 attempts with steps of 50 ms doubling up to 2 s.
        ///
        /// - Parameters:
        ///   - maxAttempts: attempts in all, the first included; 1 disables retries.
        ///   - initialBackoff: the first backoff step.
        ///   - maxBackoff: the largest backoff step.
        public init(
            maxAttempts: Int = 4, initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(2)
        ) {
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }

        /// One attempt, no retries.
        public static let none = RetryPolicy(maxAttempts: 1)
    }

    /// How a client connects, times out, retries and identifies itself.
    public struct Configuration: Sendable {
        /// Time to establish a TCP connection.
        public var connectTimeout: Duration = .seconds(5)
        /// Per-call time, all attempts included; also sent as `RPC-Timeout` so the server stops when we stop waiting.
        public var callTimeout: Duration = .seconds(30)
        /// Calls in flight at once; more wait their turn.
        public var maxConcurrentCalls = 256
        /// Connections open at most (calls beyond it wait for one); idle ones are kept for reuse.
        public var maxConnections = 64
        /// When and how often a call is retried; only where it is safe (see `JSONRPCClient`).
        public var retry = RetryPolicy()
        /// Sent with every request.
        public var headers: [(name: String, value: String)] = []
        /// Sent as `User-Agent`.
        public var userAgent = "jsonrpc-gateway-client/0.1"
        /// Sent as `Authorization: Bearer <token>`.
        public var bearerToken: String?
        /// Time a probe (`health()`, `ready()`) may take, connecting included.
        public var probeTimeout: Duration = .seconds(2)
        /// Paths of the probes on the server's base URL.
        public var healthPath = "/healthz"
        /// The path of the readiness probe (`ready()`, `readyStatus()`).
        public var readyPath = "/readyz"

        /// The defaults: 5 s to connect, 30 s per call, 256 calls and 64 connections at once, 4 attempts.
        public init() {}
    }
}
