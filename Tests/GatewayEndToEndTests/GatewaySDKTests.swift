// The SDK against a real gateway (in-process, or the binary where signals are involved): calls, batches, notifications, errors, deadlines, cancellation,
// concurrency with connection reuse, and a restart under load that loses no call.
import Foundation
import GatewayApp
import GatewayMethods
import JSONRPC
import JSONRPCClient
import Synchronization
import Testing

@Suite(.serialized)
struct GatewaySDKTests {
    func client(_ gw: some TestGateway, _ configure: (inout JSONRPCClient.Configuration) -> Void = { _ in })
        -> JSONRPCClient
    {
        var c = JSONRPCClient.Configuration()
        configure(&c)
        return JSONRPCClient(url: "http://127.0.0.1:\(gw.port)/rpc", configuration: c)
    }

    func metric(_ gw: some TestGateway, _ name: String) throws -> Int {
        let r = try RawClient(port: gw.port).roundTrip("GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let line = r.text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return Int(line?.split(separator: " ").last ?? "") ?? -1
    }

    @Test func a_started_call_cancelled_at_shutdown_is_not_sent_again_unless_idempotent() async throws {
        let gw = try GatewayProcess(["--drain-timeout", "300ms", "--cancel-timeout", "1s"])
        let c = client(gw) { $0.retry.maxAttempts = 4 }
        let call = Task { () -> JSONRPCClientError? in
            do {
                _ = try await c.call("sleep", params: ["ms": 10000])  // untyped: not declared idempotent
                return nil
            } catch {
                return error as? JSONRPCClientError
            }
        }
        for _ in 0..<2000 where (try? metric(gw, "gateway_calls_in_flight")) != 1 {
            try await Task.sleep(for: .milliseconds(2))
        }
        gw.signal(SIGTERM)
        let error = await call.value
        // The server's own answer reaches the caller, after one attempt: the handler had run.
        guard case .rpc(let e)? = error?.kind else {
            Issue.record("expected the server's -32002, got \(String(describing: error))")
            return
        }
        #expect(e.code == -32002)
        #expect(e.data?["started"] == true)
        #expect(error?.attempts == 1)
    }

    @Test func probes_tell_a_503_from_no_answer_within_their_own_timeout() async throws {
        let gw = try GatewayProcess([
            "--shutdown-delay", "2s", "--drain-timeout", "1s", "--cancel-timeout", "1s", "--termination-grace", "6s",
        ])
        let c = client(gw) { $0.probeTimeout = .milliseconds(500) }
        #expect(await c.readyStatus().isOK)
        gw.signal(SIGTERM)
        var ready = await c.readyStatus()
        for _ in 0..<200 where ready.isOK {
            try await Task.sleep(for: .milliseconds(5))
            ready = await c.readyStatus()
        }
        guard case .status(503, let body) = ready else {
            Issue.record("expected 503 while shutting down, got \(ready)")
            return
        }
        #expect(body.contains("[-]shutdown failed"))
        #expect(await c.healthStatus().isOK)
        #expect(gw.waitForExit() == 0)
        let refused = await c.healthStatus()
        guard case .transport(7, _) = refused else {
            Issue.record("expected connection refused, got \(refused)")
            return
        }
    }

    @Test func per_call_headers_no_params_calls_and_exact_timeouts_reach_the_server() async throws {
        let gw = try InProcessGateway()
        let c = client(gw)
        // get_data takes no params: call(M.self) needs none.
        #expect(try await c.call(GetData.self) == ["hello", 5])
        // A header sent with this call only: RPC-Timeout duplicated would be refused with 400.
        do {
            _ = try await c.call("echo", params: [1], headers: [(name: "RPC-Timeout", value: "5")])
            Issue.record("expected HTTP 400 for a second RPC-Timeout field")
        } catch {
            #expect(error.httpStatus == 400)
        }
        // A 100 ms deadline is reported as 100 ms, not truncated to 99.
        do {
            _ = try await c.call(Sleep.self, SleepParams(ms: 5000), timeout: .milliseconds(100))
            Issue.record("expected a deadline error")
        } catch {
            #expect(error.isDeadlineExceeded)
            #expect(error.rpcError?.data?["timeoutMs"] == 100)
        }
    }

    @Test func max_connections_is_a_cap() async throws {
        let gw = try InProcessGateway()
        let c = client(gw) {
            $0.maxConnections = 2
            $0.maxConcurrentCalls = 64
        }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<32 { group.addTask { try await c.call(Sleep.self, SleepParams(ms: 20)) } }
            for try await r in group { #expect(r == 20) }
        }
        // The server saw at most two connections from this client, plus this /metrics probe's.
        #expect(try metric(gw, "gateway_connections_accepted_total") <= 2 + 1)
    }

    @Test func typed_untyped_and_notification_calls() async throws {
        let gw = try InProcessGateway()
        let c = client(gw)
        #expect(try await c.call(Subtract.self, SubtractParams(minuend: .int(42), subtrahend: .int(23))) == .int(19))
        // The example at the top of JSONRPCClient.swift, as written there.
        let r = try await c.call(Subtract.self, SubtractParams(minuend: 42, subtrahend: 23))  // .int(19)
        #expect(r == 19)
        #expect(try await c.call("echo", params: ["a": [1, 2]]) == ["a": [1, 2]])
        #expect(try await c.call(GetData.self, NoParams()) == ["hello", 5])
        try await c.notify("update", params: [1, 2, 3])
        #expect(await c.health())
        #expect(await c.ready())
    }

    @Test func batch_results_come_back_per_entry() async throws {
        let gw = try InProcessGateway()
        let c = client(gw)
        var b = RPCBatch()
        let a = try b.add(Subtract.self, SubtractParams(minuend: .int(5), subtrahend: .int(2)))
        let missing = b.add("no_such_method")
        b.notify("notify_hello", params: [7])
        let sum = try b.add(Sum.self, [.int(1), .int(2), .int(4)])
        let results = try await c.batch(b)
        #expect(try results.value(a) == .int(3))
        #expect(try results.value(sum) == .int(7))
        guard case .failure(let e) = results[missing] else {
            Issue.record("expected a failure")
            return
        }
        #expect(e.rpcError?.code == -32601)
    }

    @Test func errors_are_told_apart() async throws {
        let gw = try InProcessGateway()
        let c = client(gw)
        do {
            _ = try await c.call("subtract", params: [1])
            Issue.record("expected -32602")
        } catch {
            #expect(error.rpcError?.code == -32602)
        }
        let wrongPath = JSONRPCClient(url: "http://127.0.0.1:\(gw.port)/nope")
        do {
            _ = try await wrongPath.call("echo")
            Issue.record("expected HTTP 404")
        } catch {
            #expect(error.httpStatus == 404)
        }
        var noRetry = JSONRPCClient.Configuration()
        noRetry.retry = .none
        let refused = JSONRPCClient(url: "http://127.0.0.1:1/rpc", configuration: noRetry)
        do {
            _ = try await refused.call("echo")
            Issue.record("expected a transport error")
        } catch {
            #expect(error.curlCode == 7)
        }
    }

    @Test func deadline_is_sent_and_enforced_by_the_server() async throws {
        let gw = try InProcessGateway()
        let c = client(gw)
        let start = ContinuousClock.now
        do {
            _ = try await c.call(Sleep.self, SleepParams(ms: 5000), timeout: .milliseconds(200))
            Issue.record("expected a deadline error")
        } catch {
            #expect(error.isDeadlineExceeded)
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func task_cancellation_aborts_the_transfer_and_the_server_cancels_the_handler() async throws {
        let gw = try InProcessGateway()
        let c = client(gw)
        let task = Task { try await c.call(Sleep.self, SleepParams(ms: 10_000)) }
        // The call is in flight once the server counts it.
        for _ in 0..<500 where try metric(gw, "gateway_calls_in_flight") < 1 {
            try await Task.sleep(for: .milliseconds(5))
        }
        let start = ContinuousClock.now
        task.cancel()
        let outcome = await task.result
        #expect(ContinuousClock.now - start < .seconds(1))
        guard case .failure(let e) = outcome, let error = e as? JSONRPCClientError, case .cancelled = error.kind else {
            Issue.record("expected .cancelled, got \(outcome)")
            return
        }
        // The disconnect cancels the handler: nothing stays in flight.
        for _ in 0..<500 where try metric(gw, "gateway_calls_in_flight") > 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try metric(gw, "gateway_calls_in_flight") == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func a_call_cancelled_before_it_starts_ends_as_cancelled_and_does_not_hang() async throws {
        let gw = try InProcessGateway()
        let c = client(gw)
        for _ in 0..<50 {
            let task = Task { try await c.call(Sleep.self, SleepParams(ms: 10_000)) }
            task.cancel()
            if case .success = await task.result { Issue.record("a cancelled call succeeded") }
        }
        #expect(try await c.call("echo", params: [1]) == [1])
    }

    @Test func server_503_with_retry_after_is_retried_until_it_clears() async throws {
        let gw = try InProcessGateway(["--max-in-flight", "1"])
        let c = client(gw) {
            $0.retry = .init(maxAttempts: 20, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(50))
        }
        // One slow call fills the cap; a second is refused with 503 + Retry-After: 1 and retried after it.
        let slow = Task { try await c.call(Sleep.self, SleepParams(ms: 2000)) }
        for _ in 0..<500 where try metric(gw, "gateway_calls_in_flight") < 1 {
            try await Task.sleep(for: .milliseconds(5))
        }
        let start = ContinuousClock.now
        #expect(try await c.call("echo", params: ["ok"]) == ["ok"])
        #expect(ContinuousClock.now - start >= .milliseconds(900), "Retry-After: 1 honoured")
        #expect(try await slow.value == 2000)
    }

    @Test func hundreds_of_concurrent_calls_reuse_a_few_connections() async throws {
        let gw = try InProcessGateway()
        let c = client(gw) {
            $0.maxConnections = 16
            $0.maxConcurrentCalls = 16
        }
        let n = 400
        let ok = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<n {
                group.addTask {
                    try await c.call(Subtract.self, SubtractParams(minuend: .int(i), subtrahend: .int(1)))
                        == .int(i - 1)
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(ok == n)
        let accepted = try metric(gw, "gateway_connections_accepted_total")
        // 16 concurrent transfers need at most 16 connections, +1 for the start-up probe, +1 for this metrics probe.
        #expect(accepted <= 18, "accepted \(accepted) connections for \(n) calls")
    }

    @Test func restart_under_load_loses_no_call() async throws {
        let first = try GatewayProcess(["--drain-timeout", "5s"])
        let port = first.port
        let c = JSONRPCClient(
            url: "http://127.0.0.1:\(port)/rpc",
            configuration: {
                var cfg = JSONRPCClient.Configuration()
                cfg.retry = .init(maxAttempts: 30, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(200))
                cfg.callTimeout = .seconds(20)
                return cfg
            }())
        final class Load: Sendable {
            let stop = Atomic<Bool>(false)
            let failures = Mutex<[String]>([])
            let done = Atomic<Int>(0)
        }
        let load = Load()
        let workers = Task {
            await withTaskGroup(of: Void.self) { group in
                for w in 0..<8 {
                    group.addTask {
                        var i = 0
                        while !load.stop.load(ordering: .relaxed) && i < 100_000 {
                            i += 1
                            do {
                                let r = try await c.call(
                                    Subtract.self, SubtractParams(minuend: .int(w * 1000 + i), subtrahend: .int(1)))
                                if r != .int(w * 1000 + i - 1) {
                                    load.failures.withLock { $0.append("wrong result \(r)") }
                                }
                                load.done.add(1, ordering: .relaxed)
                            } catch {
                                load.failures.withLock { $0.append("\(error)") }
                            }
                        }
                    }
                }
            }
        }
        func waitForCalls(_ n: Int) async throws {
            let target = load.done.load(ordering: .relaxed) + n
            for _ in 0..<2000 where load.done.load(ordering: .relaxed) < target {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        try await waitForCalls(300)
        first.signal(SIGTERM)
        #expect(first.waitForExit() == 0)
        let second = try GatewayProcess(port: port)
        try await waitForCalls(300)
        load.stop.store(true, ordering: .relaxed)
        await workers.value
        second.signal(SIGTERM)
        #expect(second.waitForExit() == 0)
        let f = load.failures.withLock { $0 }
        #expect(f.isEmpty, "\(f.count) failed calls, first: \(f.first ?? "")")
        #expect(load.done.load(ordering: .relaxed) >= 600)
    }
}
