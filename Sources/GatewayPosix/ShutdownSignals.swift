private import CGatewayLinux
import Synchronization

// SIGTERM and SIGINT delivered as events on a thread of their own, for the binary and for embedding programs
// alike: a signal handler writes to a pipe, so it does not matter which thread the kernel picks.
#if canImport(Glibc)
    import Glibc
#endif

/// Routes the shutdown signals to callbacks.
public enum ShutdownSignals {
    private static let listeners = Mutex<[(id: Int, body: @Sendable (Int32) -> Void)]>([])
    private static let nextID = Atomic<Int>(0)
    private static let installed = Atomic<Bool>(false)

    /// A registered listener; `cancel()` removes it (a program that runs several servers in turn keeps none
    /// of the old ones alive).
    public struct Observation: Sendable {
        let id: Int

        /// Stops calling this listener; idempotent.
        public func cancel() {
            ShutdownSignals.listeners.withLock { $0.removeAll { $0.id == id } }
        }
    }

    /// Calls `body` with the signal number (SIGTERM or SIGINT) for every such signal the process receives, on a
    /// thread that belongs to no pool, until the returned observation is cancelled. The first call installs
    /// the handlers (and ignores SIGPIPE); later calls add listeners.
    ///
    /// - Important: this replaces the default action of SIGTERM and SIGINT (ending the process) for good.
    @discardableResult
    public static func observe(_ body: @escaping @Sendable (Int32) -> Void) -> Observation {
        let observation = addListener(body)
        installRouting()
        return observation
    }

    /// Registers `body` without installing the handlers (tests use it: they must not take the test process's
    /// own SIGINT and SIGTERM).
    package static func addListener(_ body: @escaping @Sendable (Int32) -> Void) -> Observation {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        listeners.withLock { $0.append((id: id, body: body)) }
        return Observation(id: id)
    }

    /// How many listeners are registered.
    package static var listenerCount: Int { listeners.withLock { $0.count } }

    private static func installRouting() {
        guard !installed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var fd: Int32 = -1
        precondition(cgw_route_shutdown_signals(&fd) == 0, "installing the shutdown signal handlers failed")
        let readEnd = fd
        PosixThread.detach {
            var byte: UInt8 = 0
            while true {
                let n = Glibc.read(readEnd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                for l in listeners.withLock({ $0 }) { l.body(Int32(byte)) }
            }
        }
    }

    /// The name of a shutdown signal, for logs.
    public static func name(_ signal: Int32) -> String {
        signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "signal \(signal)"
    }
}
