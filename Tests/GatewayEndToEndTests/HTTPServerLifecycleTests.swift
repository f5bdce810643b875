// The server's one lifecycle (idle → starting → serving → stopping → stopped), in-process: a second start,
// a failed bind, a second signal, and the responder built from the server's own state and loops.
import GatewayPosix
import HTTP1
import HTTPServer
import Logging
import Synchronization
import Testing

struct HTTPServerLifecycleTests {
    static func configuration(port: Int = 0) -> HTTPServerConfiguration {
        var c = HTTPServerConfiguration()
        c.port = port
        c.eventLoops = 1
        return c
    }

    @Test func the_responder_is_built_from_the_servers_own_state_and_loops() throws {
        let seen = Mutex<(HTTPServerState, [EventLoop])?>(nil)
        let s = try HTTPServer(configuration: Self.configuration(), logger: Logger(label: "test")) { state, loops in
            seen.withLock { $0 = (state, loops) }
            return TestResponder { _ in .response(.text(.ok, "")) }
        }
        let (state, loops) = try #require(seen.withLock { $0 })
        #expect(state === s.state)
        #expect(loops.map(ObjectIdentifier.init) == s.loops.map(ObjectIdentifier.init))
        #expect(s.shutdown(HardeningTests.quick).clean)
    }

    @Test func start_runs_once_and_never_after_a_shutdown() throws {
        let s = try HTTPServer(
            configuration: Self.configuration(), responder: TestResponder { _ in .response(.text(.ok, "hi")) },
            logger: Logger(label: "test"))
        let port = try s.start()
        #expect(port > 0 && s.port == port)
        #expect(throws: HTTPServerLifecycleError.self) { try s.start() }
        #expect(try RawClient(port: port).roundTrip("GET /x HTTP/1.1\r\nHost: t\r\n\r\n").text == "hi")
        #expect(s.shutdownReport == nil)
        #expect(s.shutdown(HardeningTests.quick).clean)
        #expect(s.shutdownReport?.clean == true)
        #expect(throws: HTTPServerLifecycleError.self) { try s.start() }
        // A second shutdown finds the server stopped and returns its report.
        #expect(s.shutdown(HardeningTests.quick).clean)
    }

    @Test func a_failed_bind_leaves_the_server_stopped_and_its_waiters_told() throws {
        let first = try HTTPServer(
            configuration: Self.configuration(), responder: TestResponder { _ in .response(.text(.ok, "")) },
            logger: Logger(label: "test"))
        let port = try first.start()
        defer { _ = first.shutdown(HardeningTests.quick) }
        let second = try HTTPServer(
            configuration: Self.configuration(port: port), responder: TestResponder { _ in .response(.text(.ok, "")) },
            logger: Logger(label: "test"))
        let told = Atomic<Int>(0)
        second.whenStopped { _ in told.add(1, ordering: .relaxed) }
        #expect(throws: SyscallError.self) { try second.start() }
        #expect(told.load(ordering: .relaxed) == 1)
        #expect(second.shutdownReport?.clean == true)
        #expect(throws: HTTPServerLifecycleError.self) { try second.start() }
        second.whenStopped { _ in told.add(1, ordering: .relaxed) }
        #expect(told.load(ordering: .relaxed) == 2, "a late waiter is told at once")
    }

    /// With a two-minute drain, only the escalation can stop the server within the 30 s this test waits: the
    /// handler runs until it is cancelled, which happens in the cancel phase the escalation skips to.
    @Test func a_second_signal_skips_the_drain() throws {
        let started = PosixSemaphore()
        let s = try HTTPServer(
            configuration: Self.configuration(),
            responder: TestResponder { _ in
                .async(
                    HTTPAsyncReply(
                        deadline: nil,
                        work: {
                            started.post()
                            try? await Task.sleep(for: .seconds(120))  // ends when the task is cancelled
                            return .text(.ok, "cancelled")
                        },
                        onDeadline: { .text(.serviceUnavailable, "deadline") },
                        onShutdown: { .text(.serviceUnavailable, "shutting down") }))
            },
            logger: Logger(label: "test"))
        let port = try s.start()
        let client = try RawClient(port: port)
        client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        started.wait()
        s.triggerGracefulShutdown(ShutdownPlan(drainTimeout: .seconds(120), cancelTimeout: .seconds(5)))
        s.escalateShutdown()
        let stopped = PosixSemaphore()
        s.whenStopped { _ in stopped.post() }
        #expect(stopped.wait(timeoutMilliseconds: 30_000), "stopped without waiting out the drain")
        #expect(s.shutdownReport?.clean == true, "the cancelled call was still answered")
        let answer = client.readResponse()
        #expect(answer?.status == 503 && answer?.text == "shutting down")
    }
}
