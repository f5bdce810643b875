public import ArgumentParser
import GatewayPosix
import HTTP1
import HTTPServer
import JSONRPCServer
import Logging
import Synchronization

// `gateway serve`: every flag of the gateway, reusable by programs that serve their own services, and the
// command that runs a `GatewayApplication` until SIGTERM/SIGINT (ARCHITECTURE §4, docs/ARCHITECTURE.md).
#if canImport(Glibc)
    import Glibc
#endif

/// Every setting of `gateway serve` as command-line options; each may also come from `GATEWAY_<OPTION>`.
public struct ServeOptions: ParsableArguments {
    /// Options that may come from `GATEWAY_<NAME>` variables.
    public static let environmentOptions = [
        "host", "port", "event-loops", "rpc-path", "max-request-line", "max-header-bytes", "max-header-count",
        "max-body", "header-timeout", "body-timeout", "idle-timeout", "max-connections", "connection-reserve",
        "memory-budget", "max-in-flight", "batch-limit", "batch-concurrency", "max-json-depth", "blocking-threads",
        "blocking-queue", "call-timeout", "shutdown-delay", "drain-timeout", "cancel-timeout", "termination-grace",
        "stop-timeout", "log-level",
    ]

    /// The address to listen on.
    @Option(help: "Address to listen on (IPv4 or IPv6 literal).") public var host = "127.0.0.1"
    /// The port to listen on; 0 picks a free one.
    @Option(help: "Port to listen on; 0 picks a free one and prints it.") public var port = 8080
    /// Event-loop threads; 0 for one per available CPU.
    @Option(help: "Event-loop threads (0: one per available CPU).") public var eventLoops = 0
    /// The path of the JSON-RPC endpoint.
    @Option(help: "Path of the JSON-RPC endpoint.") public var rpcPath = "/rpc"
    /// The longest request line, in bytes.
    @Option(help: "Longest request line in bytes (else 414).") public var maxRequestLine = 8 * 1024
    /// The largest header section, in bytes.
    @Option(help: "Largest header section in bytes (else 431).") public var maxHeaderBytes = 16 * 1024
    /// The most header fields in one request.
    @Option(help: "Most header fields (else 431).") public var maxHeaderCount = 100
    /// The largest request body, in bytes.
    @Option(help: "Largest request body in bytes (else 413).") public var maxBody = 5 * 1024 * 1024
    /// Time to receive a request head.
    @Option(help: "Time to receive a request head.") public var headerTimeout = DurationArgument(.seconds(10))
    /// Time to receive a request body.
    @Option(help: "Time to receive a request body.") public var bodyTimeout = DurationArgument(.seconds(10))
    /// Time an idle keep-alive connection stays open.
    @Option(help: "Idle keep-alive connections close after this.") public var idleTimeout = DurationArgument(
        .seconds(60))
    /// The connection cap; 0 derives it from the descriptor limit.
    @Option(
        help:
            "Most open connections; past it probes still answer, the rest get 503 (0: the descriptor limit less a reserve)."
    )
    public var maxConnections = 0
    /// Connections past the cap kept for probes and 503s; 0 derives it.
    @Option(
        help:
            "Connections accepted past the cap to answer probes and 503s (0: 1/16 of the descriptor limit, 16...1024).")
    public var connectionReserve = 0
    /// Bytes of requests and responses held at once; 0 derives it from the cgroup.
    @Option(
        help:
            "Bytes of requests and responses held at once; bodies past it get 503 before being read (0: half the cgroup memory limit, else 1 GiB). Suffixes K, M, G allowed."
    )
    public var memoryBudget = ByteCountArgument(0)
    /// The most calls in flight, batch entries counted one by one.
    @Option(help: "Most calls in flight, each batch entry counted (more get 503 + Retry-After, -32003).") public
        var maxInFlight = 1024
    /// The most requests in one batch.
    @Option(help: "Most requests in one batch (never more than --max-in-flight).") public var batchLimit = 1000
    /// Entries of one batch that run at once.
    @Option(help: "Entries of one batch that run at once.") public var batchConcurrency = 32
    /// The deepest JSON nesting accepted.
    @Option(help: "Deepest JSON nesting accepted, envelope and params (at most \(JSONRPCServer.maxDepthLimit)).")
    public var maxJsonDepth = 128
    /// Threads of the blocking pool.
    @Option(help: "Threads for blocking work (RPCContext.blocking).") public var blockingThreads = 8
    /// Blocking jobs that may wait for a thread.
    @Option(help: "Blocking jobs that may wait for a thread (more get -32003).") public var blockingQueue = 256
    /// The default per-call deadline.
    @Option(help: "Default per-call timeout (RPC-Timeout may shorten it).") public var callTimeout = DurationArgument(
        .seconds(30))
    /// Time to keep serving after SIGTERM, readiness failed.
    @Option(help: "After SIGTERM, keep serving this long with readiness failed.") public var shutdownDelay =
        DurationArgument(.zero)
    /// Time for in-flight calls to finish once the listener is closed.
    @Option(help: "Time for in-flight calls to finish once the listener is closed.") public var drainTimeout =
        DurationArgument(.seconds(20))
    /// Time for cancelled calls to answer.
    @Option(help: "Time for cancelled calls to answer after the drain.") public var cancelTimeout = DurationArgument(
        .seconds(5))
    /// The pod's termination grace period, which the shutdown budget must fit.
    @Option(help: "The pod's terminationGracePeriodSeconds: delay + drain + cancel must fit inside it.")
    public var terminationGrace = DurationArgument(.seconds(30))
    /// Time for the services' stop hooks.
    @Option(help: "Time for the services' stop hooks after the cancel step (at most half the margin).")
    public var stopTimeout = DurationArgument(.milliseconds(500))
    /// The lowest level logged.
    @Option(help: "trace, debug, info, notice, warning, error or critical.") public var logLevel = "info"

    /// Every option at its default; argument parsing fills them in.
    public init() {}

    /// Refuses values that cannot work (ranges, the shutdown budget) before anything starts.
    ///
    /// - Throws: `ValidationError` naming the flag, which the command line prints with the usage.
    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be within 0...65535") }
        guard eventLoops >= 0, eventLoops <= 256 else { throw ValidationError("--event-loops must be within 0...256") }
        for (name, v, lo) in [
            ("--max-request-line", maxRequestLine, 64), ("--max-header-bytes", maxHeaderBytes, 256),
            ("--max-header-count", maxHeaderCount, 1), ("--max-body", maxBody, 0),
            ("--max-connections", maxConnections, 0), ("--connection-reserve", connectionReserve, 0),
            ("--memory-budget", memoryBudget.bytes, 0), ("--max-in-flight", maxInFlight, 1),
            ("--batch-limit", batchLimit, 1), ("--batch-concurrency", batchConcurrency, 1),
            ("--max-json-depth", maxJsonDepth, 2), ("--blocking-threads", blockingThreads, 1),
            ("--blocking-queue", blockingQueue, 0),
        ] where v < lo {
            throw ValidationError("\(name) must be at least \(lo)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel) is not a level")
        }
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The options as a configuration.
    public var configuration: GatewayConfiguration {
        var c = GatewayConfiguration()
        c.http.host = host
        c.http.port = port
        c.http.eventLoops = eventLoops
        c.http.limits.maxRequestLineBytes = maxRequestLine
        c.http.limits.maxHeaderBytes = maxHeaderBytes
        c.http.limits.maxHeaderCount = maxHeaderCount
        c.http.limits.maxBodyBytes = maxBody
        c.http.headerTimeout = headerTimeout.duration
        c.http.bodyTimeout = bodyTimeout.duration
        c.http.idleTimeout = idleTimeout.duration
        c.http.maxConnections = maxConnections
        c.http.connectionReserve = connectionReserve
        c.http.memoryBudget = memoryBudget.bytes
        c.rpc.batchLimit = batchLimit
        c.rpc.maxDepth = maxJsonDepth
        c.rpc.maxInFlight = maxInFlight
        c.rpc.batchConcurrency = batchConcurrency
        c.rpc.blockingThreads = blockingThreads
        c.rpc.blockingQueueLimit = blockingQueue
        c.rpcPath = rpcPath
        c.callTimeout = callTimeout.duration
        c.shutdown = ShutdownPlan(
            delay: shutdownDelay.duration, drainTimeout: drainTimeout.duration, cancelTimeout: cancelTimeout.duration)
        c.terminationGrace = terminationGrace.duration
        c.stopTimeout = stopTimeout.duration
        return c
    }
}

/// Runs the gateway with the setup given to `GatewayCommand.main(setup:)` (the `examples` service by default).
public struct ServeCommand: ParsableCommand {
    /// The subcommand's name, abstract and help text.
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve JSON-RPC on POST /rpc, probes on /healthz, /livez and /readyz.",
        discussion: "Every option can also be set by an environment variable GATEWAY_<OPTION>, e.g. GATEWAY_PORT=9000.")

    /// What `serve` runs; set by `GatewayCommand.main(setup:)` before the command line is parsed.
    static let setup = Mutex<GatewaySetup?>(nil)

    /// Every flag of `serve`.
    @OptionGroup public var options: ServeOptions

    /// Required by `ParsableCommand`; argument parsing creates the command.
    public init() {}

    /// Serves until SIGTERM or SIGINT, then runs the shutdown sequence and returns.
    ///
    /// - Throws: `ExitCode(3)` when the server cannot be created or bound, `ExitCode(1)` when the run failed
    ///   otherwise or the shutdown had to cut connections.
    public func run() throws {
        let level = Logger.Level(rawValue: options.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "gateway")
        let setup = ServeCommand.setup.withLock { $0 } ?? .examples
        let host = options.host
        // Main waits for run(), or for the server's own end: run()'s last steps need the cooperative pool, which
        // calls still computing may hold past the shutdown budget; the exit must not wait for them.
        let done = PosixSemaphore()
        let app = GatewayApplication(configuration: options.configuration, setup: setup, logger: logger) { port in
            let line = "gateway listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)\n"
            _ = line.withCString { Glibc.write(1, $0, strlen($0)) }
        }
        // The server's end wakes main too, even while a service's start() or stop() hangs.
        app.whenServerStopped { _ in done.post() }
        let failure = Mutex<GatewayRunError?>(nil)
        Task.detached {
            do {
                try await app.run()
            } catch {
                failure.withLock { $0 = error as? GatewayRunError ?? GatewayRunError(.bind, error) }
            }
            done.post()
        }
        done.wait()
        if let server = app.server, server.shutdownReport != nil, app.report == nil {
            // The services' stop hooks run after the server stopped: give them their time, then exit regardless.
            _ = done.wait(timeoutMilliseconds: Int(options.stopTimeout.seconds * 1000) + 300)
        }
        if let error = failure.withLock({ $0 }) {
            logger.critical("gateway failed", metadata: ["error": "\(error)"])
            throw ExitCode(error.reason == .bind ? 3 : 1)
        }
        if app.server?.shutdownReport?.clean != true { throw ExitCode(1) }
    }
}
