// What a hostile batch, a deep or huge number, or a cancelled call gets: every entry counted, no -32603 for
// the client's own mistakes, and a cancellation answered for its real reason.
import Glibc
import JSONRPC
import Logging
import Synchronization
import Testing

@testable import JSONRPCServer

/// Counts handlers running at once and lets the test release them.
final class Gate: Sendable {
    let running = Atomic<Int>(0)
    let peak = Atomic<Int>(0)
    let open = Atomic<Bool>(false)

    func enter() async throws {
        let now = running.add(1, ordering: .relaxed).newValue
        _ = peak.max(now, ordering: .relaxed)
        defer { running.subtract(1, ordering: .relaxed) }
        while !open.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(1)) }
    }
}

struct JSONRPCServerLimitTests {
    static func server(maxInFlight: Int = 10, batchConcurrency: Int = 32, maxDepth: Int = 128, gate: Gate = Gate())
        -> JSONRPCServer
    {
        var t = RPCMethodTable()
        t.register("wait") { _, _ in
            try await gate.enter()
            return .int(1)
        }
        t.register("echo") { p, _ in p ?? .null }
        t.register("sleep") { _, _ in
            try await Task.sleep(for: .seconds(30))
            return .null
        }
        enum Half: JSONRPCMethod {
            typealias Params = [Double]
            typealias Result = Double
            static let name = "half"
        }
        t.register(Half.self) { p, _ in p[0] / 2 }
        var c = JSONRPCServer.Configuration()
        c.maxInFlight = maxInFlight
        c.batchConcurrency = batchConcurrency
        c.maxDepth = maxDepth
        return JSONRPCServer(methods: t, configuration: c, logger: Logger(label: "test"))
    }

    static func batch(_ method: String, _ n: Int) -> [UInt8] {
        Array(
            ("[" + (1...n).map { #"{"jsonrpc":"2.0","method":"\#(method)","id":\#($0)}"# }.joined(separator: ",") + "]")
                .utf8)
    }

    /// Polls (bounded) until `condition` holds: the server sends no event when a handler starts.
    static func until(_ condition: () -> Bool) async {
        for _ in 0..<5000 where !condition() { try? await Task.sleep(for: .milliseconds(1)) }
    }

    @Test func batch_entries_count_against_the_cap_and_a_batch_that_does_not_fit_is_refused_whole() async throws {
        let gate = Gate()
        let s = Self.server(maxInFlight: 10, gate: gate)
        let first = Task { await s.reply(to: Self.batch("wait", 6), call: RPCCall()) }
        await Self.until { gate.running.load(ordering: .relaxed) == 6 }
        #expect(s.callsInFlight == 6)
        // 6 + 6 > 10: refused whole, before any entry runs.
        guard case .busy(_, let body) = await s.reply(to: Self.batch("wait", 6), call: RPCCall()) else {
            Issue.record("second batch was not refused")
            return
        }
        #expect(try JSONValue(parsing: body)["error"]?["code"] == -32003)
        #expect(gate.running.load(ordering: .relaxed) == 6)
        // 6 + 4 fits.
        let second = Task { await s.reply(to: Self.batch("wait", 4), call: RPCCall()) }
        await Self.until { gate.running.load(ordering: .relaxed) == 10 }
        #expect(s.isFull)
        gate.open.store(true, ordering: .relaxed)
        guard case .body = await first.value, case .body = await second.value else {
            Issue.record("admitted batches were not answered")
            return
        }
        #expect(s.callsInFlight == 0)
    }

    @Test func a_batch_runs_at_most_batchConcurrency_entries_at_once() async throws {
        let gate = Gate()
        let s = Self.server(maxInFlight: 100, batchConcurrency: 3, gate: gate)
        let t = Task { await s.reply(to: Self.batch("wait", 20), call: RPCCall()) }
        await Self.until { gate.running.load(ordering: .relaxed) == 3 }
        // Not synchronisation: a window in which a fourth entry would start if the bound did not hold.
        try await Task.sleep(for: .milliseconds(20))
        gate.open.store(true, ordering: .relaxed)
        guard case .body(let out) = await t.value else {
            Issue.record("no answer")
            return
        }
        let answers = try JSONValue(parsing: out).arrayValue ?? []
        #expect(answers.count == 20)
        #expect(answers.map { $0["id"] } == (1...20).map { .int($0) })
        #expect(gate.peak.load(ordering: .relaxed) == 3)
    }

    @Test func a_batch_larger_than_the_cap_is_an_invalid_request_not_a_retry_forever() async throws {
        let s = Self.server(maxInFlight: 5)
        guard case .body(let out) = await s.reply(to: Self.batch("echo", 6), call: RPCCall()) else {
            Issue.record("expected an error body")
            return
        }
        #expect(try JSONValue(parsing: out)["error"]?["code"] == -32600)
    }

    @Test func params_honour_a_max_depth_above_the_default() async throws {
        let s = Self.server(maxDepth: 200)
        let nested = String(repeating: "[", count: 150) + "1" + String(repeating: "]", count: 150)
        let out = await s.respond(
            to: Array(#"{"jsonrpc":"2.0","method":"echo","params":\#(nested),"id":1}"#.utf8), call: RPCCall())
        let v = try JSONValue(parsing: out ?? [], maxDepth: 300)
        #expect(v["result"] != nil, "\(String(decoding: out ?? [], as: UTF8.self).prefix(200))")
        let deeper = String(repeating: "[", count: 250) + "1" + String(repeating: "]", count: 250)
        let refused = await s.respond(
            to: Array(#"{"jsonrpc":"2.0","method":"echo","params":\#(deeper),"id":1}"#.utf8), call: RPCCall())
        #expect(try JSONValue(parsing: refused ?? [])["error"]?["code"] != nil)
    }

    @Test func numbers_out_of_range_are_invalid_params_with_a_short_reason() async throws {
        let s = Self.server()
        let digits = String(repeating: "9", count: 100_000)
        for params in ["[1e400]", "[-1e400]", "[\(digits)]"] {
            let out = await s.respond(
                to: Array(#"{"jsonrpc":"2.0","method":"half","params":\#(params),"id":1}"#.utf8), call: RPCCall())
            let v = try JSONValue(parsing: out ?? [])
            #expect(v["error"]?["code"] == -32602)
            #expect((v["error"]?["data"]?.stringValue?.utf8.count ?? .max) < 200)
        }
    }

    @Test func cancellation_is_answered_for_its_reason() async throws {
        let s = Self.server()
        for (reason, code) in [(RPCCall.CancelReason.clientClosed, -32006), (.shutdown, -32002), (.deadline, -32001)] {
            let call = RPCCall()
            let t = Task { await s.respond(to: Array(#"{"jsonrpc":"2.0","method":"sleep","id":1}"#.utf8), call: call) }
            await Self.until { s.callsInFlight == 1 }
            call.cancel(because: reason)
            t.cancel()
            let v = try JSONValue(parsing: await t.value ?? [])
            #expect(v["error"]?["code"] == .int(code), "\(reason)")
            if reason == .shutdown { #expect(v["error"]?["data"]?["started"] == true) }
        }
    }

    @Test func batch_entries_cancelled_before_their_turn_say_they_never_started() async throws {
        let gate = Gate()
        let s = Self.server(maxInFlight: 100, batchConcurrency: 1, gate: gate)
        let call = RPCCall()
        let t = Task { await s.respond(to: Self.batch("wait", 3), call: call) }
        await Self.until { gate.running.load(ordering: .relaxed) == 1 }
        call.cancel(because: .shutdown)
        t.cancel()
        let answers = try JSONValue(parsing: await t.value ?? []).arrayValue ?? []
        #expect(answers.map { $0["error"]?["data"]?["started"] } == [true, false, false])
        #expect(answers.map { $0["error"]?["data"]?["retryable"] } == [false, true, true])
    }
}

struct LogLimiterTests {
    @Test func at_most_n_lines_a_second_pass_and_the_next_says_how_many_were_dropped() {
        let limiter = LogLimiter(perSecond: 3)
        var logger = Logger(label: "test")
        logger.logLevel = .critical  // the limiter's decisions are what is tested, not the output
        let t0 = ContinuousClock.now
        for _ in 0..<10 { limiter.log(logger, "x", now: t0) }
        #expect(limiter.droppedCount == 7)
        limiter.log(logger, "x", now: t0 + .seconds(1))
        #expect(limiter.droppedCount == 0)
    }
}

struct BlockingPoolTests {
    final class Latch: Sendable {
        let open = Atomic<Bool>(false)
        func wait() { while !open.load(ordering: .acquiring) { usleep(1000) } }
    }

    @Test func a_burst_gets_a_thread_per_job_up_to_the_pool_size() async throws {
        let pool = BlockingPool(threads: 4, queueLimit: 10)
        let latch = Latch()
        let jobs = (0..<4).map { i in
            Task {
                try await pool.run {
                    latch.wait()
                    return i
                }
            }
        }
        for _ in 0..<5000 where pool.runningJobs < 4 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(pool.runningJobs == 4)
        latch.open.store(true, ordering: .releasing)
        var results: [Int] = []
        for j in jobs { results.append(try await j.value) }
        #expect(results == [0, 1, 2, 3])
        pool.shutdown()
    }

    @Test func a_cancelled_waiting_job_gives_its_place_back() async throws {
        let pool = BlockingPool(threads: 1, queueLimit: 1)
        let latch = Latch()
        let running = Task { try await pool.run { latch.wait() } }
        for _ in 0..<5000 where pool.runningJobs < 1 { try await Task.sleep(for: .milliseconds(1)) }
        let waiting = Task { try await pool.run { 1 } }
        for _ in 0..<5000 where pool.queuedJobs < 1 { try await Task.sleep(for: .milliseconds(1)) }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(pool.queuedJobs == 0)
        // The place is free again: a new job waits instead of being refused with -32003.
        let next = Task { try await pool.run { 2 } }
        for _ in 0..<5000 where pool.queuedJobs < 1 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(pool.refusedJobs == 0)
        latch.open.store(true, ordering: .releasing)
        try await running.value
        #expect(try await next.value == 2)
        pool.shutdown()
    }
}
