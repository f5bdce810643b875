// A connection's life as a pure state machine: which phase it is in, which timer runs, and what each event
// calls for. No I/O, no clock of its own: `Connection` carries the actions out and passes the time in.

/// The phases of one connection, the timer that bounds each, and the decisions between them.
///
/// ```
/// open ──closing response queued / drain / peer FIN──▶ closing ──output sent, no call──▶ lingering ──peer FIN or
///   │                                                    │                                 linger timeout──▶ closed
///   └──────────── error, timeout, idle at drain ─────────┴──(peer had sent FIN)──────────────────────────▶ closed
/// ```
///
/// - open: requests are read, parsed and answered; the timer is idle, header, body or call.
/// - closing: a response that ends the connection is queued, or the peer has sent FIN: nothing more is parsed
///   (input is read and dropped); once the output is sent and no call is pending, our side half-closes.
/// - lingering: our FIN is out; input is read and dropped until the peer's FIN or the linger timeout, so that
///   unread request bytes do not turn the last response into a reset (RFC 9112 §9.6).
/// - closed: the descriptor is gone.
///
/// A FIN from the peer while a call runs means the client has gone: the call is cancelled (`.cancelCall`) and
/// its answer, still written for a client that only half-closed, is the last.
struct ConnectionStateMachine {
    enum State: Equatable {
        case open
        case closing
        case lingering
        case closed
    }

    /// What a FIN from the peer calls for.
    enum FINAction: Equatable {
        /// Cancel the call in flight; close once its answer is sent.
        case cancelCall
        /// Send what is queued, then close.
        case flushThenClose
        /// Nothing is owed: close now.
        case close
    }

    /// What sending the last queued byte calls for.
    enum DrainedAction: Equatable {
        case none
        /// Shut our side down and linger.
        case halfClose
        /// The peer is gone already: close now.
        case close
    }

    private(set) var state = State.open
    /// The peer sent FIN: nothing more will arrive.
    private(set) var peerClosed = false
    private(set) var timer: ConnectionTimer

    init(limits: ConnectionTimer.Limits, now: ContinuousClock.Instant) {
        timer = ConnectionTimer(limits: limits, now: now)
    }

    /// Requests may be parsed and answered.
    var acceptsRequests: Bool { state == .open }
    /// Input is read only to be dropped.
    var discardsInput: Bool { state == .closing || state == .lingering }
    var isLingering: Bool { state == .lingering }
    var isClosed: Bool { state == .closed }

    /// Whether to read more from an open connection.
    ///
    /// Pipelined input waiting behind a call or behind unsent output is parsed only later, so it is what a
    /// client can pile up: reading stops when 1 MiB of it is buffered, and at once while the server is over its
    /// memory budget (§6). A connection with nothing pending must read its next request to make progress; over
    /// the budget it reads only up to the head limit (`headLimit`: a head can be no larger, so whatever is
    /// buffered past it holds a whole head, which is parsed and so ends the pause), or on with a body admitted
    /// at its head. So that many connections together hold the budget plus about one read each. (`overBudget` reads a shared
    /// counter, so it and `readingBody` are only evaluated where they decide.)
    func wantsInput(
        buffered: Int, callInFlight: Bool, unsentOutput: Int, readingBody: @autoclosure () -> Bool,
        headLimit: Int = 16 * 1024, overBudget: @autoclosure () -> Bool
    ) -> Bool {
        guard acceptsRequests else { return false }
        if callInFlight || unsentOutput > 0 {
            if overBudget() { return false }
            return !(buffered >= 1 << 20 && (callInFlight || unsentOutput > 256 * 1024))
        }
        return buffered <= headLimit || readingBody() || !overBudget()
    }

    // MARK: reading

    /// Parsing stopped for want of bytes: idle, header or body time.
    mutating func waiting(idle: Bool, inBody: Bool, now: ContinuousClock.Instant) {
        timer.waiting(idle: idle, inBody: inBody, now: now)
    }

    /// `100 Continue` was sent.
    mutating func continueSent(now: ContinuousClock.Instant) { timer.continueSent(now: now) }

    /// A request went to async work: its deadline governs, not a connection timer.
    mutating func callStarted() { timer.callStarted() }

    // MARK: writing

    /// A response was queued; `closing` when it ends the connection.
    mutating func responseQueued(closing: Bool, now: ContinuousClock.Instant) {
        if closing && state == .open { state = .closing }
        if state != .lingering { timer.responded(now: now) }
    }

    /// Some queued output was sent and some is left: a reader making progress is not idle.
    mutating func wrote(now: ContinuousClock.Instant) {
        if state != .lingering { timer.wrote(now: now) }
    }

    /// Every queued byte was sent.
    mutating func outputDrained(callInFlight: Bool, now: ContinuousClock.Instant) -> DrainedAction {
        guard state == .closing, !callInFlight else { return .none }
        if peerClosed { return .close }
        state = .lingering
        timer.lingering(now: now)
        return .halfClose
    }

    // MARK: the peer and the server

    /// The peer sent FIN.
    mutating func peerSentFIN(callInFlight: Bool, outputPending: Bool) -> FINAction {
        peerClosed = true
        if state == .lingering { return .close }
        if callInFlight {
            state = .closing
            return .cancelCall
        }
        if outputPending {
            state = .closing
            return .flushThenClose
        }
        return .close
    }

    /// The drain step of a shutdown reached a connection with no request pending: close after what is queued.
    mutating func drainRequested() {
        if state == .open { state = .closing }
    }

    /// The descriptor was closed.
    mutating func didClose() { state = .closed }

    /// What the current timer's expiry calls for at `now` (none while closed).
    func expiry(now: ContinuousClock.Instant) -> ConnectionTimer.Expiry {
        state == .closed ? .none : timer.expiry(now: now)
    }
}
