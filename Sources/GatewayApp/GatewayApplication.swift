// The one entry point: services and configuration in, `run()` until shut down. `gateway serve` is built on it.
import GatewayPosix
public import HTTPServer
package import JSONRPCServer
public import Logging
public import ServiceLifecycle
import Synchronization

/// A gateway serving your services: bind, start the services, serve, and on SIGTERM run the shutdown sequence
/// (ARCHITECTURE §4), then stop the services.
///
/// ```swift
/// let app = GatewayApplication(
///     configuration: GatewayConfiguration(),
///     setup: GatewaySetup(services: [TodoService()], rpcInterceptors: [RequireToken()]),
///     logger: Logger(label: "todo"))
/// try await app.run()
/// ```
///
/// It is a swift-service-lifecycle `Service`: inside a `ServiceGroup` its graceful shutdown starts the sequence
/// and cancellation escalates it. On its own (`handlesSignals`, the default) it takes SIGTERM and SIGINT as the
/// `gateway` binary does: the first starts the sequence, a second skips to cancelling the calls in flight.
///
/// - Important: `run()` runs once; a second call throws.
public final class GatewayApplication: Service, Sendable {
    private enum State {
        case idle
        /// `run()` is building the servers.
        case building
        case running(Gateway)
        case stopped(Gateway, ShutdownReport?)
    }

    /// The settings `run()` serves with.
    public let configuration: GatewayConfiguration
    /// The services, middleware, routes and readiness checks `run()` serves.
    public let setup: GatewaySetup
    let logger: Logger
    private let onServerRunning: (@Sendable (Int) -> Void)?
    private let state = Mutex<State>(.idle)
    private let servicesStarted = StartedFlag()
    /// A shutdown asked for before the server existed, and callbacks waiting for the server's end.
    private let early = Mutex<(shutdown: Bool, stopped: [@Sendable (ShutdownReport) -> Void])>((false, []))

    /// Creates the application; nothing is bound or started before `run()`.
    ///
    /// ```swift
    /// var configuration = GatewayConfiguration()
    /// configuration.http.port = 9000
    /// let app = GatewayApplication(
    ///     configuration: configuration, setup: GatewaySetup(services: [TodoService()]),
    ///     logger: Logger(label: "todo")
    /// ) { port in print("serving on port \(port)") }
    /// try await app.run()
    /// ```
    ///
    /// - Parameters:
    ///   - configuration: every setting (`GatewayConfiguration.validate()` is checked by `run()`).
    ///   - setup: services, middleware, routes and readiness checks.
    ///   - logger: the gateway's logger; handlers get it with call metadata added.
    ///   - onServerRunning: called with the bound port once the listener is open and every service has started
    ///     (`/readyz` answers 200 from then on, unless a check fails); not called when shutdown began first.
    public init(
        configuration: GatewayConfiguration = GatewayConfiguration(), setup: GatewaySetup, logger: Logger,
        onServerRunning: (@Sendable (Int) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.setup = setup
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    /// The HTTP server while running (and after), nil before `run()` built it.
    public var server: HTTPServer? {
        state.withLock { s in
            switch s {
            case .idle, .building: return nil
            case .running(let g), .stopped(let g, _): return g.server
            }
        }
    }

    /// What the shutdown achieved, once `run()` has returned.
    public var report: ShutdownReport? {
        state.withLock { s in
            if case .stopped(_, let r) = s { return r }
            return nil
        }
    }

    /// Starts the shutdown sequence now, from any thread (no pool thread needed); later calls do nothing.
    public func triggerGracefulShutdown() {
        // Decided under `early`'s lock, which `run()` holds while it makes the server and takes the early
        // requests: a request is either seen by `run()` or sent to the server, never lost in between.
        let server = early.withLock { e -> HTTPServer? in
            if let server = self.server { return server }
            e.shutdown = true
            return nil
        }
        server?.triggerGracefulShutdown(configuration.shutdown)
    }

    /// Calls `body` once the server's shutdown sequence has ended (on the thread that ran it), even while a
    /// service's `start()` or `stop()` is still pending; registered before `run()`, it is kept until the server
    /// exists. `gateway serve` uses it to exit on time whatever the pool is doing.
    public func whenServerStopped(_ body: @escaping @Sendable (ShutdownReport) -> Void) {
        let server = early.withLock { e -> HTTPServer? in
            if let server = self.server { return server }
            e.stopped.append(body)
            return nil
        }
        server?.whenStopped(body)
    }

    /// Binds, starts the services, serves until shut down, stops the services.
    ///
    /// - Throws: `GatewayRunError` when the configuration is invalid, the port cannot be bound or a service's
    ///   `start()` throws; with reason `.alreadyRun` on a second call.
    public func run() async throws {
        do {
            try configuration.validate()
        } catch {
            throw GatewayRunError(.configuration, error)
        }
        // Claimed before anything is built: a second run() must not build (and then shut down) anything.
        guard
            state.withLock({ s -> Bool in
                guard case .idle = s else { return false }
                s = .building
                return true
            })
        else { throw GatewayRunError(.alreadyRun, nil) }
        let gateway: Gateway
        do {
            gateway = try makeGateway()
        } catch {
            state.withLock { $0 = .idle }
            throw error
        }
        let (shutdownEarly, callbacks) = early.withLock { e in
            state.withLock { $0 = .running(gateway) }
            defer { e.stopped = [] }
            return (e.shutdown, e.stopped)
        }
        var report: ShutdownReport? = nil
        defer { state.withLock { $0 = .stopped(gateway, report) } }

        let server = gateway.server
        for c in callbacks { server.whenStopped(c) }
        if shutdownEarly {
            // Asked to stop before serving: nothing to start, nothing to drain.
            report = server.shutdown(configuration.shutdown)
            return
        }
        let port: Int
        do {
            port = try await gateway.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw GatewayRunError(.bind, error)
        }
        let plan = configuration.shutdown
        var signals: ShutdownSignals.Observation? = nil
        // This run's listener goes when it returns: a program that runs gateways in turn keeps none of the old.
        defer { signals?.cancel() }
        if configuration.handlesSignals {
            let count = Atomic<Int>(0)
            let logger = self.logger
            signals = ShutdownSignals.observe { signal in
                if count.add(1, ordering: .relaxed).newValue == 1 {
                    logger.info("signal received", metadata: ["signal": "\(ShutdownSignals.name(signal))"])
                    server.triggerGracefulShutdown(plan)
                } else {
                    logger.warning("second signal: cancelling in-flight calls now")
                    server.escalateShutdown()
                }
            }
        }

        var started: [any GatewayService] = []
        for service in setup.services {
            do {
                try await service.start()
                started.append(service)
            } catch {
                let name = service.namespace ?? String(describing: type(of: service))
                logger.critical("service failed to start", metadata: ["service": "\(name)", "error": "\(error)"])
                report = await stop(
                    server, started, plan: ShutdownPlan(delay: .zero, drainTimeout: .zero, cancelTimeout: .seconds(1)))
                throw GatewayRunError(.serviceStart(name), error)
            }
        }
        servicesStarted.value.store(true, ordering: .releasing)
        if !server.state.isShuttingDown {
            logger.info("ready", metadata: ["services": "\(setup.services.count)", "port": "\(port)"])
            onServerRunning?(port)
        }

        // Serves until the group's graceful shutdown (or a signal, or cancellation, which escalates).
        try await HTTPServerService(server: server, plan: plan).run()
        report = await stop(server, started, plan: plan)
    }

    /// Runs the shutdown sequence (unless it already ran) and then the services' `stop()` hooks, newest first.
    private func stop(_ server: HTTPServer, _ services: [any GatewayService], plan: ShutdownPlan) async
        -> ShutdownReport
    {
        server.triggerGracefulShutdown(plan)
        let report = await server.waitUntilStopped()
        // One budget for every hook together: it is part of the shutdown margin.
        let end = ContinuousClock.now + configuration.stopTimeout
        for service in services.reversed() {
            let name = service.namespace ?? String(describing: type(of: service))
            let left = max(.zero, end - .now)
            let outcome = await ReadinessCheck.withTimeout(left) {
                do {
                    try await service.stop()
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            switch outcome {
            case .none: logger.error("service stop timed out", metadata: ["service": "\(name)"])
            case .some(.some(let error)):
                logger.error("service failed to stop", metadata: ["service": "\(name)", "error": "\(error)"])
            case .some(.none): break
            }
        }
        // The blocking pool's threads end once their jobs have (joined off the pool: a job may still block).
        if let pool = rpcServer.withLock({ $0 }) {
            PosixThread.detach { pool.blockingPool.shutdown() }
        }
        return report
    }

    private let rpcServer = Mutex<JSONRPCServer?>(nil)

    /// The JSON-RPC server of this setup, with every service's methods under its namespace.
    ///
    /// - Throws: `GatewayRunError` (configuration) when two services register the same method name.
    package func makeRPCServer() throws(GatewayRunError) -> JSONRPCServer {
        var table = RPCMethodTable()
        for service in setup.services {
            var own = RPCMethodTable()
            service.register(&own)
            let prefix = service.namespace.map { $0 + "." } ?? ""
            if let clash = own.names.first(where: { table.names.contains(prefix + $0) }) {
                throw GatewayRunError(
                    .configuration, GatewayConfigurationError("method \(prefix + clash) is registered by two services"))
            }
            table.merge(own, prefix: prefix)
        }
        return JSONRPCServer(
            methods: table, interceptors: setup.rpcInterceptors, configuration: configuration.rpc, logger: logger)
    }

    /// The responder `run()` would serve, without a server or sockets (for `GatewayTesting`).
    package func makeResponder(state: HTTPServerState) throws(GatewayRunError) -> any HTTPResponder {
        let readiness = Readiness(
            state: state, loops: [], extra: setup.readinessChecks + setup.services.flatMap(\.readinessChecks))
        return GatewayResponder(
            rpc: try makeRPCServer(), rpcPath: configuration.rpcPath, callTimeout: configuration.callTimeout,
            readiness: readiness, interceptors: setup.httpInterceptors, routes: setup.routes)
    }

    private func makeGateway() throws -> Gateway {
        let rpc = try makeRPCServer()
        rpcServer.withLock { $0 = rpc }
        let started = servicesStarted
        let checks =
            [ReadinessCheck(name: "services") { started.value.load(ordering: .acquiring) ? nil : "starting" }]
            + setup.readinessChecks + setup.services.flatMap(\.readinessChecks)
        do {
            return try Gateway(
                http: configuration.http, rpc: rpc, rpcPath: configuration.rpcPath,
                callTimeout: configuration.callTimeout,
                readinessChecks: checks, httpInterceptors: setup.httpInterceptors, routes: setup.routes, logger: logger)
        } catch {
            throw GatewayRunError(.bind, error)
        }
    }
}

/// Why `GatewayApplication.run()` could not serve.
public struct GatewayRunError: Error, CustomStringConvertible, Sendable {
    /// The step that failed.
    public enum Reason: Sendable, Equatable {
        /// `GatewayConfiguration.validate()` failed, or two services register the same method.
        case configuration
        /// The server could not be created or bound (address in use or not available).
        case bind
        /// The named service's `start()` threw.
        case serviceStart(String)
        /// `run()` was called a second time.
        case alreadyRun
        /// The gateway ended before it served (`withRunningGateway`).
        case notServing
    }
    /// The step that failed.
    public let reason: Reason
    /// The underlying error's description.
    public let detail: String

    /// The gateway ended before it served.
    public static var notServing: GatewayRunError { GatewayRunError(.notServing, nil) }

    init(_ reason: Reason, _ underlying: (any Error)?) {
        self.reason = reason
        detail = underlying.map { "\($0)" } ?? ""
    }

    /// The reason and the detail, for logs and the exit message.
    public var description: String {
        switch reason {
        case .configuration: "invalid configuration: \(detail)"
        case .bind: "cannot start the server: \(detail)"
        case .serviceStart(let name): "service \(name) failed to start: \(detail)"
        case .alreadyRun: "run() was called twice"
        case .notServing: "the gateway ended before it served"
        }
    }
}

private final class StartedFlag: Sendable {
    let value = Atomic<Bool>(false)
}
