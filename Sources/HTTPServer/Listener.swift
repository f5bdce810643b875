import GatewayPosix
import Logging

// The listening socket, shared by every loop (EPOLLEXCLUSIVE wakes one loop per connection).
#if canImport(Glibc)
    import Glibc
#endif

/// Accepts connections for one loop; each loop has its own `Listener` over the same descriptor.
final class Listener: SelectorHandler {
    let fd: Int32
    let context: LoopContext
    private var lastLimitLog: ContinuousClock.Instant?
    /// Out of descriptors: the listener is taken off this loop until then, so level-triggered readiness
    /// does not spin.
    var pausedUntil = ContinuousClock.now

    init(fd: Int32, context: LoopContext) {
        self.fd = fd
        self.context = context
    }

    func handle(events: SelectorEvents) {
        // A bounded batch per wake-up keeps accepting fair to the connections already open.
        for _ in 0..<64 {
            let cfd: Int32
            do {
                switch try Posix.accept(fd) {
                case .wouldBlock: return
                case .processed(let c): cfd = c
                }
            } catch {
                if error.errno == EINVAL {
                    // Shut down by the shutdown sequence: stop listening on this loop until it deregisters.
                    context.loop.deregister(fd: fd)
                    return
                }
                let now = ContinuousClock.now
                if lastLimitLog.map({ $0.duration(to: now) > .seconds(1) }) ?? true {
                    lastLimitLog = now
                    context.core.logger.warning("accept failed", metadata: ["error": "\(error)"])
                }
                if error.errno == EMFILE || error.errno == ENFILE || error.errno == ENOBUFS || error.errno == ENOMEM {
                    context.loop.deregister(fd: fd)
                    pausedUntil = now + .milliseconds(100)
                    context.pausedListener = self
                }
                return
            }
            context.core.adopt(Descriptor(owning: cfd), on: context)
        }
    }
}
