// State shared by every loop: counters and the shutdown phase, all atomics.
import GatewayPosix
import Synchronization

/// Where the server is in its life (ARCHITECTURE §4).
public enum ServerPhase: UInt8, Sendable, CustomStringConvertible {
    case starting = 0
    case serving = 1
    /// Readiness failed; still accepting, every response closes its connection.
    case delaying = 2
    /// Listener closed; in-flight calls finish.
    case draining = 3
    /// Drain budget spent; remaining calls are cancelled.
    case cancelling = 4
    case stopped = 5

    /// The phase's name, for logs.
    public var description: String {
        switch self {
        case .starting: "starting"
        case .serving: "serving"
        case .delaying: "delaying"
        case .draining: "draining"
        case .cancelling: "cancelling"
        case .stopped: "stopped"
        }
    }
}

/// Counters and the phase, readable from any thread.
public final class HTTPServerState: Sendable {
    let phaseValue = Atomic<UInt8>(ServerPhase.starting.rawValue)
    let connectionCount = Atomic<Int>(0)
    let inFlightCount = Atomic<Int>(0)
    let acceptedTotal = Atomic<Int>(0)
    let cutConnections = Atomic<Int>(0)
    let requestsTotal = Atomic<Int>(0)
    let lingeringCount = Atomic<Int>(0)
    let drainEnd = AtomicInstant()
    let runningCount = Atomic<Int>(0)
    let bufferedBytes = Atomic<Int>(0)
    let budgetBytes = Atomic<Int>(0)
    let admissionBytes = Atomic<Int>(0)
    let connectionCap = Atomic<Int>(0)
    let refusedForMemory = Atomic<Int>(0)
    let refusedForConnections = Atomic<Int>(0)
    let droppedConnections = Atomic<Int>(0)

    /// A server that has not started.
    public init() {}

    /// The part of the memory budget that requests may take (the rest is room for the process itself);
    /// 0 before start, when nothing is charged.
    public var admissionLimit: Int { admissionBytes.load(ordering: .relaxed) }

    /// Charges `bytes` that a request will hold beyond its buffers (the values its body parses into) to the
    /// memory budget. False, with nothing charged, when they do not fit now; `release(_:)` gives them back.
    public func charge(_ bytes: Int) -> Bool {
        let limit = admissionLimit
        guard limit > 0 else { return true }
        if bufferedBytes.add(bytes, ordering: .relaxed).newValue > limit {
            bufferedBytes.add(-bytes, ordering: .relaxed)
            refusedForMemory.add(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back what `charge(_:)` took.
    public func release(_ bytes: Int) {
        if admissionLimit > 0 { bufferedBytes.add(-bytes, ordering: .relaxed) }
    }

    /// Where the server is in its life.
    public var phase: ServerPhase { ServerPhase(rawValue: phaseValue.load(ordering: .acquiring)) ?? .stopped }
    func setPhase(_ p: ServerPhase) { phaseValue.store(p.rawValue, ordering: .releasing) }

    /// Open connections now.
    public var openConnections: Int { connectionCount.load(ordering: .relaxed) }
    /// Async replies not yet answered.
    public var inFlightCalls: Int { inFlightCount.load(ordering: .relaxed) }
    /// Handler tasks still running, including ones already answered (deadline passed) that have not yet
    /// noticed their cancellation: what the in-flight cap bounds.
    public var runningHandlers: Int { runningCount.load(ordering: .relaxed) }
    /// Connections the shutdown had to cut with an accepted call still unanswered (a client's own reset is not a cut).
    public var cutConnectionCount: Int { cutConnections.load(ordering: .relaxed) }
    /// When the drain ends, once shutdown has reached it; in-flight calls are clamped to it.
    public var drainDeadline: ContinuousClock.Instant? { drainEnd.load() }

    /// Bytes of requests and responses held in buffers now (what the memory budget bounds).
    public var bufferedByteCount: Int { bufferedBytes.load(ordering: .relaxed) }
    /// The memory budget in force (bytes), once started.
    public var memoryBudget: Int { budgetBytes.load(ordering: .relaxed) }
    /// The connection cap in force, once started.
    public var maxConnections: Int { connectionCap.load(ordering: .relaxed) }
    /// Requests refused with 503 because their body did not fit in the memory budget.
    public var refusedForMemoryCount: Int { refusedForMemory.load(ordering: .relaxed) }
    /// Requests refused with 503 on a connection accepted beyond the connection cap.
    public var refusedForConnectionsCount: Int { refusedForConnections.load(ordering: .relaxed) }
    /// Connections closed at once, without an answer, because even the reserve above the cap was full.
    public var droppedConnectionCount: Int { droppedConnections.load(ordering: .relaxed) }

    /// Open connections that still owe or are owed something (not merely waiting for the peer's FIN).
    public var busyConnections: Int {
        connectionCount.load(ordering: .relaxed) - lingeringCount.load(ordering: .relaxed)
    }
    /// Connections accepted since start.
    public var acceptedConnections: Int { acceptedTotal.load(ordering: .relaxed) }
    /// Requests answered or started since start.
    public var requestCount: Int { requestsTotal.load(ordering: .relaxed) }

    /// True from the first instant of shutdown: readiness fails, responses carry `Connection: close`.
    public var isShuttingDown: Bool { phaseValue.load(ordering: .relaxed) >= ServerPhase.delaying.rawValue }
}
