import GatewayPosix
import HTTP1
import Logging
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
    public let state = HTTPServerState()
    let core: ServerCore
    let group: EventLoopGroup
    let logger: Logger
    /// The listening socket, registered with every loop; closed by the last loop to let go of it, or at stop.
    private let listener = Mutex<SharedDescriptor?>(nil)
    private let boundPort = Atomic<Int>(0)
    private let shutdownStart = Mutex<UInt64?>(nil)
    /// Where `start()` is, so that a shutdown asked for before or during it is neither lost nor run on loops that
    /// are half started.
    private enum StartState {
        case idle
        case starting(pending: ShutdownPlan?)
        case started
        case refused
    }
    private let startState = Mutex<StartState>(.idle)
    private let escalate = Atomic<Bool>(false)
    private let stopped = Mutex<ShutdownReport?>(nil)
    private let stopWaiters = Mutex<[CheckedContinuation<ShutdownReport, Never>]>([])
    private let stopCallbacks = Mutex<[@Sendable (ShutdownReport) -> Void]>([])

    /// Creates the loops; nothing is bound until `start()`.
    ///
    /// - Parameters:
    ///   - configuration: listener, limits, timeouts.
    ///   - responder: answers every request, on the connection's loop.
    ///   - logger: for the lifecycle and faults.
    /// - Throws: `SyscallError` when the loops' descriptors cannot be created.
    public init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let n = configuration.eventLoops > 0 ? configuration.eventLoops : EventLoopGroup.availableCores
        group = try EventLoopGroup(threads: n)
        core = ServerCore(configuration: configuration, responder: responder, state: state, logger: logger, loops: n)
    }

    /// The bound port (after `start()`).
    public var port: Int { boundPort.load(ordering: .relaxed) }

    /// The event loops, for liveness checks.
    public var loops: [EventLoop] { group.loops }

    /// Binds, listens and starts the loops. Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        try startState.withLock { s throws(HTTPServerLifecycleError) in
            guard case .idle = s else { throw HTTPServerLifecycleError() }
            s = .starting(pending: nil)
        }
        let port: Int
        do {
            port = try bindAndStartLoops()
        } catch {
            startState.withLock { $0 = .refused }
            finish(ShutdownReport(cutConnections: 0))
            throw error
        }
        let pending = startState.withLock { s -> ShutdownPlan? in
            defer { s = .started }
            if case .starting(let p) = s { return p }
            return nil
        }
        if let pending { triggerGracefulShutdown(pending) }
        return port
    }

    /// Ends a server that never served: loops closed, waiters told.
    private func finish(_ report: ShutdownReport) {
        state.setPhase(.stopped)
        group.shutdown()
        stopped.withLock { $0 = report }
        notifyStopped(report)
    }

    private func bindAndStartLoops() throws -> Int {
        let files = Posix.raiseFileLimit()
        core.deriveLimits(descriptorLimit: files, cgroupMemory: Posix.cgroupMemoryLimit())
        state.connectionCap.store(core.maxConnections, ordering: .relaxed)
        state.budgetBytes.store(core.memoryBudget, ordering: .relaxed)
        let (fd, port) = try Posix.listenTCP(
            host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        let socket = SharedDescriptor(Descriptor(owning: fd))
        listener.withLock { $0 = socket }
        boundPort.store(port, ordering: .relaxed)
        let core = self.core
        // Contexts exist before the threads do, so no loop writes the shared array.
        for loop in group.loops { core.contexts[loop.index] = LoopContext(loop: loop, core: core) }
        let ready = PosixSemaphore()
        group.start { loop in
            let context = core.contexts[loop.index]!
            loop.tick = { context.sweep() }
            do {
                try loop.register(fd: fd, interest: [.read, .exclusive], handler: Listener(fd: fd, context: context))
            } catch {
                preconditionFailure("registering the listener: \(error)")
            }
            ready.post()
        }
        for _ in group.loops { ready.wait() }
        state.setPhase(.serving)
        logger.info(
            "listening",
            metadata: [
                "host": "\(configuration.host)", "port": "\(port)", "loops": "\(group.loops.count)",
                "connections.max": "\(core.maxConnections)", "connections.reserve": "\(core.connectionReserve)",
                "memory.budget": "\(core.memoryBudget)",
            ])
        return port
    }

    /// Posts `body` to every loop with its context, without waiting: a loop busy in a handler must not hold
    /// up the shutdown sequence, whose steps are driven by the clock alone.
    private func onEveryLoop(_ body: @escaping @Sendable (LoopContext) -> Void) {
        let core = self.core
        for loop in group.loops {
            loop.execute { if let ctx = core.contexts[loop.index] { body(ctx) } }
        }
    }

    /// Asks a running `shutdown` to skip to cancelling (a second signal).
    public func escalateShutdown() {
        escalate.store(true, ordering: .relaxed)
    }

    /// The shutdown sequence (ARCHITECTURE §4); blocks until the loops have stopped.
    ///
    /// 1. Readiness flips (`state.isShuttingDown`); 2. keep serving for `delay`, every response closing its
    /// connection; 3. close the listener; 4. close idle connections, let in-flight calls finish within
    /// `drainTimeout`; 5. cancel what is left and give it `cancelTimeout` to answer; 6. close everything.
    public func shutdown(_ plan: ShutdownPlan) -> ShutdownReport {
        if deferredUntilStarted(plan) { return waitUntilStoppedBlocking() }
        let first = shutdownStart.withLock { s -> Bool in
            if s != nil { return false }
            s = MonotonicClock.now()
            return true
        }
        guard first else {
            escalateShutdown()
            return waitUntilStoppedBlocking()
        }
        return runShutdown(plan)
    }

    /// Blocks the calling thread (never a pool thread or a loop) until the sequence run elsewhere has ended.
    private func waitUntilStoppedBlocking() -> ShutdownReport {
        let done = PosixSemaphore()
        whenStopped { _ in done.post() }
        done.wait()
        return stopped.withLock { $0 } ?? ShutdownReport(cutConnections: 0)
    }

    /// The sequence itself, once `shutdownStart` is set by its one caller.
    private func runShutdown(_ plan: ShutdownPlan) -> ShutdownReport {
        let t0 = shutdownStart.withLock { $0 } ?? MonotonicClock.now()
        func since() -> String {
            let ms = Double(MonotonicClock.now() - t0) / 1e6
            return String(Int(ms)) + "ms"
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
            usleep(2000)
            let now = MonotonicClock.now()
            if !escalated && escalate.load(ordering: .relaxed) {
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
        listener.withLock { $0 }?.close()
        if stuck > 0 {
            let open = max(1, state.inFlightCalls)
            state.cutConnections.add(open, ordering: .relaxed)
            logger.error(
                "event loops did not stop in time", metadata: ["loops.stuck": "\(stuck)", "calls.cut": "\(open)"])
        }
        let report = ShutdownReport(cutConnections: state.cutConnectionCount)
        logger.info("stopped", metadata: ["since_signal": "\(since())", "connections.cut": "\(report.cutConnections)"])
        stopped.withLock { $0 = report }
        notifyStopped(report)
        return report
    }

    /// Before `start()`: nothing to shut down, the server is refused for good. During `start()`: the shutdown runs
    /// as soon as the loops are up. Returns true when the caller must not run the sequence itself.
    private func deferredUntilStarted(_ plan: ShutdownPlan) -> Bool {
        enum Decision { case run, deferred, neverStarted }
        let decision = startState.withLock { s -> Decision in
            switch s {
            case .idle:
                s = .refused
                return .neverStarted
            case .starting:
                s = .starting(pending: plan)
                return .deferred
            case .started:
                return .run
            case .refused:
                // Never served (or failed to bind): already stopped.
                return .deferred
            }
        }
        switch decision {
        case .run: return false
        case .deferred: return true
        case .neverStarted:
            if shutdownStart.withLock({ s -> Bool in
                if s != nil { return false }
                s = MonotonicClock.now()
                return true
            }) {
                finish(ShutdownReport(cutConnections: 0))
            }
            return true
        }
    }

    private func notifyStopped(_ report: ShutdownReport) {
        for w in stopWaiters.withLock({ w -> [CheckedContinuation<ShutdownReport, Never>] in
            defer { w = [] }
            return w
        }) {
            w.resume(returning: report)
        }
        for callback in stopCallbacks.withLock({ c -> [@Sendable (ShutdownReport) -> Void] in
            defer { c = [] }
            return c
        }) {
            callback(report)
        }
    }

    /// Starts the shutdown sequence on a thread of its own and returns at once; does nothing once it has
    /// started (several parties may ask: the signal thread and the service group). `escalateShutdown()` skips
    /// ahead.
    public func triggerGracefulShutdown(_ plan: ShutdownPlan) {
        if deferredUntilStarted(plan) { return }
        let first = shutdownStart.withLock { s -> Bool in
            if s != nil { return false }
            s = MonotonicClock.now()
            return true
        }
        guard first else { return }
        let server = self
        PosixThread.detach { _ = server.runShutdown(plan) }
    }

    /// Waits until shutdown has finished.
    public func waitUntilStopped() async -> ShutdownReport {
        await withCheckedContinuation { (c: CheckedContinuation<ShutdownReport, Never>) in
            let done = stopped.withLock { r -> ShutdownReport? in
                if let r { return r }
                stopWaiters.withLock { $0.append(c) }
                return nil
            }
            if let done { c.resume(returning: done) }
        }
    }

    /// Calls `body` once shutdown has finished, on the thread that ran it (at once if it has finished already);
    /// unlike `waitUntilStopped()`, it needs no thread of the cooperative pool.
    public func whenStopped(_ body: @escaping @Sendable (ShutdownReport) -> Void) {
        let done = stopped.withLock { r -> ShutdownReport? in
            if let r { return r }
            stopCallbacks.withLock { $0.append(body) }
            return nil
        }
        if let done { body(done) }
    }

    /// The report once stopped, nil before.
    public var shutdownReport: ShutdownReport? { stopped.withLock { $0 } }

    /// Carries out one step the state machine decided.
    private func perform(_ action: ShutdownStateMachine.Action, plan: ShutdownPlan, phase: (ServerPhase) -> Void) {
        switch action {
        case .failReadiness:
            phase(.delaying)
        case .closeListener:
            // The accept loop aborts now: the socket stops accepting at once, whatever the loops are doing;
            // each loop then deregisters it, and the last one closes the descriptor.
            if let socket = listener.withLock({ $0 }) {
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
            state.drainEnd.store(MonotonicClock.now() &+ max(1, plan.drainTimeout.nanoseconds), ordering: .relaxed)
            phase(.draining)
        case .closeIdleConnections:
            onEveryLoop { ctx in for c in ctx.connections { c.beginDrain() } }
        case .cancelCalls:
            phase(.cancelling)
            onEveryLoop { ctx in for c in ctx.connections { c.cancelCall() } }
        case .stop:
            onEveryLoop { ctx in
                for c in ctx.connections where !c.closed { c.abort(cut: c.call != nil) }
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
