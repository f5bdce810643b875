// Connection timeouts with an injected clock.
import Testing

@testable import HTTPServer

struct ConnectionTimerTests {
    let s: UInt64 = 1_000_000_000
    var limits: ConnectionTimer.Limits { .init(header: 10 * s, body: 10 * s, idle: 60 * s, linger: 2 * s) }

    @Test func a_new_connection_that_sends_nothing_closes_silently_at_the_header_timeout() {
        let t = ConnectionTimer(limits: limits, now: 0)
        #expect(t.expiry(now: 9 * s) == .none)
        #expect(t.expiry(now: 10 * s) == .close)
    }

    @Test func a_kept_alive_connection_closes_silently_after_the_idle_timeout() {
        var t = ConnectionTimer(limits: limits, now: 0)
        t.callStarted()
        t.responded(now: 1 * s)
        #expect(t.expiry(now: 60 * s) == .none)
        #expect(t.expiry(now: 61 * s) == .close)
    }

    @Test func write_progress_keeps_a_slow_reader_alive_and_a_stalled_one_is_cut() {
        var t = ConnectionTimer(limits: limits, now: 0)
        t.callStarted()
        t.responded(now: 0)
        for second in stride(from: UInt64(30), through: 300, by: 30) { t.wrote(now: second * s) }
        #expect(t.expiry(now: 359 * s) == .none)
        #expect(t.expiry(now: 360 * s) == .close)
    }

    @Test func a_header_timer_is_not_restarted_by_write_progress() {
        var t = ConnectionTimer(limits: limits, now: 0)
        t.waiting(idle: false, inBody: false, now: 0)
        t.wrote(now: 5 * s)
        #expect(t.expiry(now: 10 * s) == .requestTimeout)
    }

    @Test func the_header_timer_starts_at_the_first_byte_and_is_not_extended_by_more_bytes() {
        var t = ConnectionTimer(limits: limits, now: 0)
        t.waiting(idle: false, inBody: false, now: 5 * s)
        t.waiting(idle: false, inBody: false, now: 14 * s)  // another trickle of bytes
        #expect(t.expiry(now: 14 * s) == .none)
        #expect(t.expiry(now: 15 * s) == .requestTimeout)
    }

    @Test func the_body_timer_starts_when_the_head_is_complete() {
        var t = ConnectionTimer(limits: limits, now: 0)
        t.waiting(idle: false, inBody: false, now: 1 * s)
        t.waiting(idle: false, inBody: true, now: 3 * s)
        #expect(t.kind == .body)
        #expect(t.expiry(now: 12 * s) == .none)
        #expect(t.expiry(now: 13 * s) == .requestTimeout)
    }

    @Test func continue_restarts_the_body_timer() {
        var t = ConnectionTimer(limits: limits, now: 0)
        t.waiting(idle: false, inBody: true, now: 0)
        t.continueSent(now: 8 * s)
        #expect(t.expiry(now: 17 * s) == .none)
        #expect(t.expiry(now: 18 * s) == .requestTimeout)
    }

    @Test func a_call_in_flight_never_times_out_the_connection() {
        var t = ConnectionTimer(limits: limits, now: 0)
        t.callStarted()
        #expect(t.expiry(now: 1000 * s) == .none)
        t.responded(now: 1000 * s)
        #expect(t.expiry(now: 1059 * s) == .none)
        #expect(t.expiry(now: 1060 * s) == .close)
    }

    @Test func lingering_gives_up_after_its_window() {
        var t = ConnectionTimer(limits: limits, now: 0)
        t.lingering(now: 10 * s)
        #expect(t.expiry(now: 11 * s) == .none)
        #expect(t.expiry(now: 12 * s) == .close)
    }
}
