// Connection timeouts with an injected clock.
import Testing

@testable import HTTPServer

struct ConnectionTimerTests {
    /// The injected clock: instants whole seconds after an arbitrary origin.
    let origin = ContinuousClock.now
    func at(_ seconds: Int) -> ContinuousClock.Instant { origin + .seconds(seconds) }
    var limits: ConnectionTimer.Limits {
        .init(header: .seconds(10), body: .seconds(10), idle: .seconds(60), linger: .seconds(2))
    }

    @Test func a_new_connection_that_sends_nothing_closes_silently_at_the_header_timeout() {
        let t = ConnectionTimer(limits: limits, now: at(0))
        #expect(t.expiry(now: at(9)) == .none)
        #expect(t.expiry(now: at(10)) == .close)
    }

    @Test func a_kept_alive_connection_closes_silently_after_the_idle_timeout() {
        var t = ConnectionTimer(limits: limits, now: at(0))
        t.callStarted()
        t.responded(now: at(1))
        #expect(t.expiry(now: at(60)) == .none)
        #expect(t.expiry(now: at(61)) == .close)
    }

    @Test func write_progress_keeps_a_slow_reader_alive_and_a_stalled_one_is_cut() {
        var t = ConnectionTimer(limits: limits, now: at(0))
        t.callStarted()
        t.responded(now: at(0))
        for second in stride(from: 30, through: 300, by: 30) { t.wrote(now: at(second)) }
        #expect(t.expiry(now: at(359)) == .none)
        #expect(t.expiry(now: at(360)) == .close)
    }

    @Test func a_header_timer_is_not_restarted_by_write_progress() {
        var t = ConnectionTimer(limits: limits, now: at(0))
        t.waiting(idle: false, inBody: false, now: at(0))
        t.wrote(now: at(5))
        #expect(t.expiry(now: at(10)) == .requestTimeout)
    }

    @Test func the_header_timer_starts_at_the_first_byte_and_is_not_extended_by_more_bytes() {
        var t = ConnectionTimer(limits: limits, now: at(0))
        t.waiting(idle: false, inBody: false, now: at(5))
        t.waiting(idle: false, inBody: false, now: at(14))  // another trickle of bytes
        #expect(t.expiry(now: at(14)) == .none)
        #expect(t.expiry(now: at(15)) == .requestTimeout)
    }

    @Test func the_body_timer_starts_when_the_head_is_complete() {
        var t = ConnectionTimer(limits: limits, now: at(0))
        t.waiting(idle: false, inBody: false, now: at(1))
        t.waiting(idle: false, inBody: true, now: at(3))
        #expect(t.kind == .body)
        #expect(t.expiry(now: at(12)) == .none)
        #expect(t.expiry(now: at(13)) == .requestTimeout)
    }

    @Test func continue_restarts_the_body_timer() {
        var t = ConnectionTimer(limits: limits, now: at(0))
        t.waiting(idle: false, inBody: true, now: at(0))
        t.continueSent(now: at(8))
        #expect(t.expiry(now: at(17)) == .none)
        #expect(t.expiry(now: at(18)) == .requestTimeout)
    }

    @Test func a_call_in_flight_never_times_out_the_connection() {
        var t = ConnectionTimer(limits: limits, now: at(0))
        t.callStarted()
        #expect(t.expiry(now: at(1000)) == .none)
        t.responded(now: at(1000))
        #expect(t.expiry(now: at(1059)) == .none)
        #expect(t.expiry(now: at(1060)) == .close)
    }

    @Test func lingering_gives_up_after_its_window() {
        var t = ConnectionTimer(limits: limits, now: at(0))
        t.lingering(now: at(10))
        #expect(t.expiry(now: at(11)) == .none)
        #expect(t.expiry(now: at(12)) == .close)
    }
}
