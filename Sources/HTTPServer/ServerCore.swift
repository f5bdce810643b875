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
    /// The limits in force, derived by `start()` (before the loop threads exist) where the configuration says 0.
    var maxConnections = 10_000
    var connectionReserve = 64
    var memoryBudget = 1 << 30
    /// Buffered bytes admitted at most: the budget less room for the process's own footprint (runtime, stacks,
    /// per-connection state, parse trees), so that the whole resident size stays within the budget.
    var admissionLimit = (1 << 30) - (64 << 20)

    init(
        configuration: HTTPServerConfiguration, responder: any HTTPResponder, state: HTTPServerState, logger: Logger,
        loops: Int
    ) {
        self.configuration = configuration
        self.responder = responder
        self.state = state
        self.logger = logger
        timerLimits = ConnectionTimer.Limits(
            header: configuration.headerTimeout, body: configuration.bodyTimeout, idle: configuration.idleTimeout)
        contexts = Array(repeating: nil, count: loops)
    }

    /// Fixes the limits the configuration leaves at 0: the connection cap from the descriptor limit less a
    /// reserve (so that 503s and probes still have descriptors), the memory budget from the cgroup.
    func deriveLimits(descriptorLimit: Int, cgroupMemory: Int?) {
        let files = max(64, descriptorLimit)
        connectionReserve =
            configuration.connectionReserve > 0
            ? configuration.connectionReserve : min(1024, max(16, files / 16))
        // Descriptors the process needs besides connections: listener, epoll and eventfd per loop, stdio, logs.
        let own = 16 + 2 * contexts.count
        maxConnections =
            configuration.maxConnections > 0
            ? configuration.maxConnections : max(1, files - connectionReserve - own)
        if configuration.memoryBudget > 0 {
            memoryBudget = configuration.memoryBudget
        } else if let limit = cgroupMemory, limit > 0 {
            memoryBudget = max(16 << 20, limit / 2)
        } else {
            memoryBudget = 1 << 30
        }
        admissionLimit = memoryBudget - min(64 << 20, memoryBudget / 8)
    }

    /// Takes ownership of an accepted descriptor on `context`'s loop.
    func adopt(_ descriptor: consuming Descriptor, on context: LoopContext) {
        let open = state.connectionCount.add(1, ordering: .relaxed).newValue
        state.acceptedTotal.add(1, ordering: .relaxed)
        Posix.setNoDelay(descriptor.rawValue)
        // Beyond the cap, the connection is still served as a Connection so that its 503 is read before a
        // graceful close (not reset with the request unread), and so that probes still answer. Every such
        // connection lives on the first loop, so that when the reserve is full the oldest silent one can be
        // found and closed, whichever loop accepted the newcomer (docs/ARCHITECTURE.md §6).
        if open > maxConnections {
            hand(descriptor, from: context, to: contexts[0]!) { core, descriptor, reserveLoop in
                core.ownOverCap(descriptor, on: reserveLoop)
            }
            return
        }
        // The loop that happened to wake accepts; connections are then dealt round-robin, so every core serves
        // (a level-triggered listener shared by all loops otherwise lets one busy loop take nearly all of them).
        let target =
            contexts.count > 1 ? contexts[nextLoop.add(1, ordering: .relaxed).oldValue % contexts.count]! : context
        hand(descriptor, from: context, to: target) { core, descriptor, target in
            core.own(descriptor, on: target, overCap: false)
        }
    }

    /// Runs `body` with the descriptor on `target`'s loop: at once if that is the current one, else posted.
    private func hand(
        _ descriptor: consuming Descriptor, from context: LoopContext, to target: LoopContext,
        _ body: @escaping @Sendable (ServerCore, consuming Descriptor, LoopContext) -> Void
    ) {
        if target === context {
            body(self, descriptor, context)
            return
        }
        let core = self
        let index = target.loop.index
        let state = self.state
        // Closed and uncounted if the closure never runs: refused by a closed loop, or dropped by one that closes
        // before its turn (the server is stopping).
        let transit = DescriptorInTransit(descriptor) { state.connectionCount.add(-1, ordering: .relaxed) }
        // The context is looked up again on its own thread: only that thread may touch it.
        _ = target.loop.execute {
            body(core, transit.take(), core.contexts[index]!)
        }
    }

    /// Serves a connection accepted beyond the cap, on the first loop, which holds all of them.
    private func ownOverCap(_ descriptor: consuming Descriptor, on context: LoopContext) {
        if state.connectionCount.load(ordering: .relaxed) > maxConnections + connectionReserve {
            // The reserve is full (the count includes this newcomer). Make room by closing its oldest connection that has no call running
            // (typically a silent one), so that a probe arriving now still gets in; if there is none, there
            // is no descriptor to spare for an answer.
            guard let victim = context.overCapConnections.first(where: { $0.call == nil }) else {
                state.connectionCount.add(-1, ordering: .relaxed)
                state.droppedConnections.add(1, ordering: .relaxed)
                descriptor.close()
                return
            }
            victim.finalClose()
            state.droppedConnections.add(1, ordering: .relaxed)
        }
        own(descriptor, on: context, overCap: true)
    }

    /// Registers an accepted descriptor with `context`'s loop; runs on that loop's thread.
    private func own(_ descriptor: consuming Descriptor, on context: LoopContext, overCap: Bool) {
        let c = Connection(descriptor: descriptor, context: context, now: context.loop.now, overCap: overCap)
        do {
            try context.loop.register(fd: c.fd, interest: c.interest, handler: c)
        } catch {
            state.connectionCount.add(-1, ordering: .relaxed)
            c.abandon()
            return
        }
        context.add(c)
        if overCap { context.overCapConnections.append(c) }
    }
}
