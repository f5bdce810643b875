// The shutdown sequence of ARCHITECTURE §4 (docs/ARCHITECTURE.md) as a pure state machine: events in (signal, clock ticks with counts),
// actions out. The server carries the actions out; tests drive it with an injected clock.

/// Decides, from the time and what is still open, which step of the shutdown sequence comes next.
///
/// 1. `signal` → `.failReadiness` (and the delay starts).
/// 2. When the delay has passed → `.closeListener`, `.closeIdleConnections` (the drain starts).
/// 3. When nothing is in flight and no connection is busy → `.stop`; when the drain budget has passed first →
///    `.cancelCalls` (the cancel window starts).
/// 4. When the cancelled calls are answered, or the cancel window has passed → `.stop`.
/// A second signal (`escalate`) jumps to step 3's cancelling at once.
package struct ShutdownStateMachine: Sendable, Equatable {
    /// The step the sequence is in, with the instant it ends.
    package enum State: Sendable, Equatable {
        case serving
        case delaying(until: ContinuousClock.Instant)
        case draining(until: ContinuousClock.Instant)
        case cancelling(until: ContinuousClock.Instant)
        case stopped
    }

    /// What the server must do now.
    package enum Action: Sendable, Equatable {
        case failReadiness
        case closeListener
        case closeIdleConnections
        case cancelCalls
        /// Close what is left and stop the loops.
        case stop
    }

    /// The delay window.
    package let delay: Duration
    /// The drain window.
    package let drain: Duration
    /// The cancel window.
    package let cancel: Duration
    package private(set) var state = State.serving

    /// A machine with these windows.
    package init(delay: Duration, drain: Duration, cancel: Duration) {
        self.delay = delay
        self.drain = drain
        self.cancel = cancel
    }

    /// The machine for `plan`'s windows.
    package init(_ plan: ShutdownPlan) {
        self.init(delay: plan.delay, drain: plan.drainTimeout, cancel: plan.cancelTimeout)
    }

    /// The first shutdown signal (or a programmatic trigger).
    package mutating func signal(now: ContinuousClock.Instant) -> [Action] {
        guard case .serving = state else { return escalate(now: now) }
        state = .delaying(until: now + delay)
        return [.failReadiness] + endDelayIfDue(now: now)
    }

    /// A second signal: skip what is left of the delay and the drain.
    package mutating func escalate(now: ContinuousClock.Instant) -> [Action] {
        switch state {
        case .serving:
            state = .delaying(until: now)
            return [.failReadiness] + escalate(now: now)
        case .delaying:
            state = .cancelling(until: now + cancel)
            return [.closeListener, .closeIdleConnections, .cancelCalls]
        case .draining:
            state = .cancelling(until: now + cancel)
            return [.cancelCalls]
        case .cancelling, .stopped:
            return []
        }
    }

    private mutating func endDelayIfDue(now: ContinuousClock.Instant) -> [Action] {
        guard case .delaying(let until) = state, now >= until else { return [] }
        state = .draining(until: now + drain)
        return [.closeListener, .closeIdleConnections]
    }

    /// Called often (every few milliseconds) with the current counts.
    package mutating func tick(now: ContinuousClock.Instant, inFlight: Int, busyConnections: Int) -> [Action] {
        let idle = inFlight == 0 && busyConnections <= 0
        switch state {
        case .serving, .stopped:
            return []
        case .delaying:
            // The counts were read before the listener closed: the drain is judged from the next tick on.
            return endDelayIfDue(now: now)
        case .draining(let until):
            if idle {
                state = .stopped
                return [.stop]
            }
            guard now >= until else { return [] }
            state = .cancelling(until: now + cancel)
            return [.cancelCalls]
        case .cancelling(let until):
            guard idle || now >= until else { return [] }
            state = .stopped
            return [.stop]
        }
    }
}
