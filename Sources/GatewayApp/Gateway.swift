// Wiring: the HTTP server, the JSON-RPC server and readiness, as one object a program can embed.
import HTTP1
public import HTTPServer
public import JSONRPCServer
public import Logging

/// A gateway: an `HTTPServer` answering `POST <rpcPath>` with a `JSONRPCServer`, plus the probes.
public final class Gateway: Sendable {
    /// The HTTP server: listener, event loops, limits and the shutdown sequence.
    public let server: HTTPServer

    /// The JSON-RPC server behind `rpcPath`.
    public let rpc: JSONRPCServer

    /// Assembles the servers; nothing is bound until `start()`. Programs usually use `GatewayApplication`,
    /// which adds services, signals and the lifecycle around this.
    ///
    /// ```swift
    /// let logger = Logger(label: "gateway")
    /// var http = HTTPServerConfiguration()
    /// http.port = 0  // a free port
    /// let rpc = JSONRPCServer(methods: ExamplesService.methods(), logger: logger)
    /// let gateway = try Gateway(http: http, rpc: rpc, logger: logger)
    /// let port = try gateway.start()
    /// // … serve until it is time to stop …
    /// let report = gateway.shutdown(ShutdownPlan(drainTimeout: .seconds(5)))
    /// ```
    ///
    /// - Parameters:
    ///   - http: listener, limits, timeouts.
    ///   - rpc: the methods to serve.
    ///   - rpcPath: the JSON-RPC endpoint.
    ///   - callTimeout: the default deadline of a call (`RPC-Timeout` may shorten it).
    ///   - readinessChecks: added to the built-in `listening` and `shutdown`.
    ///   - httpInterceptors: around requests to `rpcPath` and `routes`.
    ///   - routes: extra endpoints.
    ///   - logger: the server's logger.
    /// - Throws: `SyscallError` when the event loops cannot be created.
    public init(
        http: HTTPServerConfiguration, rpc: JSONRPCServer, rpcPath: String = "/rpc",
        callTimeout: Duration = .seconds(30), readinessChecks: [ReadinessCheck] = [],
        httpInterceptors: [any HTTPInterceptor] = [], routes: [HTTPRoute] = [], logger: Logger
    ) throws {
        self.rpc = rpc
        server = try HTTPServer(configuration: http, logger: logger) { state, loops in
            GatewayResponder(
                rpc: rpc, rpcPath: rpcPath, callTimeout: callTimeout,
                readiness: Readiness(state: state, loops: loops, extra: readinessChecks),
                interceptors: httpInterceptors, routes: routes)
        }
    }

    /// Binds and starts serving; returns the port. Blocks the calling thread until every loop listens.
    public func start() throws -> Int { try server.start() }

    /// Binds and starts serving; returns the port. Suspends, without blocking a thread, until every loop
    /// listens.
    public func start() async throws -> Int { try await server.start() }

    /// Runs the shutdown sequence; blocks until done.
    public func shutdown(_ plan: ShutdownPlan = ShutdownPlan()) -> ShutdownReport { server.shutdown(plan) }
}
