import Synchronization

// Async work from the synchronous commands: the calling thread (main, never a pool thread) blocks on a semaphore.
#if canImport(Glibc)
    import Glibc
#endif

/// Runs async work from a synchronous command; the calling thread (not in the cooperative pool) blocks.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Mutex<T?>(nil)
    let sem = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    sem_init(sem, 0, 0)
    let box = SendablePointer(pointer: sem)
    Task.detached {
        let r = await body()
        result.withLock { $0 = r }
        sem_post(box.pointer)
    }
    while sem_wait(sem) != 0 {}
    sem_destroy(sem)
    sem.deallocate()
    return result.withLock { $0! }
}

struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<sem_t>
}

/// A counting semaphore for threads outside the cooperative pool.
final class Semaphore: @unchecked Sendable {
    private let sem = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init() { sem_init(sem, 0, 0) }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    func post() { sem_post(sem) }

    func wait() { while sem_wait(sem) != 0 {} }

    /// False when the time ran out first.
    func wait(timeoutMilliseconds ms: Int) -> Bool {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        ts.tv_sec += ms / 1000
        ts.tv_nsec += (ms % 1000) * 1_000_000
        if ts.tv_nsec >= 1_000_000_000 {
            ts.tv_sec += 1
            ts.tv_nsec -= 1_000_000_000
        }
        while true {
            if sem_timedwait(sem, &ts) == 0 { return true }
            if errno != EINTR { return false }
        }
    }
}
