import JSONRPC
import Synchronization

// A bounded pool of threads for work that blocks (a synchronous driver, file I/O, a C library): such work must
// never run on an event loop or on Swift's cooperative pool, where it would stall every other call.
#if canImport(Glibc)
    import Glibc
#endif

/// Threads of its own for blocking calls, with a bounded queue.
///
/// Handlers reach it through `RPCContext.blocking(_:)`. When every thread is busy and the queue is full, a call
/// fails at once with -32003 (server busy), so blocking work cannot pile up without bound.
public final class BlockingPool: @unchecked Sendable {
    /// Threads in the pool.
    public let threadCount: Int
    /// Jobs that may wait for a thread; more are refused.
    public let queueLimit: Int

    private final class Job: @unchecked Sendable {
        enum State: UInt8 { case queued, running, cancelled }
        let state = Atomic<UInt8>(State.queued.rawValue)
        let body: () -> Void
        let cancelled: () -> Void
        init(body: @escaping () -> Void, cancelled: @escaping () -> Void) {
            self.body = body
            self.cancelled = cancelled
        }
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue: [Job] = []
    private var head = 0
    private var stopping = false
    private var threads: [pthread_t] = []
    private let runningCount = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)

    private var idle = 0

    /// A pool of at most `threads` threads, started as work arrives (a server that never blocks starts none).
    public init(threads: Int = 8, queueLimit: Int = 256) {
        precondition(threads > 0 && queueLimit >= 0, "a blocking pool needs a thread and a non-negative queue limit")
        threadCount = threads
        self.queueLimit = queueLimit
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Starts one more worker; called with the mutex held.
    private func spawn() {
        let box = Unmanaged.passRetained(WorkerStart(pool: self, index: threads.count))
        var tid = pthread_t()
        let rc = pthread_create(
            &tid, nil,
            { arg in
                let start = Unmanaged<WorkerStart>.fromOpaque(arg!).takeRetainedValue()
                start.pool.work(index: start.index)
                return nil
            }, box.toOpaque())
        precondition(rc == 0, "pthread_create failed: \(rc)")
        threads.append(tid)
    }

    private final class WorkerStart {
        let pool: BlockingPool
        let index: Int
        init(pool: BlockingPool, index: Int) {
            self.pool = pool
            self.index = index
        }
    }

    /// Jobs waiting for a thread now.
    public var queuedJobs: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return queue.count - head
    }

    /// Jobs running now.
    public var runningJobs: Int { runningCount.load(ordering: .relaxed) }

    /// Jobs refused because the queue was full, since start.
    public var refusedJobs: Int { refusedCount.load(ordering: .relaxed) }

    /// Runs `body` on a pool thread and returns its result.
    ///
    /// - Throws: `JSONRPCError.serverBusy` when the queue is full; `CancellationError` when the task is
    ///   cancelled before a thread took the job (a job already running is not interrupted); what `body` throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let outcome = Mutex<CheckedContinuation<T, any Error>?>(nil)
        let job = Job(
            body: {
                let result = Result { try body() }
                outcome.withLock { $0.take() }?.resume(with: result)
            },
            cancelled: { outcome.withLock { $0.take() }?.resume(throwing: CancellationError()) })
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
                outcome.withLock { $0 = c }
                if Task.isCancelled {
                    job.state.store(Job.State.cancelled.rawValue, ordering: .relaxed)
                    job.cancelled()
                    return
                }
                if !enqueue(job) {
                    refusedCount.add(1, ordering: .relaxed)
                    outcome.withLock { $0.take() }?.resume(throwing: JSONRPCError.serverBusy(retryAfterMs: 100))
                }
            }
        } onCancel: {
            if job.state.compareExchange(
                expected: Job.State.queued.rawValue, desired: Job.State.cancelled.rawValue, ordering: .relaxed
            ).exchanged {
                remove(job)
                job.cancelled()
            }
        }
    }

    private func enqueue(_ job: Job) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if stopping { return false }
        // A job waits only if no thread is free to take it right away.
        let waiting = queue.count - head
        if waiting >= queueLimit && waiting + runningCount.load(ordering: .relaxed) >= threadCount { return false }
        queue.append(job)
        // A thread for every waiting job while the pool may grow: `idle` still counts threads that were woken but
        // have not taken their job yet, so compare with the jobs waiting, not with zero.
        if queue.count - head > idle && threads.count < threadCount { spawn() }
        pthread_cond_signal(condition)
        return true
    }

    /// Takes a cancelled job out of the queue, so that it no longer holds a place there.
    private func remove(_ job: Job) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let i = queue[head...].firstIndex(where: { $0 === job }) { queue.remove(at: i) }
    }

    private func work(index: Int) {
        while true {
            pthread_mutex_lock(mutex)
            while head == queue.count && !stopping {
                idle += 1
                pthread_cond_wait(condition, mutex)
                idle -= 1
            }
            if head == queue.count && stopping {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = queue[head]
            head += 1
            if head > 64 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            pthread_mutex_unlock(mutex)
            guard
                job.state.compareExchange(
                    expected: Job.State.queued.rawValue, desired: Job.State.running.rawValue, ordering: .relaxed
                ).exchanged
            else { continue }
            runningCount.add(1, ordering: .relaxed)
            job.body()
            runningCount.subtract(1, ordering: .relaxed)
        }
    }

    deinit {
        // Workers hold the pool; it ends only once shut down and joined.
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Lets queued jobs finish and ends the threads; later jobs are refused. Blocks until the threads end.
    public func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        let ts = threads
        threads = []
        pthread_mutex_unlock(mutex)
        for t in ts { pthread_join(t, nil) }
    }
}
