// Every setting of a gateway, with production defaults, and the start-up check of the shutdown budget.
public import HTTPServer
public import JSONRPCServer

/// The settings of a `GatewayApplication`: the same ones `gateway serve` takes as flags.
public struct GatewayConfiguration: Sendable {
    /// Listener, connection limits, timeouts, memory budget.
    public var http = HTTPServerConfiguration()
    /// Batch limits, the in-flight cap, JSON depth, the blocking pool.
    public var rpc = JSONRPCServer.Configuration()
    /// Path of the JSON-RPC endpoint.
    public var rpcPath = "/rpc"
    /// Default per-call deadline; `RPC-Timeout` may shorten it.
    public var callTimeout: Duration = .seconds(30)
    /// Delay, drain and cancel windows of the shutdown sequence.
    public var shutdown = ShutdownPlan()
    /// The pod's `terminationGracePeriodSeconds`: the shutdown budget must fit inside it.
    public var terminationGrace: Duration = .seconds(30)
    /// Time for the services' `stop()` hooks, after the cancel step; part of the budget's margin.
    public var stopTimeout: Duration = .milliseconds(500)
    /// Take SIGTERM and SIGINT (a second one escalates), as the `gateway` binary does. Turn off when the
    /// program runs the gateway inside a `ServiceGroup` that handles signals itself.
    public var handlesSignals = true

    /// The defaults given with each property: what `gateway serve` uses without flags.
    public init() {}

    /// The margin kept inside `terminationGrace` beyond delay + drain + cancel: max(1 s, 5 %).
    public var margin: Duration { max(.seconds(1), terminationGrace / 20) }

    /// Checks what cannot work: a shutdown budget that does not fit, a depth beyond the safe maximum.
    ///
    /// - Throws: `GatewayConfigurationError` naming the settings and their values.
    public func validate() throws(GatewayConfigurationError) {
        let budget = shutdown.delay + shutdown.drainTimeout + shutdown.cancelTimeout
        guard budget + margin <= terminationGrace else {
            throw GatewayConfigurationError(
                "shutdown budget does not fit: --shutdown-delay \(shutdown.delay.seconds)s + --drain-timeout "
                    + "\(shutdown.drainTimeout.seconds)s + --cancel-timeout \(shutdown.cancelTimeout.seconds)s = "
                    + "\(budget.seconds)s, plus a margin of \(margin.seconds)s, exceeds --termination-grace "
                    + "\(terminationGrace.seconds)s")
        }
        guard stopTimeout * 2 <= margin else {
            throw GatewayConfigurationError(
                "--stop-timeout \(stopTimeout.seconds)s must be at most half the margin (\(margin.seconds)s) that "
                    + "--termination-grace \(terminationGrace.seconds)s leaves beyond delay + drain + cancel")
        }
        guard rpc.maxDepth >= 2, rpc.maxDepth <= JSONRPCServer.maxDepthLimit else {
            throw GatewayConfigurationError(
                "--max-json-depth must be within 2...\(JSONRPCServer.maxDepthLimit) (deeper nesting could overflow a thread stack)"
            )
        }
        guard rpcPath.hasPrefix("/"), !["/healthz", "/livez", "/readyz", "/metrics"].contains(rpcPath) else {
            throw GatewayConfigurationError("--rpc-path must start with / and not be a probe path")
        }
    }
}

/// A configuration that cannot work, and why.
public struct GatewayConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The settings at fault, their values and the rule they break.
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    /// Seconds as a double, for messages.
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}
