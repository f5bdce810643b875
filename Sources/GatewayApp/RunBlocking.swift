// Async work from the synchronous commands: the calling thread (main, never a pool thread) blocks on a semaphore.
import GatewayPosix
import Synchronization

/// Runs async work from a synchronous command; the calling thread (not in the cooperative pool) blocks.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = PosixSemaphore()
    Task.detached {
        let r = await body()
        result.withLock { $0 = r }
        done.post()
    }
    done.wait()
    return result.withLock { $0! }
}
