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
        #expect((e?["data"] as? [String: Any])?["retryable"] as? Bool == true)
        #expect(gw.waitForExit() == 0)
    }

    @Test func budget_that_does_not_fit_the_grace_period_refuses_to_start() throws {
        let p = Process()
        p.executableURL = GatewayProcess.binary
        p.arguments = ["serve", "--port", "0", "--shutdown-delay", "10s", "--drain-timeout", "20s", "--termination-grace", "30"]
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
