// Async work from the synchronous commands: the calling thread (main, never a pool thread) blocks on a semaphore.
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

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
