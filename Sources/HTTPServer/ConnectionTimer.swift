// Which timeout a connection is under, and what its expiry means. Pure: the caller passes the time.

/// The one timer a connection runs at any moment (idle, header, body, linger) and what its expiry calls for.
///
/// - idle: between requests, and before the first byte (then bounded by the header timeout, so a connection
///   that never speaks does not hold a slot for the whole idle timeout); expiry closes silently. While a
///   response is being written, every bit of write progress restarts it: a slow reader that keeps reading
///   stays, one that stops reading is cut.
/// - header: from a request's first byte (a leading empty line counts) to the end of its head; expiry answers
///   408 and closes.
/// - body: from the end of the head (or the 100 Continue) to the end of the body; expiry answers 408 and closes.
/// - call: a request is being handled; the call's own deadline applies, not this timer.
/// - linger: our side has half-closed; expiry closes without waiting longer for the peer's FIN.
struct ConnectionTimer: Equatable {
    enum Kind: Equatable { case idle, header, body, call, linger }
    enum Expiry: Equatable { case none, close, requestTimeout }

    struct Limits: Equatable {
        var header: Duration
        var body: Duration
        var idle: Duration
        var linger: Duration = .seconds(2)
    }

    let limits: Limits
    private(set) var kind = Kind.idle
    private(set) var deadline: ContinuousClock.Instant

    init(limits: Limits, now: ContinuousClock.Instant) {
        self.limits = limits
        deadline = now + min(limits.idle, limits.header)
    }

    /// After parsing stopped for want of bytes: idle between requests, header or body time while one is partial.
    /// A timer already running for the same phase is not restarted, so a slow client cannot extend it.
    mutating func waiting(idle: Bool, inBody: Bool, now: ContinuousClock.Instant) {
        if idle {
            set(.idle, now + limits.idle)
        } else if inBody {
            set(.body, now + limits.body)
        } else {
            set(.header, now + limits.header)
        }
    }

    /// `100 Continue` sent: the body's time starts now.
    mutating func continueSent(now: ContinuousClock.Instant) {
        kind = .body
        deadline = now + limits.body
    }

    mutating func callStarted() { kind = .call }

    /// A response was queued and the connection stays open: idle time starts again.
    mutating func responded(now: ContinuousClock.Instant) {
        kind = .idle
        deadline = now + limits.idle
    }

    /// Some of a pending response was sent: a reader making progress is not idle.
    mutating func wrote(now: ContinuousClock.Instant) {
        if kind == .idle { deadline = now + limits.idle }
    }

    mutating func lingering(now: ContinuousClock.Instant) {
        kind = .linger
        deadline = now + limits.linger
    }

    /// What the expiry of the current timer calls for at `now`.
    func expiry(now: ContinuousClock.Instant) -> Expiry {
        guard kind != .call, now >= deadline else { return .none }
        switch kind {
        case .header, .body: return .requestTimeout
        case .idle, .linger, .call: return .close
        }
    }

    private mutating func set(_ k: Kind, _ d: ContinuousClock.Instant) {
        if kind != k {
            kind = k
            deadline = d
        }
    }
}
