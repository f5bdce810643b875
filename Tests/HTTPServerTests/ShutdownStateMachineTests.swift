// The shutdown sequence with an injected clock: each step at its time, nothing early, nothing skipped.
import Testing

@testable import HTTPServer

struct ShutdownStateMachineTests {
    let s: UInt64 = 1_000_000_000
    func machine(delay: UInt64, drain: UInt64, cancel: UInt64) -> ShutdownStateMachine {
        ShutdownStateMachine(delay: delay * s, drain: drain * s, cancel: cancel * s)
    }

    @Test func readiness_flips_at_the_signal_and_the_listener_closes_after_the_delay() {
        var m = machine(delay: 5, drain: 20, cancel: 5)
        #expect(m.signal(now: 100 * s) == [.failReadiness])
        #expect(m.tick(now: 104 * s, inFlight: 3, busyConnections: 3) == [])
        #expect(m.tick(now: 105 * s, inFlight: 3, busyConnections: 3) == [.closeListener, .closeIdleConnections])
        #expect(m.state == .draining(until: 125 * s))
    }

    @Test func zero_delay_closes_the_listener_with_the_signal() {
        var m = machine(delay: 0, drain: 20, cancel: 5)
        #expect(m.signal(now: 0) == [.failReadiness, .closeListener, .closeIdleConnections])
    }

    @Test func drain_ends_early_when_nothing_is_left() {
        var m = machine(delay: 0, drain: 20, cancel: 5)
        _ = m.signal(now: 0)
        #expect(m.tick(now: 1 * s, inFlight: 1, busyConnections: 1) == [])
        #expect(m.tick(now: 2 * s, inFlight: 0, busyConnections: 0) == [.stop])
        #expect(m.state == .stopped)
        #expect(m.tick(now: 3 * s, inFlight: 0, busyConnections: 0) == [])
    }

    @Test func calls_outliving_the_drain_are_cancelled_then_stopped_after_the_cancel_window() {
        var m = machine(delay: 5, drain: 20, cancel: 5)
        _ = m.signal(now: 0)
        _ = m.tick(now: 5 * s, inFlight: 1, busyConnections: 1)
        #expect(m.tick(now: 24 * s, inFlight: 1, busyConnections: 1) == [])
        #expect(m.tick(now: 25 * s, inFlight: 1, busyConnections: 1) == [.cancelCalls])
        #expect(m.tick(now: 29 * s, inFlight: 1, busyConnections: 1) == [])
        #expect(m.tick(now: 30 * s, inFlight: 1, busyConnections: 1) == [.stop])
    }

    @Test func cancelled_calls_that_answer_stop_the_server_at_once() {
        var m = machine(delay: 0, drain: 1, cancel: 5)
        _ = m.signal(now: 0)
        #expect(m.tick(now: 1 * s, inFlight: 2, busyConnections: 2) == [.cancelCalls])
        #expect(m.tick(now: 1 * s + 1000, inFlight: 0, busyConnections: 0) == [.stop])
    }

    @Test func a_second_signal_during_the_delay_skips_to_cancelling() {
        var m = machine(delay: 5, drain: 20, cancel: 5)
        _ = m.signal(now: 0)
        #expect(m.signal(now: 1 * s) == [.closeListener, .closeIdleConnections, .cancelCalls])
        #expect(m.state == .cancelling(until: 6 * s))
    }

    @Test func a_second_signal_during_the_drain_cancels_and_a_third_does_nothing() {
        var m = machine(delay: 0, drain: 20, cancel: 5)
        _ = m.signal(now: 0)
        #expect(m.escalate(now: 2 * s) == [.cancelCalls])
        #expect(m.escalate(now: 3 * s) == [])
        #expect(m.tick(now: 7 * s, inFlight: 1, busyConnections: 1) == [.stop])
    }
}
