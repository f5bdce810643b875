// `gateway serve`: run the server until SIGTERM/SIGINT, then shut down as ARCHITECTURE §4 (docs/ARCHITECTURE.md) says.
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import HTTP1
import HTTPServer
import JSONRPCServer
import GatewayPosix
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the gateway with the built-in `examples` service.
public struct ServeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve JSON-RPC on POST /rpc, probes on /healthz, /livez and /readyz.",
        discussion: "Every option can also be set by an environment variable GATEWAY_<OPTION>, e.g. GATEWAY_PORT=9000.")

    /// Options that may come from `GATEWAY_<NAME>` variables.
    static let environmentOptions = [
        "host", "port", "event-loops", "rpc-path", "max-request-line", "max-header-bytes", "max-header-count",
        "max-body", "header-timeout", "body-timeout", "idle-timeout", "max-connections", "connection-reserve",
        "memory-budget", "max-in-flight", "batch-limit", "batch-concurrency", "max-json-depth", "call-timeout", "shutdown-delay", "drain-timeout", "cancel-timeout",
        "termination-grace", "log-level",
    ]

    @Option(help: "Address to listen on (IPv4 or IPv6 literal).") var host = "127.0.0.1"
    @Option(help: "Port to listen on; 0 picks a free one and prints it.") var port = 8080
    @Option(help: "Event-loop threads (0: one per available CPU).") var eventLoops = 0
    @Option(help: "Path of the JSON-RPC endpoint.") var rpcPath = "/rpc"
    @Option(help: "Longest request line in bytes (else 414).") var maxRequestLine = 8 * 1024
    @Option(help: "Largest header section in bytes (else 431).") var maxHeaderBytes = 16 * 1024
    @Option(help: "Most header fields (else 431).") var maxHeaderCount = 100
    @Option(help: "Largest request body in bytes (else 413).") var maxBody = 5 * 1024 * 1024
    @Option(help: "Time to receive a request head.") var headerTimeout = DurationArgument(.seconds(10))
    @Option(help: "Time to receive a request body.") var bodyTimeout = DurationArgument(.seconds(10))
    @Option(help: "Idle keep-alive connections close after this.") var idleTimeout = DurationArgument(.seconds(60))
    @Option(help: "Most open connections; past it probes still answer, the rest get 503 (0: the descriptor limit less a reserve).")
    var maxConnections = 0
    @Option(help: "Connections accepted past the cap to answer probes and 503s (0: 1/16 of the descriptor limit, 16...1024).")
    var connectionReserve = 0
    @Option(help: "Bytes of requests and responses held at once; bodies past it get 503 before being read (0: half the cgroup memory limit, else 1 GiB). Suffixes K, M, G allowed.")
    var memoryBudget = ByteCountArgument(0)
    @Option(help: "Most calls in flight, each batch entry counted (more get 503 + Retry-After, -32003).") var maxInFlight = 1024
    @Option(help: "Most requests in one batch (never more than --max-in-flight).") var batchLimit = 1000
    @Option(help: "Entries of one batch that run at once.") var batchConcurrency = 32
    @Option(help: "Deepest JSON nesting accepted, envelope and params (at most \(JSONRPCServer.maxDepthLimit)).")
    var maxJsonDepth = 128
    @Option(help: "Default per-call timeout (RPC-Timeout may shorten it).") var callTimeout = DurationArgument(.seconds(30))
    @Option(help: "After SIGTERM, keep serving this long with readiness failed.") var shutdownDelay = DurationArgument(.zero)
    @Option(help: "Time for in-flight calls to finish once the listener is closed.") var drainTimeout = DurationArgument(.seconds(20))
    @Option(help: "Time for cancelled calls to answer after the drain.") var cancelTimeout = DurationArgument(.seconds(5))
    @Option(help: "The pod's terminationGracePeriodSeconds: delay + drain + cancel must fit inside it.")
    var terminationGrace = DurationArgument(.seconds(30))
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be within 0...65535") }
        guard eventLoops >= 0, eventLoops <= 256 else { throw ValidationError("--event-loops must be within 0...256") }
        guard rpcPath.hasPrefix("/"), !["/healthz", "/livez", "/readyz"].contains(rpcPath) else {
            throw ValidationError("--rpc-path must start with / and not be a probe path")
        }
        for (name, v, lo) in [
            ("--max-request-line", maxRequestLine, 64), ("--max-header-bytes", maxHeaderBytes, 256),
            ("--max-header-count", maxHeaderCount, 1), ("--max-body", maxBody, 0),
            ("--max-connections", maxConnections, 0), ("--connection-reserve", connectionReserve, 0),
            ("--memory-budget", memoryBudget.bytes, 0), ("--max-in-flight", maxInFlight, 1),
            ("--batch-limit", batchLimit, 1), ("--batch-concurrency", batchConcurrency, 1), ("--max-json-depth", maxJsonDepth, 2),
        ] where v < lo {
            throw ValidationError("\(name) must be at least \(lo)")
        }
        guard maxJsonDepth <= JSONRPCServer.maxDepthLimit else {
            throw ValidationError(
                "--max-json-depth must be at most \(JSONRPCServer.maxDepthLimit) (deeper nesting could overflow a thread stack)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a level") }
        let budget = shutdownDelay.seconds + drainTimeout.seconds + cancelTimeout.seconds
        let margin = max(1.0, terminationGrace.seconds * 0.05)
        guard budget + margin <= terminationGrace.seconds else {
            throw ValidationError(
                "shutdown budget does not fit: --shutdown-delay \(shutdownDelay) + --drain-timeout \(drainTimeout) + "
                    + "--cancel-timeout \(cancelTimeout) = \(budget)s, plus a margin of \(margin)s, exceeds "
                    + "--termination-grace \(terminationGrace)")
        }
    }

    public func run() throws {
        // SIGTERM and SIGINT are blocked in every thread (GatewayCommand.blockSignals, first thing in main)
        // and taken by sigwait on a thread of their own.

        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "gateway")

        var http = HTTPServerConfiguration()
        http.host = host
        http.port = port
        http.eventLoops = eventLoops
        http.limits.maxRequestLineBytes = maxRequestLine
        http.limits.maxHeaderBytes = maxHeaderBytes
        http.limits.maxHeaderCount = maxHeaderCount
        http.limits.maxBodyBytes = maxBody
        http.headerTimeout = headerTimeout.duration
        http.bodyTimeout = bodyTimeout.duration
        http.idleTimeout = idleTimeout.duration
        http.maxConnections = maxConnections
        http.connectionReserve = connectionReserve
        http.memoryBudget = memoryBudget.bytes

        var rpcConfiguration = JSONRPCServer.Configuration()
        rpcConfiguration.batchLimit = batchLimit
        rpcConfiguration.maxDepth = maxJsonDepth
        rpcConfiguration.maxInFlight = maxInFlight
        rpcConfiguration.batchConcurrency = batchConcurrency
        let rpc = JSONRPCServer(methods: ExamplesService.methods(), configuration: rpcConfiguration, logger: logger)

        let gateway = try Gateway(
            http: http, rpc: rpc, rpcPath: rpcPath, callTimeout: callTimeout.duration, logger: logger)
        let port: Int
        do {
            port = try gateway.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(3)
        }
        let line = "gateway listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)\n"
        _ = line.withCString { Glibc.write(1, $0, strlen($0)) }

        let plan = ShutdownPlan(
            delay: shutdownDelay.duration, drainTimeout: drainTimeout.duration, cancelTimeout: cancelTimeout.duration)
        let server = gateway.server
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: HTTPServerService(server: server, plan: plan))], logger: logger))
        PosixThread.detach {
            var signals = GatewayCommand.shutdownSignals
            var received: Int32 = 0
            sigwait(&signals, &received)
            logger.info("signal received", metadata: ["signal": "\(received == SIGTERM ? "SIGTERM" : "SIGINT")"])
            // Started from this thread, not from a task: when heavy calls keep every thread of the cooperative
            // pool busy, readiness must still flip at once and the budget's clock still start now.
            server.triggerGracefulShutdown(plan)
            Task { await group.triggerGracefulShutdown() }
            // A second signal skips to cancelling the calls still in flight.
            sigwait(&signals, &received)
            logger.warning("second signal: cancelling in-flight calls now")
            server.escalateShutdown()
        }
        // Main waits for the group, or for the server's own end: the group's last steps run on the cooperative
        // pool, which calls still computing may hold past the shutdown budget; the exit must not wait for them.
        let done = Semaphore()
        let groupError = Mutex<(any Error)?>(nil)
        Task.detached {
            do {
                try await group.run()
            } catch {
                groupError.withLock { $0 = error }
            }
            done.post()
        }
        server.whenStopped { _ in done.post() }
        done.wait()
        if server.shutdownReport != nil {
            // Give the group a moment to finish its own bookkeeping, then exit regardless.
            _ = done.wait(timeoutMilliseconds: 300)
        }
        if let error = groupError.withLock({ $0 }) {
            logger.critical("service group failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        if server.shutdownReport?.clean != true { throw ExitCode(1) }
    }
}
