// A counting semaphore for threads of our own (main, the shutdown thread): an event to wait for, not a sleep.
private import CGatewayLinux
#if canImport(Glibc)
    import Glibc
#endif

/// A counting semaphore for threads outside the cooperative pool.
public final class PosixSemaphore: @unchecked Sendable {
    private let sem = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    /// A semaphore at zero: the first `wait()` blocks until a `post()`.
    public init() { sem_init(sem, 0, 0) }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    /// Lets one waiter through (now or later). Safe from any thread.
    public func post() { sem_post(sem) }

    /// Blocks the calling thread until a `post()`. Never call it on the cooperative pool or an event loop.
    public func wait() { while sem_wait(sem) != 0 {} }

    /// Like `wait()`, bounded; false when the time ran out first. The bound is on the monotonic clock: setting
    /// the wall clock back (NTP, a resumed VM) does not stretch it.
    public func wait(timeoutMilliseconds ms: Int) -> Bool {
        cgw_sem_timed_wait(sem, ms) == 0
    }
}
