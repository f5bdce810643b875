// SIGTERM with calls in flight: every accepted call answered, then exit 0.
import Foundation
import Testing

@Suite(.serialized)
struct GatewayShutdownTests {
    @Test func in_flight_call_is_answered_across_sigterm_and_exit_is_0() throws {
        let gw = try GatewayProcess(["--drain-timeout", "5s"])
        let c = try RawClient(port: gw.port)
        c.send(RawClient.post(#"{"jsonrpc":"2.0","method":"sleep","params":{"ms":300},"id":1}"#))
        // Wait until the call is in flight: a second connection sees the server busy with it via readiness still ok.
        let probe = try RawClient(port: gw.port)
        #expect(try probe.roundTrip("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
        gw.signal(SIGTERM)
        let r = c.readResponse()
        #expect((r?.json as? [String: Any])?["result"] as? Int == 300)
        #expect(r?.header("Connection") == "close")
        #expect(gw.waitForExit() == 0)
    }

    @Test func call_outliving_the_drain_is_answered_32002_and_exit_is_0() throws {
        let gw = try GatewayProcess(["--drain-timeout", "200ms", "--cancel-timeout", "1s"])
        let c = try RawClient(port: gw.port)
        c.send(RawClient.post(#"{"jsonrpc":"2.0","method":"sleep","params":{"ms":10000},"id":7}"#))
        let probe = try RawClient(port: gw.port)
        #expect(try probe.roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
        gw.signal(SIGTERM)
        let e = (c.readResponse()?.json as? [String: Any])?["error"] as? [String: Any]
        #expect(e?["code"] as? Int == -32002)
        // The handler had started: it may have had effects, so only an idempotent call may be sent again.
        #expect((e?["data"] as? [String: Any])?["started"] as? Bool == true)
        #expect((e?["data"] as? [String: Any])?["retryable"] as? Bool == false)
        #expect(gw.waitForExit() == 0)
    }

    @Test func a_port_in_use_is_reported_with_exit_3_not_a_crash() throws {
        let first = try GatewayProcess()
        let p = Process()
        p.executableURL = GatewayProcess.binary
        p.arguments = ["serve", "--port", "\(first.port)"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 3)
        #expect(p.terminationReason == .exit)
        #expect(
            String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains(
                "Address already in use"))
    }

    @Test func budget_that_does_not_fit_the_grace_period_refuses_to_start() throws {
        let p = Process()
        p.executableURL = GatewayProcess.binary
        p.arguments = [
            "serve", "--port", "0", "--shutdown-delay", "10s", "--drain-timeout", "20s", "--termination-grace", "30",
        ]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("termination-grace"))
    }
}

@Suite(.serialized)
struct GatewayShutdownSequenceTests {
    func connectRefused(_ port: Int) -> Bool {
        do {
            _ = try RawClient(port: port)
            return false
        } catch {
            return true
        }
    }

    @Test func readiness_flips_at_once_listener_stays_open_for_the_delay_then_refuses() throws {
        let gw = try GatewayProcess(["--shutdown-delay", "1s", "--drain-timeout", "2s"])
        let idle = try RawClient(port: gw.port)
        #expect(try idle.roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
        let signalled = Date()
        gw.signal(SIGTERM)
        // Within 0.5 s a new connection is still accepted and /readyz says 503, /healthz 200, both closing.
        var ready: RawResponse? = nil
        while Date().timeIntervalSince(signalled) < 0.5 {
            ready = try RawClient(port: gw.port).roundTrip("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
            if ready?.status == 503 { break }
        }
        #expect(ready?.status == 503)
        #expect(ready?.header("Connection") == "close")
        let live = try RawClient(port: gw.port).roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(live.status == 200)
        // The idle keep-alive connection survives the delay, then closes when the drain starts.
        #expect(idle.isClosedByPeer())
        let closedAfter = Date().timeIntervalSince(signalled)
        #expect(closedAfter >= 0.9 && closedAfter < 2.0, "idle connection closed after \(closedAfter) s")
        #expect(connectRefused(gw.port))
        #expect(gw.waitForExit() == 0)
    }

    @Test func second_signal_skips_the_drain() throws {
        let gw = try GatewayProcess(["--drain-timeout", "20s", "--cancel-timeout", "2s"])
        let c = try RawClient(port: gw.port, timeout: 10)
        c.send(RawClient.post(#"{"jsonrpc":"2.0","method":"sleep","params":{"ms":15000},"id":1}"#))
        #expect(try RawClient(port: gw.port).roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
        gw.signal(SIGTERM)
        // Refused connections tell that the drain has begun.
        for _ in 0..<200 where !connectRefused(gw.port) { usleep(5000) }
        let start = Date()
        gw.signal(SIGTERM)
        let e = (c.readResponse()?.json as? [String: Any])?["error"] as? [String: Any]
        #expect(e?["code"] as? Int == -32002)
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(gw.waitForExit() == 0)
    }

    @Test func batch_and_notification_in_flight_are_finished_by_the_drain() throws {
        let gw = try GatewayProcess(["--drain-timeout", "5s"])
        let batch = try RawClient(port: gw.port)
        batch.send(
            RawClient.post(
                #"[{"jsonrpc":"2.0","method":"sleep","params":{"ms":300},"id":1},{"jsonrpc":"2.0","method":"sleep","params":{"ms":200},"id":2}]"#
            ))
        let note = try RawClient(port: gw.port)
        note.send(RawClient.post(#"{"jsonrpc":"2.0","method":"sleep","params":{"ms":300}}"#))
        #expect(try RawClient(port: gw.port).roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
        gw.signal(SIGTERM)
        let results = (batch.readResponse()?.json as? [[String: Any]])?.map { $0["result"] as? Int }
        #expect(results == [300, 200])
        #expect(note.readResponse()?.status == 204)
        #expect(gw.waitForExit() == 0)
    }
}
