// Every example of the JSON-RPC 2.0 specification (§7) against a running gateway (in-process, real sockets;
// the blocking client runs on threads of its own, so the gateway's pool work cannot starve).
import Foundation
import Testing

@Suite(.serialized)
struct GatewaySpecExampleTests {
    /// (request, expected response JSON or nil for "no content").
    static let examples: [(String, String?)] = [
        (
            #"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#,
            #"{"jsonrpc": "2.0", "result": 19, "id": 1}"#
        ),
        (
            #"{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}"#,
            #"{"jsonrpc": "2.0", "result": -19, "id": 2}"#
        ),
        (
            #"{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}"#,
            #"{"jsonrpc": "2.0", "result": 19, "id": 3}"#
        ),
        (
            #"{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}"#,
            #"{"jsonrpc": "2.0", "result": 19, "id": 4}"#
        ),
        (#"{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}"#, nil),
        (#"{"jsonrpc": "2.0", "method": "foobar"}"#, nil),
        (
            #"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#,
            #"{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found", "data": "foobar"}, "id": "1"}"#
        ),
        (#"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#, "-32700"),
        (#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#, "-32600"),
        (#"[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method"]"#, "-32700"),
        ("[]", "-32600"),
        ("[1]", "[-32600]"),
        ("[1,2,3]", "[-32600,-32600,-32600]"),
        (
            #"[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]"#,
            nil
        ),
    ]

    func post(_ c: RawClient, _ body: String) async throws -> RawResponse {
        try await onThread { try c.roundTrip(RawClient.post(body)) }
    }

    @Test func specification_examples() async throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port)
        for (request, expected) in Self.examples {
            let r = try await post(c, request)
            guard let expected else {
                #expect(r.status == 204, "\(request)")
                #expect(r.body.isEmpty)
                continue
            }
            #expect(r.status == 200, "\(request)")
            let got = r.json
            if expected.hasPrefix("-") {
                let e = (got as? [String: Any])?["error"] as? [String: Any]
                #expect(e?["code"] as? Int == Int(expected), "\(request) -> \(r.text)")
                #expect((got as? [String: Any])?["id"] is NSNull, "\(request)")
            } else if expected.hasPrefix("[-") {
                let codes = (got as? [[String: Any]])?.map { ($0["error"] as? [String: Any])?["code"] as? Int }
                let want = expected.dropFirst().dropLast().split(separator: ",").map { Int($0) }
                #expect(codes == want, "\(request) -> \(r.text)")
            } else {
                let want = try JSONSerialization.jsonObject(with: Data(expected.utf8))
                #expect(
                    NSDictionary(dictionary: got as? [String: Any] ?? [:])
                        == NSDictionary(dictionary: want as! [String: Any]), "\(request) -> \(r.text)")
            }
        }
    }

    @Test func mixed_batch_answers_each_entry_in_order() async throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port)
        let r = try await post(
            c,
            #"""
            [
                {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
                {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
                {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
                {"foo": "boo"},
                {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
                {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
            ]
            """#)
        let a = r.json as? [[String: Any]] ?? []
        #expect(a.count == 5)
        #expect(a.map { $0["id"] as? String } == ["1", "2", nil, "5", "9"])
        #expect(a[0]["result"] as? Int == 7)
        #expect(a[1]["result"] as? Int == 19)
        #expect((a[2]["error"] as? [String: Any])?["code"] as? Int == -32600)
        #expect((a[3]["error"] as? [String: Any])?["code"] as? Int == -32601)
        #expect((a[4]["result"] as? [Any])?.first as? String == "hello")
    }

    @Test func large_integer_id_and_echoed_params_come_back_exactly() async throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port)
        let r = try await post(
            c,
            #"{"jsonrpc":"2.0","method":"echo","params":{"n":12345678901234567890123,"f":1.5e300},"id":12345678901234567890123}"#
        )
        #expect(r.text.contains(#""id":12345678901234567890123"#))
        #expect(r.text.contains(#"12345678901234567890123,"f":1.5e300"#))
    }

    @Test func invalid_utf8_deep_nesting_and_oversized_batch_are_errors_not_crashes() async throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port)
        var bad = Array(#"{"jsonrpc":"2.0","method":"echo","params":[""#.utf8)
        bad += [0xFF, 0xFE]
        bad += Array(#""],"id":1}"#.utf8)
        let invalid = try await onThread { [bad] in
            c.send(
                Array(
                    "POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(bad.count)\r\n\r\n"
                        .utf8) + bad)
            return c.readResponse()
        }
        #expect(((invalid?.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32700)
        let deep = String(repeating: "[", count: 50_000)
        #expect(
            ((try await post(c, deep).json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32700)
        let batch =
            "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"echo","id":1}"#, count: 1001).joined(separator: ",")
            + "]"
        let e = (try await post(c, batch).json as? [String: Any])?["error"] as? [String: Any]
        #expect(e?["code"] as? Int == -32600)
        #expect((e?["data"] as? String)?.contains("1000") == true)
        #expect(
            try await post(c, #"{"jsonrpc":"2.0","method":"subtract","params":[1,"a"],"id":1}"#).text.contains("-32602")
        )
    }

    @Test func rpc_timeout_header_answers_32001() async throws {
        let gw = try InProcessGateway()
        let c = try RawClient(port: gw.port)
        let start = Date()
        let r = try await onThread {
            try c.roundTrip(
                RawClient.post(
                    #"{"jsonrpc":"2.0","method":"sleep","params":{"ms":5000},"id":1}"#, extra: "RPC-Timeout: 100\r\n"))
        }
        #expect(((r.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32001)
        // Not before the deadline, and not a whole sweep period after it.
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed >= 0.095 && elapsed < 1.0, "answered after \(elapsed) s")
    }
}
