// Every knob of the HTTP server, with production defaults.
public import HTTP1

/// Where to listen and the limits and timeouts that protect the server from its clients.
public struct HTTPServerConfiguration: Sendable {
    /// The address to listen on, IPv4 or IPv6 literal (`0.0.0.0` in a container).
    public var host = "127.0.0.1"
    /// 0 picks a free port; `HTTPServer.port` tells which.
    public var port = 8080
    /// Event-loop threads; defaults to the CPUs this process may use.
    public var eventLoops = 0
    /// The listen backlog: connections the kernel queues before they are accepted.
    public var backlog = 4096
    /// Request line, header and body size limits.
    public var limits = HTTPLimits()
    /// From a request's first byte to the end of its head; then 408 and close.
    public var headerTimeout: Duration = .seconds(10)
    /// From the end of the head to the end of the body; then 408 and close.
    public var bodyTimeout: Duration = .seconds(10)
    /// An idle keep-alive connection is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// Open connections at most; 0 (the default) derives it from the descriptor limit, less a reserve.
    ///
    /// Past the cap, up to `connectionReserve` more connections are still accepted: their probes
    /// (`HTTPResponder.overloaded` returning nil) are answered, anything else gets 503 and a graceful close.
    /// Past that the listener pauses.
    public var maxConnections = 0
    /// Descriptors kept free above the cap for probes and 503s; 0 (the default) picks 1/16 of the descriptor
    /// limit, within 16...1024.
    public var connectionReserve = 0
    /// Bytes of requests and responses the server may hold in buffers at once (unparsed input, bodies being
    /// read and handled, unsent output); 0 (the default) derives it from the cgroup v2 memory limit (half of
    /// it) or else uses 1 GiB. A request whose body would exceed it gets 503 + `Retry-After` before its body is
    /// read.
    public var memoryBudget = 0
    /// Async work for a request body at least this large runs off the loops (`HTTPWorkPlacement.automatic`):
    /// parsing and handling it would keep the loop from turning for more than a millisecond or so.
    public var offLoopBodyBytes = 8 * 1024

    /// Production defaults.
    public init() {}
}
