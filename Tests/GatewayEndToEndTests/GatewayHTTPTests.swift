// A real gateway over loopback: keep-alive, pipelining, 100-continue, limits, timeouts, probes. In-process
// (`InProcessGateway`, the same options and setup as `gateway serve`), except where the binary itself is the
// subject: environment variables, and the large pipelined transfer.
import Foundation
import Testing

@Suite(.serialized)
struct GatewayHTTPTests {
    let subtract = #"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#

    @Test func keep_alive_serves_many_requests_on_one_connection() throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port)
        for i in 0..<20 {
            let r = try c.roundTrip(
                RawClient.post(#"{"jsonrpc":"2.0","method":"subtract","params":[\#(i),1],"id":\#(i)}"#))
            #expect(r.status == 200)
            #expect(r.header("Date") != nil)
            #expect((r.json as? [String: Any])?["result"] as? Int == i - 1)
        }
    }

    @Test func pipelined_requests_are_answered_in_order() throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port)
        // A slow first call must not let the fast ones overtake it.
        c.send(
            RawClient.post(#"{"jsonrpc":"2.0","method":"sleep","params":{"ms":100},"id":"a"}"#)
                + RawClient.post(#"{"jsonrpc":"2.0","method":"echo","params":["b"],"id":"b"}"#)
                + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let a = c.readResponse()
        let b = c.readResponse()
        let h = c.readResponse()
        #expect((a?.json as? [String: Any])?["id"] as? String == "a")
        #expect((b?.json as? [String: Any])?["id"] as? String == "b")
        #expect(h?.text == "ok")
    }

    /// 20,000 small requests in one go: their answers pass the 256 KiB mark many times, and each time the
    /// socket takes them at once, parsing must carry on by itself (it once waited for an event that never came,
    /// and answered about 2,200 of them).
    @Test func many_small_pipelined_requests_are_all_answered() throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port, timeout: 10)
        let n = 20_000
        let bytes = Array(String(repeating: "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", count: n).utf8)
        let writer = Thread { c.send(bytes) }
        writer.start()
        var answered = 0
        while answered < n, let r = c.readResponse(), r.status == 200 { answered += 1 }
        #expect(answered == n)
    }

    @Test func expect_continue_gets_100_before_the_body_is_sent() throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port, timeout: 2)
        c.send(
            "POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: \(subtract.utf8.count)\r\n\r\n"
        )
        let interim = c.readResponse()
        #expect(interim?.status == 100)
        c.send(subtract)
        #expect(c.readResponse()?.status == 200)
    }

    @Test func oversized_body_with_expect_gets_413_and_no_100() throws {
        let gw = try InProcessGateway(["--max-body", "1000"])
        let c = try RawClient(port: gw.port, timeout: 2)
        let r = try c.roundTrip(
            "POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n"
        )
        #expect(r.status == 413)
        #expect(r.header("Connection") == "close")
        #expect(c.isClosedByPeer())
    }

    @Test func limits_answer_414_431_413_and_close() throws {
        let gw = try InProcessGateway()
        let cases: [(String, Int)] = [
            ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414),
            ("GET / HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "a", count: 17000) + "\r\n\r\n", 431),
            ("POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 6000000\r\n\r\n", 413),
            ("POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ]
        for (raw, status) in cases {
            let c = try RawClient(port: gw.port)
            let r = try c.roundTrip(raw)
            #expect(r.status == status)
            #expect(r.header("Connection") == "close")
            #expect(c.isClosedByPeer())
        }
    }

    @Test func routes_answer_405_415_404_and_head_has_no_body() throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port)
        let get = try c.roundTrip("GET /rpc HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(get.status == 405)
        #expect(get.header("Allow") == "POST")
        #expect(
            try c.roundTrip("POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}")
                .status == 415)
        #expect(try c.roundTrip("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n").status == 404)
        let head = try c.roundTrip("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n", headOnly: true)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "2")
        // The connection is still in sync after HEAD: the next answer parses.
        #expect(try c.roundTrip("GET /livez HTTP/1.1\r\nHost: t\r\n\r\n").text == "ok")
    }

    @Test func slow_head_is_cut_off_with_408() throws {
        let gw = try InProcessGateway(["--header-timeout", "300ms"])
        let c = try RawClient(port: gw.port, timeout: 3)
        let start = Date()
        c.send("POST /rpc HTTP/1.1\r\nHost: t\r\n")
        let r = c.readResponse()
        #expect(r?.status == 408)
        #expect(c.isClosedByPeer())
        #expect(Date().timeIntervalSince(start) < 2.5)
    }

    @Test func slow_body_is_cut_off_with_408() throws {
        let gw = try InProcessGateway(["--body-timeout", "300ms"])
        let c = try RawClient(port: gw.port, timeout: 3)
        c.send(
            "POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"jsonrpc\"")
        #expect(c.readResponse()?.status == 408)
        #expect(c.isClosedByPeer())
    }

    @Test func idle_keep_alive_connection_is_closed_after_the_idle_timeout() throws {
        let gw = try InProcessGateway(["--idle-timeout", "300ms"])
        let c = try RawClient(port: gw.port, timeout: 3)
        #expect(try c.roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
        #expect(c.isClosedByPeer())
    }

    @Test func a_busy_keep_alive_connection_is_not_closed_by_the_idle_timeout() throws {
        let gw = try InProcessGateway(["--idle-timeout", "400ms"])
        let c = try RawClient(port: gw.port)
        // Requests every 150 ms for 1.2 s: each answer restarts the idle clock.
        for _ in 0..<8 {
            #expect(try c.roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
            usleep(150_000)
        }
    }

    @Test func many_idle_connections_are_held_and_stay_usable() throws {
        let gw = try InProcessGateway()
        let clients = try (0..<500).map { _ in try RawClient(port: gw.port) }
        for c in clients { c.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n") }
        var ok = 0
        for c in clients where c.readResponse()?.status == 200 { ok += 1 }
        #expect(ok == clients.count)
    }

    @Test func past_the_connection_cap_calls_get_503_and_a_close_while_probes_still_answer() throws {
        let gw = try InProcessGateway(["--max-connections", "2", "--connection-reserve", "4"])
        // In-process there is no start-up probe: the first two clients fill the cap, the third is refused.
        var held: [RawClient] = []
        var refused: RawClient? = nil
        for _ in 0..<3 {
            let c = try RawClient(port: gw.port)
            c.send(RawClient.post(#"{"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":1}"#))
            let r = c.readResponse()
            if r?.status == 503 {
                #expect(r?.header("Connection") == "close")
                #expect(r?.header("Retry-After") == "1")
                #expect(((r?.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32003)
                refused = c
                break
            }
            #expect(r?.status == 200)
            held.append(c)
        }
        #expect(held.count == 2)
        #expect(refused?.isClosedByPeer() == true)
        // Kubernetes must not restart a pod because it is full: probes are served from the reserve.
        let probe = try RawClient(port: gw.port)
        #expect(try probe.roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
    }

    @Test func readyz_verbose_lists_checks_in_kubernetes_format() throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port)
        let r = try c.roundTrip("GET /readyz?verbose HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(r.status == 200)
        #expect(r.text == "[+]listening ok\n[+]shutdown ok\n[+]services ok\nreadyz check passed\n")
        let one = try c.roundTrip("GET /readyz/shutdown HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(one.text == "[+]shutdown ok\nreadyz/shutdown check passed\n")
        #expect(try c.roundTrip("GET /readyz/nope HTTP/1.1\r\nHost: t\r\n\r\n").status == 404)
    }

    @Test func environment_variables_set_flags() throws {
        let gw = try GatewayProcess(environment: ["GATEWAY_RPC_PATH": "/v1/rpc"])
        let c = try RawClient(port: gw.port)
        #expect(try c.roundTrip(RawClient.post(subtract, path: "/v1/rpc")).status == 200)
        #expect(try c.roundTrip(RawClient.post(subtract)).status == 404)
    }
}

@Suite(.serialized)
struct GatewayPipeliningTests {
    @Test func many_large_pipelined_requests_all_answered_in_order_while_the_client_reads_late() throws {
        let gw = try GatewayProcess()
        let c = try RawClient(port: gw.port, timeout: 20)
        let blob = String(repeating: "x", count: 100_000)
        let n = 30
        var all = ""
        for i in 0..<n { all += RawClient.post(#"{"jsonrpc":"2.0","method":"echo","params":["\#(blob)"],"id":\#(i)}"#) }
        // 3 MB of requests and 3 MB of answers in flight at once: written from another thread, read here.
        let bytes = Array(all.utf8)
        let writer = Thread { c.send(bytes) }
        writer.start()
        var ids: [Int] = []
        for _ in 0..<n {
            guard let r = c.readResponse() else { break }
            ids.append((r.json as? [String: Any])?["id"] as? Int ?? -1)
        }
        #expect(ids == Array(0..<n))
    }
}
