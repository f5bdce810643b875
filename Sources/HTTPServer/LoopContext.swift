// Per-loop state: the connections a loop owns, its read buffer and its cached Date header.
import GatewayPosix
import HTTP1

/// Everything one event loop keeps for its connections. Touched only on that loop's thread.
final class LoopContext {
    let loop: EventLoop
    unowned let core: ServerCore
    var connections: [Connection] = []
    /// Connections accepted beyond the cap, oldest first (few: bounded by the reserve).
    var overCapConnections: [Connection] = []
    /// The listener taken off this loop after running out of descriptors, if any.
    var pausedListener: Listener?
    /// False once shutdown closed the listener.
    var listening = true
    /// One read buffer per loop: idle connections hold no buffer of their own.
    let readBuffer: UnsafeMutableRawBufferPointer
    private var dateSecond = -1
    private var dateText = ""

    init(loop: EventLoop, core: ServerCore) {
        self.loop = loop
        self.core = core
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    /// The `Date` header value, formatted at most once a second.
    func date() -> String {
        let s = WallClock.secondsSinceEpoch()
        if s != dateSecond {
            dateSecond = s
            dateText = HTTPDate.format(secondsSinceEpoch: s)
        }
        return dateText
    }

    func add(_ c: Connection) {
        c.index = connections.count
        connections.append(c)
    }

    func remove(_ c: Connection) {
        if c.overCap, let k = overCapConnections.firstIndex(where: { $0 === c }) { overCapConnections.remove(at: k) }
        let i = c.index
        precondition(i >= 0 && i < connections.count && connections[i] === c, "connection not in its loop's list")
        let last = connections.removeLast()
        if i < connections.count {
            connections[i] = last
            last.index = i
        }
        c.index = -1
    }

    /// Checks every connection's timers; called by the loop about every 50 ms.
    func sweep() {
        let now = loop.now
        if let l = pausedListener, now >= l.pausedUntil {
            pausedListener = nil
            if listening { try? loop.register(fd: l.fd, interest: [.read, .exclusive], handler: l) }
        }
        var i = 0
        var soonest: ContinuousClock.Instant?
        while i < connections.count {
            let c = connections[i]
            c.checkTimers(now: now)
            if let d = c.call?.reply.deadline, !c.closed { soonest = min(soonest ?? d, d) }
            // A closed connection swapped the last one into slot i: look at slot i again.
            if i < connections.count && connections[i] === c { i += 1 }
        }
        if let soonest { loop.tick(noLaterThan: soonest) }
    }
}
