// The shutdown sequence with an injected clock: each step at its time, nothing early, nothing skipped.
import Testing

@testable import HTTPServer

struct ShutdownStateMachineTests {
    /// The injected clock: instants whole seconds after an arbitrary origin.
    let origin = ContinuousClock.now
    func at(_ seconds: Int) -> ContinuousClock.Instant { origin + .seconds(seconds) }
    func machine(delay: Int, drain: Int, cancel: Int) -> ShutdownStateMachine {
        ShutdownStateMachine(delay: .seconds(delay), drain: .seconds(drain), cancel: .seconds(cancel))
    }

    @Test func readiness_flips_at_the_signal_and_the_listener_closes_after_the_delay() {
        var m = machine(delay: 5, drain: 20, cancel: 5)
        #expect(m.signal(now: at(100)) == [.failReadiness])
        #expect(m.tick(now: at(104), inFlight: 3, busyConnections: 3) == [])
        #expect(m.tick(now: at(105), inFlight: 3, busyConnections: 3) == [.closeListener, .closeIdleConnections])
        #expect(m.state == .draining(until: at(125)))
    }

    @Test func zero_delay_closes_the_listener_with_the_signal() {
        var m = machine(delay: 0, drain: 20, cancel: 5)
        #expect(m.signal(now: at(0)) == [.failReadiness, .closeListener, .closeIdleConnections])
    }

    @Test func drain_ends_early_when_nothing_is_left() {
        var m = machine(delay: 0, drain: 20, cancel: 5)
        _ = m.signal(now: at(0))
        #expect(m.tick(now: at(1), inFlight: 1, busyConnections: 1) == [])
        #expect(m.tick(now: at(2), inFlight: 0, busyConnections: 0) == [.stop])
        #expect(m.state == .stopped)
        #expect(m.tick(now: at(3), inFlight: 0, busyConnections: 0) == [])
    }

    @Test func calls_outliving_the_drain_are_cancelled_then_stopped_after_the_cancel_window() {
        var m = machine(delay: 5, drain: 20, cancel: 5)
        _ = m.signal(now: at(0))
        _ = m.tick(now: at(5), inFlight: 1, busyConnections: 1)
        #expect(m.tick(now: at(24), inFlight: 1, busyConnections: 1) == [])
        #expect(m.tick(now: at(25), inFlight: 1, busyConnections: 1) == [.cancelCalls])
        #expect(m.tick(now: at(29), inFlight: 1, busyConnections: 1) == [])
        #expect(m.tick(now: at(30), inFlight: 1, busyConnections: 1) == [.stop])
    }

    @Test func cancelled_calls_that_answer_stop_the_server_at_once() {
        var m = machine(delay: 0, drain: 1, cancel: 5)
        _ = m.signal(now: at(0))
        #expect(m.tick(now: at(1), inFlight: 2, busyConnections: 2) == [.cancelCalls])
        #expect(m.tick(now: at(1) + .microseconds(1), inFlight: 0, busyConnections: 0) == [.stop])
    }

    @Test func a_second_signal_during_the_delay_skips_to_cancelling() {
        var m = machine(delay: 5, drain: 20, cancel: 5)
        _ = m.signal(now: at(0))
        #expect(m.signal(now: at(1)) == [.closeListener, .closeIdleConnections, .cancelCalls])
        #expect(m.state == .cancelling(until: at(6)))
    }

    @Test func a_second_signal_during_the_drain_cancels_and_a_third_does_nothing() {
        var m = machine(delay: 0, drain: 20, cancel: 5)
        _ = m.signal(now: at(0))
        #expect(m.escalate(now: at(2)) == [.cancelCalls])
        #expect(m.escalate(now: at(3)) == [])
        #expect(m.tick(now: at(7), inFlight: 1, busyConnections: 1) == [.stop])
    }
}
