// The listening socket, shared by every loop (EPOLLEXCLUSIVE wakes one loop per connection).
import GatewayPosix
import Logging

/// Accepts connections for one loop; each loop has its own `Listener` over the same descriptor.
final class Listener: SelectorHandler {
    let fd: Int32
    let context: LoopContext
    private var lastLimitLog: UInt64 = 0

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
                let now = MonotonicClock.now()
                if now - lastLimitLog > 1_000_000_000 {
                    lastLimitLog = now
                    context.core.logger.warning("accept failed", metadata: ["error": "\(error)"])
                }
                return
            }
            context.core.adopt(cfd, on: context)
        }
    }
}
