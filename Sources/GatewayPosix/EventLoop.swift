private import CGatewayLinux
import Synchronization

// An event loop: one thread, one epoll selector, one queue of jobs. Each connection is owned by one loop,
// so its state is touched by that thread only and needs no lock.
#if canImport(Glibc)
    import Glibc
#endif

/// Something registered with a loop's selector; called on the loop thread when its descriptor is ready.
public protocol SelectorHandler: AnyObject {
    func handle(events: SelectorEvents)
}

/// One event-loop thread.
///
/// Swift tasks created with `Task(executorPreference: loop.executor)` run their jobs on this thread,
/// between selector wake-ups, so a handler that finishes without suspending never changes thread.
///
/// - Important: everything not marked thread-safe must be called on the loop thread (`inLoop`).
public final class EventLoop: @unchecked Sendable {
    /// The loop's place in its group, from 0; also in its thread's name.
    public let index: Int
    private let selector: Selector
    private let wakeFD: Int32
    private static let wakeToken = UInt64.max

    /// Per descriptor: the handler and the id of its registration. The epoll data carries both, so an event
    /// still queued for a descriptor that was closed and reused (a new registration) is recognised and dropped.
    private var handlers: [(id: UInt32, handler: any SelectorHandler)?] = []
    private var nextRegistration: UInt32 = 0
    private var localJobs: [UnownedJob] = []
    private let remote = Mutex<Remote>(Remote())
    private struct Remote: ~Copyable {
        var jobs: [UnownedJob] = []
        var closures: [@Sendable () -> Void] = []
        var woken = false
        /// The loop has stopped: jobs go to the global executor, closures are dropped.
        var closed = false
    }

    /// The loop thread's `pthread_self()`, 0 while the loop is not running.
    private let threadID = Atomic<UInt>(0)
    private let stopping = Atomic<Bool>(false)
    private let lastTurn = AtomicInstant()

    /// Called on the loop thread about every `tickInterval` (timeouts sweep).
    public var tick: (() -> Void)?
    /// The clock as read when this turn's events came in: what connection timers and deadlines are checked
    /// against, so the clock is read twice a turn rather than for every event (as nginx does). Loop thread only.
    @exclusivity(unchecked) public private(set) var now = ContinuousClock.now
    /// Time between ticks (the timeout sweep); `tick(noLaterThan:)` brings one forward.
    public var tickInterval: Duration = .milliseconds(50)
    @exclusivity(unchecked) private var nextTick = ContinuousClock.now

    /// Work put off until the next turn, after that turn's events (`executeNextTurn`).
    private var nextTurn: [() -> Void] = []

    /// Runs `body` on the next turn of this loop, after the events that turn brings: a way to continue long
    /// work without holding the loop (unlike `execute`, whose closures run in the same turn). Loop thread only;
    /// dropped if the loop stops first.
    public func executeNextTurn(_ body: @escaping () -> Void) {
        assertInLoop()
        nextTurn.append(body)
    }

    /// Brings the next tick forward to `instant` if it is sooner: a deadline due before the regular tick is
    /// then honoured to the millisecond. Loop thread only.
    public func tick(noLaterThan instant: ContinuousClock.Instant) {
        assertInLoop()
        if instant < nextTick { nextTick = instant }
    }

    /// Runs Swift tasks on this loop's thread. Thread-safe.
    public let executor: LoopExecutor

    init(index: Int) throws(SyscallError) {
        self.index = index
        selector = try Selector()
        let fd = cgw_eventfd()
        if fd < 0 {
            selector.close()
            throw SyscallError(function: "eventfd", errno: cgw_errno())
        }
        wakeFD = fd
        executor = LoopExecutor()
        executor.loop = self
        try selector.register(fd: wakeFD, interest: .read, token: EventLoop.wakeToken)
    }

    /// True on this loop's own thread.
    public var inLoop: Bool {
        let t = threadID.load(ordering: .acquiring)
        return t != 0 && t == UInt(pthread_self())
    }

    /// Stops a debug build when loop-only state is touched from another thread (our bug, not a client's).
    @inline(__always)
    public func assertInLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(inLoop, "loop-only code ran off event loop \(index)", file: file, line: line)
    }

    /// Loop-only, or the loop is not running (before start, after its thread ended).
    @inline(__always)
    func assertInLoopOrStopped(file: StaticString = #fileID, line: UInt = #line) {
        assert(
            inLoop || threadID.load(ordering: .acquiring) == 0, "loop-only code ran off event loop \(index)",
            file: file, line: line)
    }

    /// Time since the loop last turned (zero before it first did); a loop stuck in a handler stops turning.
    /// Thread-safe.
    public var sinceLastTurn: Duration { sinceLastTurn(now: .now) }

    /// Time from the loop's last turn to `now` (zero before it first turned). Thread-safe.
    public func sinceLastTurn(now: ContinuousClock.Instant) -> Duration {
        guard let last = lastTurn.load() else { return .zero }
        return max(.zero, last.duration(to: now))
    }

    // MARK: registration (loop thread)

    /// The epoll data of a registration: its id above the descriptor number.
    static func token(_ fd: Int32, _ id: UInt32) -> UInt64 { UInt64(id) << 32 | UInt64(UInt32(fd)) }

    /// Watches `fd` for `interest` and calls `handler` on this loop when it is ready. Loop thread only.
    ///
    /// - Throws: `SyscallError` from `epoll_ctl`.
    /// - Precondition: `fd` is not registered with this loop already.
    public func register(fd: Int32, interest: SelectorEvents, handler: any SelectorHandler) throws(SyscallError) {
        assertInLoopOrStopped()
        precondition(fd >= 0)
        let i = Int(fd)
        if i >= handlers.count { handlers.append(contentsOf: repeatElement(nil, count: i + 1 - handlers.count)) }
        precondition(handlers[i] == nil, "descriptor \(fd) registered twice with loop \(index)")
        nextRegistration &+= 1
        try selector.register(fd: fd, interest: interest, token: Self.token(fd, nextRegistration))
        handlers[i] = (nextRegistration, handler)
    }

    /// Changes what a registered descriptor is watched for, keeping its registration id. Loop thread only.
    public func reregister(fd: Int32, interest: SelectorEvents) {
        do {
            assertInLoop()
            guard Int(fd) < handlers.count, let h = handlers[Int(fd)] else {
                preconditionFailure("descriptor \(fd) is not registered with loop \(index)")
            }
            try selector.reregister(fd: fd, interest: interest, token: Self.token(fd, h.id))
        } catch {
            preconditionFailure("epoll_ctl(MOD) on a registered descriptor: \(error)")
        }
    }

    /// Forgets `fd`; call before closing it.
    public func deregister(fd: Int32) {
        assertInLoopOrStopped()
        selector.deregister(fd: fd)
        if Int(fd) < handlers.count { handlers[Int(fd)] = nil }
    }

    // MARK: jobs (thread-safe)

    /// Runs `body` on the loop thread soon. Thread-safe.
    ///
    /// - Returns: false when the loop has closed and `body` will never run: the caller must release what it
    ///   carried (a descriptor, a count) itself.
    @discardableResult
    public func execute(_ body: @escaping @Sendable () -> Void) -> Bool {
        remote.withLock { r in
            if r.closed { return false }
            r.closures.append(body)
            // The eventfd is written under the lock, so it cannot be closed (and its number reused) meanwhile.
            if !r.woken { wake() }
            r.woken = true
            return true
        }
    }

    func enqueue(_ job: UnownedJob) {
        if inLoop {
            localJobs.append(job)
            return
        }
        let queued = remote.withLock { r -> Bool in
            if r.closed { return false }
            r.jobs.append(job)
            if !r.woken { wake() }
            r.woken = true
            return true
        }
        if !queued {
            // A task outliving its loop (cancelled work still winding down) finishes on the global pool.
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(wakeFD, $0.baseAddress, 8) }
    }

    /// Asks the loop to stop after its current turn. Thread-safe.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        remote.withLock { r in if !r.closed { wake() } }
    }

    // MARK: the loop

    func run() {
        threadID.store(UInt(pthread_self()), ordering: .releasing)
        // Named, so that top, perf and a debugger show which thread is which.
        cgw_set_thread_name("gateway-loop-\(index)")
        while !stopping.load(ordering: .relaxed) {
            var timeout: Int32 = -1
            if !localJobs.isEmpty || !nextTurn.isEmpty {
                timeout = 0
            } else if tick != nil {
                timeout = Int32(min(ContinuousClock.now.duration(to: nextTick).millisecondsRoundedUp, 1000))
            } else {
                timeout = 1000
            }
            var clockRead = false
            do {
                try selector.wait(timeoutMs: timeout) { token, events in
                    if !clockRead {
                        clockRead = true
                        now = ContinuousClock.now
                    }
                    if token == EventLoop.wakeToken {
                        drainWake()
                    } else {
                        let fd = Int(token & 0xFFFF_FFFF)
                        // An event of an older registration of a reused descriptor number is dropped.
                        if fd < handlers.count, let h = handlers[fd], h.id == UInt32(token >> 32) {
                            h.handler.handle(events: events)
                        }
                    }
                }
            } catch {
                preconditionFailure("epoll_wait: \(error)")
            }
            if !clockRead { now = ContinuousClock.now }
            lastTurn.store(now)
            if !nextTurn.isEmpty {
                let due = nextTurn
                nextTurn = []
                for body in due { body() }
            }
            runJobs()
            if let tick {
                if now >= nextTick {
                    nextTick = now + tickInterval
                    tick()  // may bring the next tick forward again
                    runJobs()
                }
            }
        }
        runJobs()
        // A later thread may get this pthread_t again: it must not pass for the loop.
        threadID.store(0, ordering: .releasing)
    }

    private func drainWake() {
        var value: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &value) { Glibc.read(wakeFD, $0.baseAddress, 8) }
    }

    private func runJobs() {
        // Bounded: jobs queued while running wait for the next turn, so I/O is never starved.
        var rounds = 0
        while rounds < 64 {
            rounds += 1
            let (jobs, closures) = remote.withLock { r -> ([UnownedJob], [@Sendable () -> Void]) in
                r.woken = false
                if r.jobs.isEmpty && r.closures.isEmpty { return ([], []) }
                defer {
                    r.jobs.removeAll(keepingCapacity: true)
                    r.closures.removeAll(keepingCapacity: true)
                }
                return (r.jobs, r.closures)
            }
            for c in closures { c() }
            for j in jobs { j.runSynchronously(on: executor.asUnownedTaskExecutor()) }
            if localJobs.isEmpty {
                if jobs.isEmpty && closures.isEmpty { return }
                continue
            }
            var local: [UnownedJob] = []
            swap(&local, &localJobs)
            for j in local { j.runSynchronously(on: executor.asUnownedTaskExecutor()) }
            if localJobs.isEmpty {
                localJobs = local
                localJobs.removeAll(keepingCapacity: true)
            }
        }
    }

    /// After the thread has ended: later jobs run on the global executor. The eventfd is closed under the same
    /// lock its writers take, so a late `wake()` can never write into a descriptor number reused by someone else.
    func close() {
        let leftover = remote.withLock { r -> [UnownedJob] in
            r.closed = true
            deregister(fd: wakeFD)
            Posix.close(wakeFD)
            defer {
                r.jobs = []
                r.closures = []
            }
            return r.jobs
        }
        for job in leftover + localJobs { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
        localJobs = []
        selector.close()
    }
}

/// The task executor of one event loop.
public final class LoopExecutor: TaskExecutor, @unchecked Sendable {
    // Set once in EventLoop.init before the loop is shared. Strong on purpose: a task may outlive its server,
    // and must still find a loop (closed, forwarding to the global executor) rather than freed memory.
    var loop: EventLoop! = nil

    /// Runs `job` on the loop thread (or, once the loop has closed, on the global executor).
    public func enqueue(_ job: consuming ExecutorJob) {
        loop.enqueue(UnownedJob(job))
    }
}
