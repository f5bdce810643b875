// What every loop of one server shares: configuration, responder, state, per-loop contexts.
import GatewayPosix
import HTTP1
import Logging
import Synchronization

/// Shared by the loops of one server; immutable after start except for atomics.
final class ServerCore: @unchecked Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let state: HTTPServerState
    let logger: Logger
    let timerLimits: ConnectionTimer.Limits
    /// One per loop, created by `start()` before the loop threads exist; each then used by its own loop only.
    var contexts: [LoopContext?]
    private let nextLoop = Atomic<Int>(0)

    init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, state: HTTPServerState, logger: Logger, loops: Int) {
        self.configuration = configuration
        self.responder = responder
        self.state = state
        self.logger = logger
        timerLimits = ConnectionTimer.Limits(
            header: configuration.headerTimeout.nanoseconds, body: configuration.bodyTimeout.nanoseconds,
            idle: configuration.idleTimeout.nanoseconds)
        contexts = Array(repeating: nil, count: loops)
    }

    /// Takes ownership of an accepted descriptor on `context`'s loop.
    func adopt(_ fd: Int32, on context: LoopContext) {
        let open = state.connectionCount.add(1, ordering: .relaxed).newValue
        if open > configuration.maxConnections {
            state.connectionCount.add(-1, ordering: .relaxed)
            var out: [UInt8] = []
            ResponseSerializer.write(
                status: .serviceUnavailable, fields: ["Content-Type": "text/plain; charset=utf-8", "Retry-After": "1"],
                body: Array("too many open connections\n".utf8), date: context.date(), close: true, into: &out)
            _ = try? out.withUnsafeBytes { try Posix.send(fd, $0) }
            Posix.close(fd)
            return
        }
        state.acceptedTotal.add(1, ordering: .relaxed)
        Posix.setNoDelay(fd)
        // The loop that happened to wake accepts; connections are then dealt round-robin, so every core serves
        // (a level-triggered listener shared by all loops otherwise lets one busy loop take nearly all of them).
        let target = contexts.count > 1 ? contexts[nextLoop.add(1, ordering: .relaxed).oldValue % contexts.count]! : context
        if target === context {
            own(fd, on: context)
        } else {
            let core = self
            let index = target.loop.index
            // The context is looked up again on its own thread: only that thread may touch it.
            target.loop.execute { core.own(fd, on: core.contexts[index]!) }
        }
    }

    /// Registers an accepted descriptor with `context`'s loop; runs on that loop's thread.
    private func own(_ fd: Int32, on context: LoopContext) {
        let c = Connection(fd: fd, context: context, now: MonotonicClock.now())
        do {
            try context.loop.register(fd: fd, interest: c.interest, handler: c)
        } catch {
            state.connectionCount.add(-1, ordering: .relaxed)
            c.closed = true
            Posix.close(fd)
            return
        }
        context.add(c)
    }
}
