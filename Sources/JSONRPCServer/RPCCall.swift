// One HTTP request's worth of JSON-RPC work, kept so a deadline or a shutdown can still answer it.
import JSONRPC
import Synchronization

/// The answers of one request (a call or a batch), filled in as entries finish.
///
/// When the server must answer before the handlers are done (deadline, cancellation at shutdown), it asks
/// for `timeoutResponse()`/`shutdownResponse()`: finished entries keep their answers, the rest get -32001/-32002.
public final class RPCCall: Sendable {
    struct Slot {
        var idText: [UInt8]?
        var answer: [UInt8]?
        var done = false
        /// Its handler was called: at shutdown it may have had effects, so it is not "safe to retry".
        var started = false
    }
    struct State {
        var slots: [Slot] = []
        var isBatch = false
        var prepared = false
        /// A fallback answer (deadline, shutdown) was built: handlers not started by then must not start, or an
        /// entry reported "never started" could still run.
        var sealed = false
    }
    private let state = Mutex(State())
    private let reason = Atomic<UInt8>(CancelReason.none.rawValue)

    /// Why the server cancelled the call's handlers; decides what a handler's `CancellationError` answers.
    public enum CancelReason: UInt8, Sendable {
        /// Not cancelled by the server.
        case none
        /// The caller's deadline passed: -32001.
        case deadline
        /// The client closed its connection: -32006, never "shutting down".
        case clientClosed
        /// The drain budget ran out at shutdown: -32002, with `started` telling whether the handler had begun.
        case shutdown
    }

    /// Records why the call is about to be cancelled; the first reason given stands.
    public func cancel(because r: CancelReason) {
        _ = reason.compareExchange(expected: CancelReason.none.rawValue, desired: r.rawValue, ordering: .relaxed)
    }

    /// Why the call was cancelled, `.none` if it was not.
    public var cancelReason: CancelReason { CancelReason(rawValue: reason.load(ordering: .relaxed)) ?? .none }
    /// When the caller stops waiting, if set.
    public let callDeadline: ContinuousClock.Instant?
    let timeoutMs: Int?
    /// A later, server-wide limit (the end of the drain at shutdown), read each time a handler asks.
    let limit: (@Sendable () -> ContinuousClock.Instant?)?

    /// A record for one request body, to pass to `JSONRPCServer.reply(to:call:headers:)`.
    ///
    /// - Parameters:
    ///   - deadline: when the caller stops waiting.
    ///   - timeoutMs: the timeout the caller asked for, reported in -32001's data.
    ///   - limit: a server-wide bound that may appear later (the drain's end); handlers see the earlier of both.
    public init(
        deadline: ContinuousClock.Instant? = nil, timeoutMs: Int? = nil,
        limit: (@Sendable () -> ContinuousClock.Instant?)? = nil
    ) {
        callDeadline = deadline
        self.timeoutMs = timeoutMs
        self.limit = limit
    }

    /// The deadline handlers see: the call's own, clamped to the server's limit once there is one.
    public var deadline: ContinuousClock.Instant? {
        guard let l = limit?() else { return callDeadline }
        guard let d = callDeadline else { return l }
        return min(d, l)
    }

    /// True once the caller's own deadline has passed.
    var isPastDeadline: Bool { callDeadline.map { ContinuousClock.now >= $0 } ?? false }

    func prepare(ids: [[UInt8]?], isBatch: Bool) {
        state.withLock {
            $0.slots = ids.map { Slot(idText: $0) }
            $0.isBatch = isBatch
            $0.prepared = true
        }
    }

    /// Marks entry `index` started; false when a fallback answer already reported it as not started.
    func start(_ index: Int) -> Bool {
        state.withLock { s in
            if s.sealed { return false }
            s.slots[index].started = true
            return true
        }
    }

    func finish(_ index: Int, answer: [UInt8]?) {
        state.withLock {
            $0.slots[index].answer = answer
            $0.slots[index].done = true
        }
    }

    /// The response for a call whose deadline passed: -32001 for every unfinished entry.
    public func timeoutResponse() -> [UInt8]? {
        fallbackResponse(.deadlineExceeded(timeoutMs))
    }

    /// The response for a call cancelled at shutdown: -32002 for every unfinished entry, `started` telling whether
    /// its handler had begun (`retryable` only when it had not).
    public func shutdownResponse() -> [UInt8]? {
        fallbackResponse(seal: true) { started in .shuttingDown(started: started) }
    }

    private func fallbackResponse(_ error: JSONRPCError) -> [UInt8]? {
        fallbackResponse(seal: false) { _ in error }
    }

    /// - Parameter seal: entries not started by now never start (their answer says so).
    private func fallbackResponse(seal: Bool, _ error: (_ started: Bool) -> JSONRPCError) -> [UInt8]? {
        state.withLock { s in
            if seal { s.sealed = true }
            guard s.prepared else {
                // Not even started: answer as one call without an id.
                var out: [UInt8] = []
                RPCResponseWriter.failure(error(false), idText: nil, into: &out)
                return out
            }
            var answers: [[UInt8]] = []
            for slot in s.slots {
                if slot.done {
                    if let a = slot.answer { answers.append(a) }
                } else if slot.idText != nil {
                    var out: [UInt8] = []
                    RPCResponseWriter.failure(error(slot.started), idText: slot.idText, into: &out)
                    answers.append(out)
                }
            }
            return JSONRPCServer.assemble(answers, isBatch: s.isBatch)
        }
    }
}
