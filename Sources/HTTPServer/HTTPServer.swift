public import GatewayPosix
import HTTP1
public import Logging
import Synchronization

// The server: listener, loops, and the shutdown sequence of ARCHITECTURE §4 (docs/ARCHITECTURE.md).
#if canImport(Glibc)
    import Glibc
#endif

/// How long each shutdown phase may take.
public struct ShutdownPlan: Sendable {
    /// Keep serving (and accepting) after readiness fails, so load balancers deregister us.
    public var delay: Duration = .zero
    /// In-flight calls may finish within this, counted from the listener's close.
    public var drainTimeout: Duration = .seconds(20)
    /// After cancelling, unfinished calls must be answered within this.
    public var cancelTimeout: Duration = .seconds(5)

    /// The three windows; together they must fit in the pod's termination grace.
    public init(delay: Duration = .zero, drainTimeout: Duration = .seconds(20), cancelTimeout: Duration = .seconds(5)) {
        self.delay = delay
        self.drainTimeout = drainTimeout
        self.cancelTimeout = cancelTimeout
    }
}

/// What shutdown achieved.
public struct ShutdownReport: Sendable {
    /// Connections closed with an accepted call unanswered.
    public var cutConnections: Int
    /// True when every accepted call got an answer.
    public var clean: Bool { cutConnections == 0 }
}

/// A hand-rolled HTTP/1.1 server on epoll.
///
/// - Important: `start()` once; `shutdown(_:)` once. Calls are thread-safe.
public final class HTTPServer: Sendable {
    /// The settings it was made with (limits of 0 are derived at `start()`).
    public let configuration: HTTPServerConfiguration
    /// Counters and the phase, readable from any thread.
    public let state: HTTPServerState
    let core: ServerCore
    let group: EventLoopGroup
    let logger: Logger
    /// The server's life, one state under one lock: every transition (a second `start()`, a shutdown asked for
    /// before, during or after start, a second signal) is decided in one place.
    private let life = Mutex(Life())
    /// Wakes the shutdown sequence at once when it is asked to skip ahead.
    private let wake = PosixSemaphore()

    private struct Life {
        enum Phase {
            case idle
            /// Binding and starting the loops; a shutdown asked for meanwhile runs as soon as they are up (skipped
            /// ahead at once if it was also escalated).
            case starting(pending: ShutdownPlan?, escalated: Bool)
            case serving
            /// The sequence runs, started at `since`; `escalated` once told to skip ahead.
            case stopping(since: ContinuousClock.Instant, escalated: Bool)
            case stopped(ShutdownReport)
        }
        var phase = Phase.idle
        /// Set while starting; the listening socket is closed by the last loop to let go of it, or at stop.
        var listener: SharedDescriptor?
        var port = 0
        /// Told once, when the phase becomes `.stopped`.
        var callbacks: [@Sendable (ShutdownReport) -> Void] = []

        var report: ShutdownReport? {
            if case .stopped(let r) = phase { r } else { nil }
        }
    }

    /// Creates the loops; nothing is bound until `start()`.
    ///
    /// - Parameters:
    ///   - configuration: listener, limits, timeouts.
    ///   - responder: answers every request, on the connection's loop.
    ///   - logger: for the lifecycle and faults.
    /// - Throws: `SyscallError` when the loops' descriptors cannot be created.
    public convenience init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) throws
    {
        try self.init(configuration: configuration, logger: logger) { _, _ in responder }
    }

    /// Creates the loops, then the responder, which may keep the server's state and loops (readiness reads
    /// both); nothing is bound until `start()`.
    ///
    /// ```swift
    /// let server = try HTTPServer(configuration: config, logger: logger) { state, loops in
    ///     MyResponder(state: state, loops: loops)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - configuration: listener, limits, timeouts.
    ///   - logger: for the lifecycle and faults.
    ///   - makeResponder: builds the responder from the server's state and loops; called once, before `init`
    ///     returns.
    /// - Throws: `SyscallError` when the loops' descriptors cannot be created; what `makeResponder` throws.
    public init(
        configuration: HTTPServerConfiguration, logger: Logger,
        responder makeResponder: (HTTPServerState, [EventLoop]) throws -> any HTTPResponder
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let n = configuration.eventLoops > 0 ? configuration.eventLoops : EventLoopGroup.availableCores
        let group = try EventLoopGroup(threads: n)
        let state = HTTPServerState()
        let responder: any HTTPResponder
        do {
            responder = try makeResponder(state, group.loops)
        } catch {
            group.shutdown()
            throw error
        }
        self.group = group
        self.state = state
        core = ServerCore(configuration: configuration, responder: responder, state: state, logger: logger, loops: n)
    }

    /// The bound port (after `start()`).
    public var port: Int { life.withLock { $0.port } }

    /// The event loops, for liveness checks.
    public var loops: [EventLoop] { group.loops }

    /// Binds, listens and starts the loops. Returns the bound port.
    ///
    /// - Throws: `HTTPServerLifecycleError` when called a second time, or after a shutdown; `SyscallError`
    ///   when the address cannot be bound (the server is then stopped).
    @discardableResult
    public func start() throws -> Int {
        let ready = PosixSemaphore()
        let port = Atomic<Int>(0)
        try beginStart {
            port.store($0, ordering: .releasing)
            ready.post()
        }
        ready.wait()
        return finishStart(port.load(ordering: .acquiring))
    }

    /// Binds, listens and starts the loops, suspending (not blocking a thread of the pool) until every loop
    /// listens. Returns the bound port.
    ///
    /// - Throws: as `start()`.
    @discardableResult
    public func start() async throws -> Int {
        let port = try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int, any Error>) in
            do {
                try beginStart { c.resume(returning: $0) }
            } catch {
                c.resume(throwing: error)
            }
        }
        return finishStart(port)
    }

    /// Ends a server that never served: loops closed, waiters told.
    private func finish(_ report: ShutdownReport) {
        state.setPhase(.stopped)
        group.shutdown()
        stopped(report)
    }

    /// Claims the start, binds, and starts the loops; `whenListening` gets the port once every loop listens.
    private func beginStart(whenListening: @escaping @Sendable (Int) -> Void) throws {
        try life.withLock { l throws(HTTPServerLifecycleError) in
            guard case .idle = l.phase else { throw HTTPServerLifecycleError() }
            l.phase = .starting(pending: nil, escalated: false)
        }
        do {
            try bindAndStartLoops(whenListening: whenListening)
        } catch {
            finish(ShutdownReport(cutConnections: 0))
            throw error
        }
    }

    /// Serving from here on; a shutdown asked for during the start runs now.
    private func finishStart(_ port: Int) -> Int {
        let (pending, escalated) = life.withLock { l -> (ShutdownPlan?, Bool) in
            guard case .starting(let plan, let escalated) = l.phase else { return (nil, false) }
            l.phase = .serving
            return (plan, escalated)
        }
        // With a shutdown pending, readiness never reads "serving": it fails from the first instant (§2).
        state.setPhase(pending == nil ? .serving : .delaying)
        logger.info(
            "listening",
            metadata: [
                "host": "\(configuration.host)", "port": "\(port)", "loops": "\(group.loops.count)",
                "connections.max": "\(core.maxConnections)", "connections.reserve": "\(core.connectionReserve)",
                "memory.budget": "\(core.memoryBudget)",
            ])
        if let pending {
            triggerGracefulShutdown(pending)
            if escalated { escalateShutdown() }
        }
        return port
    }

    private func bindAndStartLoops(whenListening: @escaping @Sendable (Int) -> Void) throws {
        let files = Posix.raiseFileLimit()
        core.deriveLimits(descriptorLimit: files, cgroupMemory: Posix.cgroupMemoryLimit())
        state.connectionCap.store(core.maxConnections, ordering: .relaxed)
        state.budgetBytes.store(core.memoryBudget, ordering: .relaxed)
        state.admissionBytes.store(core.admissionLimit, ordering: .relaxed)
        let (fd, port) = try Posix.listenTCP(
            host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        let socket = SharedDescriptor(Descriptor(owning: fd))
        life.withLock {
            $0.listener = socket
            $0.port = port
        }
        let core = self.core
        // Contexts exist before the threads do, so no loop writes the shared array.
        for loop in group.loops { core.contexts[loop.index] = LoopContext(loop: loop, core: core) }
        let listening = Countdown(group.loops.count)
        group.start { loop in
            let context = core.contexts[loop.index]!
            loop.tick = { context.sweep() }
            do {
                try loop.register(fd: fd, interest: [.read, .exclusive], handler: Listener(fd: fd, context: context))
            } catch {
                preconditionFailure("registering the listener: \(error)")
            }
            if listening.done() { whenListening(port) }
        }
    }

    /// Posts `body` to every loop with its context, without waiting: a loop busy in a handler must not hold
    /// up the shutdown sequence, whose steps are driven by the clock alone.
    private func onEveryLoop(_ body: @escaping @Sendable (LoopContext) -> Void) {
        let core = self.core
        for loop in group.loops {
            loop.execute { if let ctx = core.contexts[loop.index] { body(ctx) } }
        }
    }

    /// Asks a running shutdown sequence to skip to cancelling (a second signal); nothing otherwise.
    public func escalateShutdown() {
        let running = life.withLock { l -> Bool in
            switch l.phase {
            case .stopping(let since, false):
                l.phase = .stopping(since: since, escalated: true)
                return true
            case .starting(let pending?, _):
                // Remembered: the sequence skips ahead as soon as it starts.
                l.phase = .starting(pending: pending, escalated: true)
                return false
            default:
                return false
            }
        }
        if running { wake.post() }
    }

    /// What a request to shut down leads to, decided under the lock.
    private enum ShutdownRequest {
        /// This caller runs the sequence, which started at `since`.
        case run(since: ContinuousClock.Instant)
        /// Not started: nothing to drain, the server is stopped for good.
        case neverStarted
        /// Starting: the sequence runs as soon as the loops are up.
        case deferred
        /// Running or over already.
        case underway
    }

    private func requestShutdown(_ plan: ShutdownPlan) -> ShutdownRequest {
        life.withLock { l in
            switch l.phase {
            case .idle:
                l.phase = .stopping(since: .now, escalated: false)
                return .neverStarted
            case .starting(let pending, let escalated):
                l.phase = .starting(pending: pending ?? plan, escalated: escalated)
                return .deferred
            case .serving:
                let now = ContinuousClock.now
                l.phase = .stopping(since: now, escalated: false)
                return .run(since: now)
            case .stopping, .stopped:
                return .underway
            }
        }
    }

    /// The shutdown sequence (ARCHITECTURE §4); blocks until the loops have stopped. A second call asks the
    /// running sequence to skip ahead, and waits for it.
    ///
    /// 1. Readiness flips (`state.isShuttingDown`); 2. keep serving for `delay`, every response closing its
    /// connection; 3. close the listener; 4. close idle connections, let in-flight calls finish within
    /// `drainTimeout`; 5. cancel what is left and give it `cancelTimeout` to answer; 6. close everything.
    public func shutdown(_ plan: ShutdownPlan) -> ShutdownReport {
        switch requestShutdown(plan) {
        case .run(let since):
            return runShutdown(plan, since: since)
        case .neverStarted:
            finish(ShutdownReport(cutConnections: 0))
            return ShutdownReport(cutConnections: 0)
        case .deferred:
            return waitUntilStoppedBlocking()
        case .underway:
            escalateShutdown()
            return waitUntilStoppedBlocking()
        }
    }

    /// Starts the shutdown sequence on a thread of its own and returns at once; does nothing once it has
    /// started (several parties may ask: the signal thread and the service group). `escalateShutdown()` skips
    /// ahead.
    public func triggerGracefulShutdown(_ plan: ShutdownPlan) {
        switch requestShutdown(plan) {
        case .run(let since):
            let server = self
            PosixThread.detach { _ = server.runShutdown(plan, since: since) }
        case .neverStarted:
            finish(ShutdownReport(cutConnections: 0))
        case .deferred, .underway:
            return
        }
    }

    /// Blocks the calling thread (never a pool thread or a loop) until the sequence run elsewhere has ended.
    private func waitUntilStoppedBlocking() -> ShutdownReport {
        let done = PosixSemaphore()
        whenStopped { _ in done.post() }
        done.wait()
        return shutdownReport ?? ShutdownReport(cutConnections: 0)
    }

    /// The sequence itself, run by the one caller `requestShutdown` chose.
    private func runShutdown(_ plan: ShutdownPlan, since t0: ContinuousClock.Instant) -> ShutdownReport {
        func since() -> String {
            String(t0.duration(to: .now).wholeNanoseconds / 1_000_000) + "ms"
        }
        func phase(_ p: ServerPhase) {
            state.setPhase(p)
            logger.info(
                "shutdown phase",
                metadata: [
                    "phase": "\(p)", "since_signal": "\(since())",
                    "connections.open": "\(state.openConnections)", "calls.in_flight": "\(state.inFlightCalls)",
                ])
        }
        var machine = ShutdownStateMachine(plan)
        var actions = machine.signal(now: t0)
        var escalated = false
        while true {
            for action in actions { perform(action, plan: plan, phase: phase) }
            if machine.state == .stopped { break }
            // The machine is driven by the clock (and the in-flight count), so it ticks every 2 ms; a second
            // signal wakes it at once.
            _ = wake.wait(timeoutMilliseconds: 2)
            let now = ContinuousClock.now
            let escalate = life.withLock { l -> Bool in
                if case .stopping(_, true) = l.phase { true } else { false }
            }
            if !escalated && escalate {
                escalated = true
                actions = machine.escalate(now: now)
            } else {
                actions = machine.tick(now: now, inFlight: state.inFlightCalls, busyConnections: state.busyConnections)
            }
        }
        phase(.stopped)
        // The loops close what is left (posted by `.stop`) and end; one stuck in a blocking handler is given
        // up on, so the process still exits within its budget, and its open connections count as cut.
        let stuck = group.shutdown(timeout: .milliseconds(500))
        // Closed by the last loop to let go of it, unless a loop was stuck or closed before it could.
        life.withLock { $0.listener }?.close()
        if stuck > 0 {
            let open = max(1, state.inFlightCalls)
            state.cutConnections.add(open, ordering: .relaxed)
            logger.error(
                "event loops did not stop in time", metadata: ["loops.stuck": "\(stuck)", "calls.cut": "\(open)"])
        }
        let report = ShutdownReport(cutConnections: state.cutConnectionCount)
        logger.info("stopped", metadata: ["since_signal": "\(since())", "connections.cut": "\(report.cutConnections)"])
        stopped(report)
        return report
    }

    /// Enters `.stopped` and tells everyone waiting, outside the lock.
    private func stopped(_ report: ShutdownReport) {
        let callbacks = life.withLock { l in
            l.phase = .stopped(report)
            defer { l.callbacks = [] }
            return l.callbacks
        }
        for callback in callbacks { callback(report) }
    }

    /// Waits until shutdown has finished.
    public func waitUntilStopped() async -> ShutdownReport {
        await withCheckedContinuation { c in whenStopped { c.resume(returning: $0) } }
    }

    /// Calls `body` once shutdown has finished, on the thread that ran it (at once if it has finished already);
    /// unlike `waitUntilStopped()`, it needs no thread of the cooperative pool.
    public func whenStopped(_ body: @escaping @Sendable (ShutdownReport) -> Void) {
        let done = life.withLock { l -> ShutdownReport? in
            if let r = l.report { return r }
            l.callbacks.append(body)
            return nil
        }
        if let done { body(done) }
    }

    /// The report once stopped, nil before.
    public var shutdownReport: ShutdownReport? { life.withLock { $0.report } }

    /// Carries out one step the state machine decided.
    private func perform(_ action: ShutdownStateMachine.Action, plan: ShutdownPlan, phase: (ServerPhase) -> Void) {
        switch action {
        case .failReadiness:
            phase(.delaying)
        case .closeListener:
            // The accept loop aborts now: the socket stops accepting at once, whatever the loops are doing;
            // each loop then deregisters it, and the last one closes the descriptor.
            if let socket = life.withLock({ $0.listener }) {
                let fd = socket.rawValue
                Posix.shutdownListener(fd)
                let pending = Countdown(group.loops.count)
                onEveryLoop { ctx in
                    ctx.listening = false
                    ctx.pausedListener = nil
                    ctx.loop.deregister(fd: fd)
                    if pending.done() { socket.close() }
                }
            }
            state.drainEnd.store(.now + plan.drainTimeout)
            phase(.draining)
        case .closeIdleConnections:
            onEveryLoop { ctx in for c in ctx.connections { c.beginDrain() } }
        case .cancelCalls:
            phase(.cancelling)
            onEveryLoop { ctx in for c in ctx.connections { c.cancelCall() } }
        case .stop:
            onEveryLoop { ctx in
                for c in ctx.connections where !c.closed { c.closeAtStop() }
            }
        }
    }
}

/// Counts down from `n` across threads; `done()` is true for the call that reaches zero.
final class Countdown: Sendable {
    private let left: Atomic<Int>
    init(_ n: Int) { left = Atomic(n) }
    func done() -> Bool { left.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
}

/// `start()` was called on a server that has started, or been shut down, already.
public struct HTTPServerLifecycleError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var description: String { "the server was started or shut down already: start() runs once, before shutdown" }
}
