private import CGatewayLinux
import Synchronization

// A fixed set of event-loop threads.
#if canImport(Glibc)
    import Glibc
#endif

/// Starts `count` event-loop threads and stops them together.
public final class EventLoopGroup: Sendable {
    /// The loops, one thread each once started.
    public let loops: [EventLoop]
    private let threads = Mutex<[pthread_t]>([])
    private let closed = Atomic<Bool>(false)

    /// The number of CPUs this process may run on (its affinity mask), at least 1.
    public static var availableCores: Int { Int(cgw_available_cpus()) }

    /// Creates `count` loops (their epoll and eventfd descriptors); no thread runs until `start`.
    ///
    /// - Throws: `SyscallError` when a descriptor cannot be created.
    public init(threads count: Int) throws(SyscallError) {
        precondition(count > 0, "an event-loop group needs at least one loop")
        var loops: [EventLoop] = []
        for i in 0..<count { loops.append(try EventLoop(index: i)) }
        self.loops = loops
    }

    /// Starts the threads; `configure` runs first on each loop's own thread.
    public func start(configure: @escaping @Sendable (EventLoop) -> Void = { _ in }) {
        for loop in loops {
            let box = Unmanaged.passRetained(
                ThreadStart {
                    configure(loop)
                    loop.run()
                })
            var tid = pthread_t()
            let rc = pthread_create(
                &tid, nil,
                { arg in
                    let start = Unmanaged<ThreadStart>.fromOpaque(arg!).takeRetainedValue()
                    start.body()
                    return nil
                }, box.toOpaque())
            precondition(rc == 0, "pthread_create failed: \(rc)")
            threads.withLock { $0.append(tid) }
        }
    }

    /// Stops every loop and waits for its thread to end, then closes the selectors. Idempotent; also right
    /// for a group whose threads never started (the server failed to bind).
    public func shutdown() {
        for loop in loops { loop.stop() }
        let ts = threads.withLock { t -> [pthread_t] in
            defer { t = [] }
            return t
        }
        for t in ts { pthread_join(t, nil) }
        if !closed.exchange(true, ordering: .relaxed) {
            for loop in loops { loop.close() }
        }
    }

    /// Stops every loop and waits for the threads at most `timeout` in all; returns how many did not stop
    /// in time (stuck in a handler that blocks). Those threads are detached and their loops left open, so
    /// the process can still exit within its shutdown budget.
    @discardableResult
    public func shutdown(timeout: Duration) -> Int {
        for loop in loops { loop.stop() }
        let ts = threads.withLock { t -> [pthread_t] in
            defer { t = [] }
            return t
        }
        let end = ContinuousClock.now + timeout
        var stuck = 0
        for t in ts {
            let left = ContinuousClock.now.duration(to: end).millisecondsRoundedUp
            if cgw_timed_join(t, left) != 0 {
                pthread_detach(t)
                stuck += 1
            }
        }
        if stuck == 0 && !closed.exchange(true, ordering: .relaxed) {
            for loop in loops { loop.close() }
        }
        if stuck > 0 { closed.store(true, ordering: .relaxed) }
        return stuck
    }

    deinit { shutdown() }
}

private final class ThreadStart {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
