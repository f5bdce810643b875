// Client settings: timeouts, concurrency, retries, headers.

extension JSONRPCClient {
    /// When and how often to retry (jittered exponential backoff, `Retry-After` honoured).
    public struct RetryPolicy: Sendable {
        /// Attempts in all, the first included; 1 disables retries.
        public var maxAttempts = 4
        public var initialBackoff: Duration = .milliseconds(50)
        public var maxBackoff: Duration = .seconds(2)

        public init(
            maxAttempts: Int = 4, initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(2)
        ) {
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }

        public static let none = RetryPolicy(maxAttempts: 1)
    }

    public struct Configuration: Sendable {
        /// Time to establish a TCP connection.
        public var connectTimeout: Duration = .seconds(5)
        /// Per-call time, all attempts included; also sent as `RPC-Timeout` so the server stops when we stop waiting.
        public var callTimeout: Duration = .seconds(30)
        /// Calls in flight at once; more wait their turn.
        public var maxConcurrentCalls = 256
        /// Connections open at most (calls beyond it wait for one); idle ones are kept for reuse.
        public var maxConnections = 64
        public var retry = RetryPolicy()
        /// Sent with every request.
        public var headers: [(name: String, value: String)] = []
        public var userAgent = "jsonrpc-gateway-client/0.1"
        /// Sent as `Authorization: Bearer <token>`.
        public var bearerToken: String?
        /// Time a probe (`health()`, `ready()`) may take, connecting included.
        public var probeTimeout: Duration = .seconds(2)
        /// Paths of the probes on the server's base URL.
        public var healthPath = "/healthz"
        public var readyPath = "/readyz"

        public init() {}
    }
}
