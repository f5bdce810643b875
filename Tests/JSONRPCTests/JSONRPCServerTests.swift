// Dispatch without sockets: bodies in, bodies out.
import JSONRPC
import Logging
import Testing

@testable import JSONRPCServer

enum Add: JSONRPCMethod {
    typealias Params = [Int]
    typealias Result = Int
    static let name = "add"
}

struct NamedParams: Codable, Sendable {
    var a: Int
    var b: Int
}
enum Named: JSONRPCMethod {
    typealias Params = NamedParams
    typealias Result = Int
    static let name = "named"
}

struct JSONRPCServerTests {
    let server: JSONRPCServer = {
        var t = RPCMethodTable()
        t.register(Add.self) { p, _ in p.reduce(0, +) }
        t.register(Named.self) { p, _ in p.a * p.b }
        t.register("fail") { _, _ in throw JSONRPCError.handlerError("nope", data: ["why": "test"]) }
        t.register("crash") { _, _ in throw CancellationErrorLike() }
        t.register("slow") { _, ctx in
            try await Task.sleep(for: .seconds(10))
            return .null
        }
        var c = JSONRPCServer.Configuration()
        c.batchLimit = 3
        return JSONRPCServer(methods: t, configuration: c, logger: Logger(label: "test"))
    }()

    struct CancellationErrorLike: Error {}

    func call(_ body: String) async throws -> JSONValue? {
        guard let out = await server.respond(to: Array(body.utf8), call: RPCCall()) else { return nil }
        return try JSONValue(parsing: out)
    }

    @Test func typed_positional_and_named_params() async throws {
        #expect(
            try await call(#"{"jsonrpc":"2.0","method":"add","params":[1,2,3],"id":1}"#) == [
                "jsonrpc": "2.0", "result": 6, "id": 1,
            ])
        #expect(try await call(#"{"jsonrpc":"2.0","method":"named","params":{"a":6,"b":7},"id":"x"}"#)?["result"] == 42)
    }

    @Test func wrong_params_are_32602_with_the_reason() async throws {
        let r = try await call(#"{"jsonrpc":"2.0","method":"named","params":{"a":6},"id":1}"#)
        #expect(r?["error"]?["code"] == -32602)
        #expect(r?["error"]?["data"]?.stringValue?.contains("b") == true)
    }

    @Test func handler_errors_keep_their_code_and_unknown_errors_become_32603() async throws {
        let r = try await call(#"{"jsonrpc":"2.0","method":"fail","id":1}"#)
        #expect(r?["error"] == ["code": -32000, "message": "nope", "data": ["why": "test"]])
        let c = try await call(#"{"jsonrpc":"2.0","method":"crash","id":2}"#)
        #expect(c?["error"] == ["code": -32603, "message": "Internal error"])
    }

    @Test func notifications_get_no_answer_even_on_error() async throws {
        #expect(try await call(#"{"jsonrpc":"2.0","method":"add","params":[1]}"#) == nil)
        #expect(try await call(#"{"jsonrpc":"2.0","method":"nope"}"#) == nil)
        #expect(
            try await call(#"[{"jsonrpc":"2.0","method":"add","params":[1]},{"jsonrpc":"2.0","method":"x"}]"#) == nil)
    }

    @Test func batch_keeps_request_order_and_the_limit_is_one_error() async throws {
        let r = try await call(
            #"[{"jsonrpc":"2.0","method":"add","params":[1],"id":"a"},{"jsonrpc":"2.0","method":"add","params":[2],"id":"b"}]"#
        )
        #expect(r?.arrayValue?.map { $0["id"] } == ["a", "b"])
        let over = try await call(
            String(repeating: #"{"jsonrpc":"2.0","method":"add","params":[1],"id":1},"#, count: 4).dropLast()
                .description.wrappedInBrackets)
        #expect(over?["error"]?["code"] == -32600)
        #expect(over?["error"]?["data"]?.stringValue?.contains("3") == true)
    }

    @Test func invalid_requests_are_32600_and_keep_a_readable_id() async throws {
        let r = try await call(#"{"jsonrpc":"2.0","method":1,"id":7}"#)
        #expect(r?["error"]?["code"] == -32600)
        #expect(r?["id"] == 7)
        let v = try await call(#"{"jsonrpc":"1.0","method":"add","id":null}"#)
        #expect(v?["error"]?["code"] == -32600)
        #expect(v?["id"] == .null)
        let p = try await call(#"{"jsonrpc":"2.0","method":"add","params":3,"id":1}"#)
        #expect(p?["error"]?["code"] == -32600)
        let i = try await call(#"{"jsonrpc":"2.0","method":"add","params":[],"id":{}}"#)
        #expect(i?["error"]?["code"] == -32600)
        #expect(i?["id"] == .null)
    }

    @Test func ids_come_back_exactly_as_sent() async throws {
        let body = #"{"jsonrpc":"2.0","method":"add","params":[1],"id":12345678901234567890123}"#
        let out = await server.respond(to: Array(body.utf8), call: RPCCall())
        #expect(String(decoding: out ?? [], as: UTF8.self).hasSuffix(#""id":12345678901234567890123}"#))
    }

    @Test func deadline_answer_covers_unfinished_entries_only() async throws {
        let call = RPCCall(deadline: .now + .seconds(60), timeoutMs: 5)
        let task = Task {
            await server.respond(
                to: Array(
                    #"[{"jsonrpc":"2.0","method":"add","params":[1],"id":1},{"jsonrpc":"2.0","method":"slow","id":2}]"#
                        .utf8),
                call: call)
        }
        // Wait for the fast entry to be recorded (an event, polled with a bound).
        var answer: JSONValue? = nil
        for _ in 0..<1000 {
            answer = try call.timeoutResponse().map { try JSONValue(parsing: $0) }
            if answer?.arrayValue?.first?["result"] == 1 { break }
            await Task.yield()
            try await Task.sleep(for: .milliseconds(1))
        }
        task.cancel()
        _ = await task.value
        #expect(answer?.arrayValue?.count == 2)
        #expect(answer?[0]?["result"] == 1)
        #expect(answer?[1]?["error"]?["code"] == -32001)
    }
}

extension String {
    var wrappedInBrackets: String { "[" + self + "]" }
}
