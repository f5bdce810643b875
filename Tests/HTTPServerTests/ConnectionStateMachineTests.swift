// Every transition of a connection's life, by table, with an injected clock (h11's _state.py in spirit).
import Testing

@testable import HTTPServer

struct ConnectionStateMachineTests {
    /// The injected clock: instants whole seconds after an arbitrary origin.
    let origin = ContinuousClock.now
    func at(_ seconds: Int) -> ContinuousClock.Instant { origin + .seconds(seconds) }
    var limits: ConnectionTimer.Limits {
        .init(header: .seconds(10), body: .seconds(10), idle: .seconds(60), linger: .seconds(2))
    }

    enum Step {
        case response(closing: Bool)
        case drained(callInFlight: Bool, expect: ConnectionStateMachine.DrainedAction)
        case fin(callInFlight: Bool, outputPending: Bool, expect: ConnectionStateMachine.FINAction)
        case drain
    }

    /// (name, steps, final state)
    static let table: [(String, [Step], ConnectionStateMachine.State)] = [
        (
            "keep-alive response stays open",
            [.response(closing: false), .drained(callInFlight: false, expect: .none)], .open
        ),
        (
            "closing response half-closes once sent",
            [.response(closing: true), .drained(callInFlight: false, expect: .halfClose)], .lingering
        ),
        (
            "closing response waits for the call to end",
            [.response(closing: true), .drained(callInFlight: true, expect: .none)], .closing
        ),
        ("FIN while idle closes", [.fin(callInFlight: false, outputPending: false, expect: .close)], .open),
        (
            "FIN with output queued flushes, then closes without lingering",
            [
                .fin(callInFlight: false, outputPending: true, expect: .flushThenClose),
                .drained(callInFlight: false, expect: .close),
            ], .closing
        ),
        (
            "FIN during a call cancels it; its answer closes",
            [
                .fin(callInFlight: true, outputPending: false, expect: .cancelCall), .response(closing: true),
                .drained(callInFlight: false, expect: .close),
            ], .closing
        ),
        (
            "FIN while lingering closes",
            [
                .response(closing: true), .drained(callInFlight: false, expect: .halfClose),
                .fin(callInFlight: false, outputPending: false, expect: .close),
            ], .lingering
        ),
        (
            "drain with nothing pending half-closes after the output",
            [.drain, .drained(callInFlight: false, expect: .halfClose)], .lingering
        ),
        ("a response after the drain keeps closing", [.drain, .response(closing: false)], .closing),
    ]

    @Test(arguments: 0..<table.count)
    func transitions(_ row: Int) {
        let (name, steps, final) = Self.table[row]
        var m = ConnectionStateMachine(limits: limits, now: at(0))
        for step in steps {
            switch step {
            case .response(let closing):
                m.responseQueued(closing: closing, now: at(0))
            case .drained(let call, let expect):
                #expect(m.outputDrained(callInFlight: call, now: at(0)) == expect, "\(name)")
            case .fin(let call, let pending, let expect):
                #expect(m.peerSentFIN(callInFlight: call, outputPending: pending) == expect, "\(name)")
            case .drain:
                m.drainRequested()
            }
        }
        #expect(m.state == final, "\(name)")
    }

    @Test func input_is_dropped_once_closing_and_requests_are_no_longer_parsed() {
        var m = ConnectionStateMachine(limits: limits, now: at(0))
        #expect(m.acceptsRequests && !m.discardsInput)
        m.responseQueued(closing: true, now: at(0))
        #expect(!m.acceptsRequests && m.discardsInput)
    }

    @Test func lingering_is_bounded_by_its_own_timer_and_write_progress_does_not_extend_it() {
        var m = ConnectionStateMachine(limits: limits, now: at(0))
        m.responseQueued(closing: true, now: at(0))
        _ = m.outputDrained(callInFlight: false, now: at(10))
        m.wrote(now: at(11))
        #expect(m.expiry(now: at(11)) == .none)
        #expect(m.expiry(now: at(12)) == .close)
    }

    @Test func a_closed_connection_has_no_timer() {
        var m = ConnectionStateMachine(limits: limits, now: at(0))
        m.didClose()
        #expect(m.expiry(now: at(1000)) == .none)
        #expect(m.isClosed && !m.acceptsRequests)
    }

    /// (buffered input, call in flight, unsent output, reading an admitted body, over budget) → read more?
    static let reading: [(String, Int, Bool, Int, Bool, Bool, Bool)] = [
        ("idle connection reads", 0, false, 0, false, false, true),
        ("over budget, an idle connection still reads its next head", 0, false, 0, false, true, true),
        (
            "over budget, nothing pending, a whole head limit buffered: still reads", 16 * 1024, false, 0, false, true,
            true
        ),
        ("over budget, nothing pending, more than the head limit: stop", 16 * 1024 + 1, false, 0, false, true, false),
        ("over budget, a body admitted at its head is read on", 200 * 1024, false, 0, true, true, true),
        ("under budget, nothing pending, lots buffered: it is parsed, read on", 2 << 20, false, 0, false, false, true),
        ("backlog under 1 MiB behind a call still reads", 512 * 1024, true, 0, false, false, true),
        ("backlog of 1 MiB behind a call stops", 1 << 20, true, 0, false, false, false),
        ("backlog of 1 MiB behind 300 KB of unsent output stops", 1 << 20, false, 300 * 1024, false, false, false),
        ("over budget, anything behind a call stops at once", 10, true, 0, false, true, false),
        ("over budget, input behind unsent output stops", 0, false, 1, false, true, false),
        ("under budget, a small backlog behind unsent output reads", 10, false, 1, false, false, true),
    ]

    @Test(arguments: 0..<reading.count)
    func reading_stops_when_input_piles_up_or_the_budget_is_spent(_ row: Int) {
        let (name, buffered, call, unsent, body, over, expect) = Self.reading[row]
        let m = ConnectionStateMachine(limits: limits, now: at(0))
        #expect(
            m.wantsInput(
                buffered: buffered, callInFlight: call, unsentOutput: unsent, readingBody: body, overBudget: over)
                == expect, "\(name)")
    }

    /// The pause for a connection with nothing pending follows the configured head limit: a 20 KB head under
    /// `--max-header-bytes 32768` once stalled at 16 KiB until its 408 (an attack helper's finding).
    @Test func over_budget_an_idle_connection_reads_up_to_the_configured_head_limit() {
        let m = ConnectionStateMachine(limits: limits, now: at(0))
        let wants = { (buffered: Int) in
            m.wantsInput(
                buffered: buffered, callInFlight: false, unsentOutput: 0, readingBody: false, headLimit: 32 * 1024,
                overBudget: true)
        }
        #expect(wants(20_000))
        #expect(wants(32 * 1024))
        #expect(!wants(32 * 1024 + 1))
    }

    @Test func a_closing_connection_reads_nothing_to_parse() {
        var m = ConnectionStateMachine(limits: limits, now: at(0))
        m.responseQueued(closing: true, now: at(0))
        #expect(!m.wantsInput(buffered: 0, callInFlight: false, unsentOutput: 0, readingBody: false, overBudget: false))
    }
}
