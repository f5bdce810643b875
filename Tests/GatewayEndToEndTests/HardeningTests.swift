// Limits against a hostile client, in-process: work off the loops, deadlines while a handler computes, a
// shutdown that a stuck loop cannot stretch, the memory budget, the connection reserve, half-closed clients.
import Foundation
import GatewayApp
import GatewayPosix
import HTTP1
import HTTPServer
import JSONRPC
import JSONRPCServer
import Logging
import Synchronization
import Testing

/// A responder whose async work is given by the test.
struct TestResponder: HTTPResponder {
    let work: @Sendable (ServerRequest) -> HTTPReply

    func reply(to request: ServerRequest, server: HTTPServerState) -> HTTPReply {
        if request.head.path == "/healthz" { return .response(.text(.ok, "ok\n")) }
        return work(request)
    }

    func overloaded(_ head: RequestHead, reason: HTTPOverload) -> ServerResponse? {
        head.path == "/healthz" ? nil : .overloaded(reason)
    }
}

final class Flag: Sendable {
    let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

@Suite(.serialized)
struct HardeningTests {
    func server(
        configure: (inout HTTPServerConfiguration) -> Void = { _ in },
        work: @escaping @Sendable ([EventLoop], ServerRequest) -> HTTPReply
    ) throws -> HTTPServer {
        var c = HTTPServerConfiguration()
        c.port = 0
        c.eventLoops = 1
        configure(&c)
        // The responder is built from the server's loops (so the work can tell where it runs).
        let s = try HTTPServer(configuration: c, logger: Logger(label: "test")) { _, loops in
            TestResponder { work(loops, $0) }
        }
        try s.start()
        return s
    }

    static let quick = ShutdownPlan(drainTimeout: .milliseconds(200), cancelTimeout: .milliseconds(200))

    static func post(_ body: String) -> String {
        "POST /work HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    @Test func small_bodies_run_on_the_loop_and_large_ones_off_it() async throws {
        let s = try server { loops, request in
            .async(
                HTTPAsyncReply(
                    deadline: nil,
                    work: {
                        let onLoop = loops.contains { $0.inLoop }
                        return .text(.ok, onLoop ? "loop" : "pool")
                    }, onDeadline: { .text(.requestTimeout, "") }, onShutdown: { .text(.serviceUnavailable, "") }))
        }
        defer { _ = s.shutdown(Self.quick) }
        let port = s.port
        let (small, large) = try await onThread {
            let c = try RawClient(port: port)
            return (
                try c.roundTrip(Self.post("small")).text,
                try c.roundTrip(Self.post(String(repeating: " ", count: 64 * 1024))).text
            )
        }
        #expect(small == "loop")
        #expect(large == "pool")
    }

    @Test func a_deadline_is_answered_by_the_loop_while_the_handler_still_computes() async throws {
        let release = PosixSemaphore()
        let finished = Flag()
        let s = try server { _, _ in
            .async(
                HTTPAsyncReply(
                    deadline: .now + .milliseconds(50),
                    work: {
                        // Blocking and deaf to cancellation until the test has its answer; at most 10 s, well
                        // within the client's 20 s, so an answer that waited for it would show `finished`.
                        _ = release.wait(timeoutMilliseconds: 10_000)
                        finished.set()
                        return .text(.ok, "late")
                    }, onDeadline: { .text(.requestTimeout, "deadline") },
                    onShutdown: { .text(.serviceUnavailable, "") }))
        }
        defer { _ = s.shutdown(Self.quick) }
        let port = s.port
        let r = try await onThread {
            try RawClient(port: port, timeout: 20).roundTrip(Self.post(String(repeating: " ", count: 64 * 1024)))
        }
        // The handler had not finished (it stops only once released), yet the answer came: the loop was free.
        #expect(!finished.isSet)
        #expect(r.status == 408 && r.text == "deadline")
        #expect(
            try await onThread { try RawClient(port: port).roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n") }
                .status == 200)
        release.post()
    }

    @Test func shutdown_keeps_its_budget_when_a_handler_blocks_its_loop() throws {
        let release = PosixSemaphore()
        let started = PosixSemaphore()
        let finished = Flag()
        let s = try server { _, _ in
            .async(
                HTTPAsyncReply(
                    deadline: nil, placement: .loop,
                    work: {
                        // A handler that wrongly blocks its loop thread (for at most 10 s).
                        started.post()
                        _ = release.wait(timeoutMilliseconds: 10_000)
                        finished.set()
                        return .text(.ok, "done")
                    }, onDeadline: { .text(.requestTimeout, "") }, onShutdown: { .text(.serviceUnavailable, "") }))
        }
        let c = try RawClient(port: s.port, timeout: 20)
        c.send(Self.post("x"))
        #expect(started.wait(timeoutMilliseconds: 5000))
        let report = s.shutdown(ShutdownPlan(drainTimeout: .milliseconds(100), cancelTimeout: .milliseconds(100)))
        // shutdown returned although the loop is still blocked, and counts the call it could not answer.
        #expect(!finished.isSet)
        #expect(!report.clean)
        release.post()
    }

    @Test func a_body_past_the_memory_budget_gets_503_before_it_is_read() throws {
        let s = try server(
            configure: { $0.memoryBudget = 1 << 20 },
            work: { _, request in
                .response(.text(.ok, "\(request.body.count)"))
            })
        defer { _ = s.shutdown(Self.quick) }
        let big = try RawClient(port: s.port)
        big.send("POST /work HTTP/1.1\r\nHost: t\r\nContent-Length: \(2 << 20)\r\n\r\n")
        let r = big.readResponse()
        #expect(r?.status == 503)
        #expect(r?.header("Retry-After") == "1")
        #expect(s.state.refusedForMemoryCount == 1)
        #expect(try RawClient(port: s.port).roundTrip(Self.post("fits")).text == "4")
        #expect(s.state.bufferedByteCount == 0)
    }

    @Test func a_body_that_arrives_with_its_head_is_checked_against_the_budget_too() throws {
        let s = try server(
            configure: { $0.memoryBudget = 256 * 1024 }, work: { _, r in .response(.text(.ok, "\(r.body.count)")) })
        defer { _ = s.shutdown(Self.quick) }
        // An upload that stalls after its head holds 200 KB of the 224 KB admission limit.
        let stalled = try RawClient(port: s.port)
        stalled.send("POST /work HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n")
        for _ in 0..<2000 where s.state.bufferedByteCount < 200_000 { usleep(1000) }
        // 40 KB sent with its head in one write: parsed whole, never announced by a head event.
        let whole = try RawClient(port: s.port)
        let r = try whole.roundTrip(Self.post(String(repeating: "x", count: 40_000)))
        #expect(r.status == 503)
        #expect(s.state.refusedForMemoryCount == 1)
    }

    /// A 32 MiB answer to a client that reads none of it outlasts the drain: the stop closes it, and the report
    /// counts it as cut (the answer was owed), not as a clean close.
    @Test func an_answer_still_unsent_at_the_stop_counts_as_cut() throws {
        let big = String(repeating: "x", count: 32 << 20)
        let s = try server { _, _ in .response(.text(.ok, big)) }
        let reader = try RawClient(port: s.port)
        reader.send(Self.post("{}"))
        // The answer is queued once the buffered bytes count it (a server state, not an event a test can await).
        for _ in 0..<5000 where s.state.bufferedByteCount < 1 << 20 { usleep(1000) }
        #expect(s.state.bufferedByteCount >= 1 << 20)
        #expect(s.shutdown(Self.quick).cutConnections == 1)
    }

    @Test func a_shutdown_asked_for_before_start_is_not_lost_and_start_is_refused() throws {
        var c = HTTPServerConfiguration()
        c.port = 0
        c.eventLoops = 1
        let s = try HTTPServer(
            configuration: c, responder: TestResponder { _ in .response(.text(.ok, "")) }, logger: Logger(label: "test")
        )
        s.triggerGracefulShutdown(Self.quick)
        #expect(s.shutdownReport?.clean == true)
        #expect(throws: HTTPServerLifecycleError.self) { try s.start() }
    }

    @Test func past_the_connection_cap_probes_answer_and_the_rest_get_a_readable_503() throws {
        let s = try server(
            configure: {
                $0.maxConnections = 2
                $0.connectionReserve = 4
            },
            work: { _, _ in .response(.text(.ok, "ok")) })
        defer { _ = s.shutdown(Self.quick) }
        let held = try (0..<2).map { _ in try RawClient(port: s.port) }
        #expect(try held[0].roundTrip(Self.post("a")).status == 200)
        // Whole request sent before the server answers: the 503 must be followed by FIN, not RST.
        let over = try RawClient(port: s.port)
        over.send(Self.post(String(repeating: "x", count: 4000)))
        let r = over.readResponse()
        #expect(r?.status == 503)
        #expect(over.isClosedByPeer())
        #expect(try RawClient(port: s.port).roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
        #expect(s.state.refusedForConnectionsCount == 1)
    }

    @Test func when_the_reserve_is_full_a_silent_connection_makes_room_for_a_probe() throws {
        let s = try server(
            configure: {
                $0.maxConnections = 1
                $0.connectionReserve = 1
            },
            work: { _, _ in .response(.text(.ok, "ok")) })
        defer { _ = s.shutdown(Self.quick) }
        let held = try RawClient(port: s.port)
        #expect(try held.roundTrip(Self.post("a")).status == 200)
        let silent = try RawClient(port: s.port)
        for _ in 0..<2000 where s.state.openConnections < 2 { usleep(1000) }
        let probe = try RawClient(port: s.port)
        #expect(try probe.roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
        #expect(silent.isClosedByPeer())
        #expect(s.state.droppedConnectionCount == 1)
    }

    @Test func a_connection_that_sends_nothing_is_closed_at_the_header_timeout() throws {
        let s = try server(
            configure: {
                $0.headerTimeout = .milliseconds(300)
                $0.idleTimeout = .seconds(60)
            },
            work: { _, _ in .response(.text(.ok, "ok")) })
        defer { _ = s.shutdown(Self.quick) }
        let silent = try RawClient(port: s.port, timeout: 10)
        #expect(silent.isClosedByPeer())
        // CRLFs trickled before a request line run the same header timer: they do not restart it.
        let trickle = try RawClient(port: s.port, timeout: 10)
        trickle.send("\r\n")
        #expect(trickle.readResponse()?.status == 408)
        #expect(trickle.isClosedByPeer())
    }

    @Test func a_half_closed_client_is_never_told_the_server_is_shutting_down() throws {
        let gw = try Gateway(
            http: {
                var h = HTTPServerConfiguration()
                h.port = 0
                h.eventLoops = 1
                return h
            }(),
            rpc: JSONRPCServer(methods: ExamplesService.methods(), logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        let port = try gw.start()
        defer { _ = gw.shutdown(Self.quick) }
        let c = try RawClient(port: port, timeout: 10)
        c.send(
            RawClient.post(
                #"[{"jsonrpc":"2.0","method":"sleep","params":{"ms":5000},"id":1},{"jsonrpc":"2.0","method":"subtract","params":[3,1],"id":2}]"#
            ))
        for _ in 0..<5000 where gw.server.state.inFlightCalls < 1 { usleep(1000) }
        shutdown(c.fd, Int32(SHUT_WR))
        let answers = c.readResponse()?.json as? [[String: Any]]
        let codes = answers?.map { ($0["error"] as? [String: Any])?["code"] as? Int }
        #expect(codes == [-32006, nil])
        #expect((answers?.last?["result"] as? Int) == 2)
        #expect(try RawClient(port: port).roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
    }
}
