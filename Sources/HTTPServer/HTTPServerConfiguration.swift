// Every knob of the HTTP server, with production defaults.
import HTTP1

/// Where to listen and the limits and timeouts that protect the server from its clients.
public struct HTTPServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port; `HTTPServer.port` tells which.
    public var port = 8080
    /// Event-loop threads; defaults to the CPUs this process may use.
    public var eventLoops = 0
    public var backlog = 4096
    public var limits = HTTPLimits()
    /// From a request's first byte to the end of its head; then 408 and close.
    public var headerTimeout: Duration = .seconds(10)
    /// From the end of the head to the end of the body; then 408 and close.
    public var bodyTimeout: Duration = .seconds(10)
    /// An idle keep-alive connection is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// Open connections at most; more are answered 503 and closed at once.
    public var maxConnections = 10_000
    /// Calls (async replies) in flight at most; more are answered by `HTTPServerState.overloaded`.
    public var maxInFlight = 1024

    public init() {}
}

extension Duration {
    /// Whole nanoseconds, saturating.
    public var nanoseconds: UInt64 {
        let (s, a) = components
        if s < 0 { return 0 }
        let ns = UInt64(s).multipliedReportingOverflow(by: 1_000_000_000)
        if ns.overflow { return .max }
        return ns.partialValue &+ UInt64(max(0, a / 1_000_000_000))
    }
}
