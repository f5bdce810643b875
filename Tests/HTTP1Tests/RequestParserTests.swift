// The parser fed whole, one byte at a time, and followed by bytes that must stay unconsumed (h11's way).
import Testing

@testable import HTTP1

/// Feeds `bytes` in pieces of `chunk` bytes and collects every request; stops at the first error.
func parseAll(_ bytes: [UInt8], chunk: Int = Int.max, limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError) -> (
    requests: [ServerRequest], continues: Int, parser: RequestParser
) {
    var p = RequestParser(limits: limits)
    var requests: [ServerRequest] = []
    var continues = 0
    var i = 0
    repeat {
        let end = min(bytes.count, i + max(1, min(chunk, bytes.count)))
        p.feed(bytes[i..<end])
        i = end
        loop: while true {
            switch try p.next() {
            case .needMore: break loop
            case .expectContinue: continues += 1
            case .head: break
            case .request(let r): requests.append(r)
            }
        }
    } while i < bytes.count
    return (requests, continues, p)
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

struct RequestParserTests {
    static let valid: [(name: String, raw: String, method: String, target: String, body: String)] = [
        ("get", "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/healthz", ""),
        (
            "post with length", "POST /rpc HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", "POST", "/rpc",
            "hello"
        ),
        (
            "chunked with extension and trailer",
            "POST /rpc HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=\"v\\\"w\"\r\nhello\r\n1 ;x ; y = z\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n",
            "POST", "/rpc", "hello!"
        ),
        ("http/1.0 without host", "GET / HTTP/1.0\r\n\r\n", "GET", "/", ""),
        (
            "absolute form", "GET http://example.com:8080/readyz?verbose HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET",
            "http://example.com:8080/readyz?verbose", ""
        ),
        ("leading empty line ignored", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/", ""),
        ("obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\u{e9}\r\n\r\n", "GET", "/", ""),
        ("tab around a value", "GET / HTTP/1.1\r\nHost:\ta \t\r\n\r\n", "GET", "/", ""),
    ]

    @Test(arguments: [Int.max, 1, 2, 7])
    func valid_requests_parse_whatever_the_split(chunk: Int) throws {
        for v in Self.valid {
            let (requests, _, parser) = try parseAll(bytes(v.raw), chunk: chunk)
            #expect(requests.count == 1, "\(v.name)")
            #expect(requests.first?.head.method == v.method, "\(v.name)")
            #expect(requests.first?.head.target == v.target, "\(v.name)")
            #expect(requests.first.map { String(decoding: $0.body, as: UTF8.self) } == v.body, "\(v.name)")
            #expect(parser.isIdle, "\(v.name)")
        }
    }

    @Test func trailing_bytes_stay_buffered_for_the_next_request() throws {
        for v in Self.valid {
            let trailing = "GET /next HTTP/1.1\r\nHo"
            let (requests, _, parser) = try parseAll(bytes(v.raw + trailing))
            #expect(requests.count == 1, "\(v.name)")
            #expect(parser.bufferedByteCount == trailing.utf8.count, "\(v.name)")
        }
    }

    @Test func pipelined_requests_come_out_in_order() throws {
        let raw =
            "GET /a HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\nHost: a\r\n\r\n"
        for chunk in [Int.max, 1, 3] {
            let (requests, _, _) = try parseAll(bytes(raw), chunk: chunk)
            #expect(requests.map(\.head.target) == ["/a", "/b", "/c"])
            #expect(requests[1].body == bytes("hi"))
        }
    }

    @Test func duplicate_fields_are_kept_in_order() throws {
        let (requests, _, _) = try parseAll(bytes("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n"))
        #expect(requests[0].head.fields.values("X-A") == ["1", "2"])
        #expect(requests[0].head.fields.fields.map(\.name) == ["Host", "X-A", "x-a"])
    }

    @Test func trailers_are_returned() throws {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\n\r\n"
        let (requests, _, _) = try parseAll(bytes(raw), chunk: 1)
        #expect(requests[0].trailers.values("b") == ["2"])
    }

    @Test func keep_alive_follows_version_and_connection() throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
        ]
        for (raw, keepAlive) in cases {
            let (requests, _, _) = try parseAll(bytes(raw))
            #expect(requests[0].head.keepAlive == keepAlive, "\(raw)")
        }
    }

    @Test func a_head_is_announced_before_a_body_that_has_not_arrived() throws {
        var p = RequestParser()
        p.feed(bytes("POST /rpc HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab"))
        guard case .head(let h) = try p.next() else {
            Issue.record("no head event")
            return
        }
        #expect(h.framing == .length(4))
        guard case .needMore = try p.next() else {
            Issue.record("expected needMore")
            return
        }
        p.feed(bytes("cd"))
        guard case .request(let r) = try p.next() else {
            Issue.record("no request")
            return
        }
        #expect(r.body == bytes("abcd"))
    }

    @Test func no_head_event_when_the_whole_body_is_buffered() throws {
        var p = RequestParser()
        p.feed(bytes("POST /rpc HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"))
        guard case .request(let r) = try p.next() else {
            Issue.record("expected the request at once")
            return
        }
        #expect(r.body == bytes("hi"))
    }

    @Test func leading_empty_lines_make_the_connection_busy() throws {
        // An idle connection runs the long idle timer; a trickle of CRLFs must run the header timer instead.
        var p = RequestParser()
        #expect(p.isIdle)
        p.feed(bytes("\r\n"))
        guard case .needMore = try p.next() else {
            Issue.record("expected needMore")
            return
        }
        #expect(!p.isIdle)
    }

    @Test func expect_continue_is_announced_once_before_the_body() throws {
        var p = RequestParser()
        p.feed(bytes("POST /rpc HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"))
        guard case .expectContinue = try p.next() else {
            Issue.record("no expectContinue")
            return
        }
        guard case .needMore = try p.next() else {
            Issue.record("expected needMore")
            return
        }
        p.feed(bytes("hi"))
        guard case .request(let r) = try p.next() else {
            Issue.record("no request")
            return
        }
        #expect(r.body == bytes("hi"))
    }

    @Test func expect_continue_with_an_oversized_body_is_413_not_100() {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 10
        var p = RequestParser(limits: limits)
        p.feed(bytes("POST /rpc HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n"))
        #expect(throws: HTTPParseError.self) { _ = try p.next() }
    }

    @Test func chunked_body_over_the_limit_is_413_as_it_grows() {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 8
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\n"
        #expect { try parseAll(bytes(raw), limits: limits) } throws: { ($0 as? HTTPParseError)?.status.code == 413 }
    }

    @Test func a_failed_parser_stays_failed() {
        var p = RequestParser()
        p.feed(bytes("GET / HTTP/1.1\nHost: a\r\n\r\n"))
        #expect(throws: HTTPParseError.self) { _ = try p.next() }
        p.feed(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(throws: HTTPParseError.self) { _ = try p.next() }
    }

    @Test func path_and_query_split() throws {
        let (requests, _, _) = try parseAll(bytes("GET /readyz/shutdown?verbose&exclude=x HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(requests[0].head.path == "/readyz/shutdown")
        #expect(requests[0].head.query == "verbose&exclude=x")
    }
}

struct RequestParserMemoryTests {
    @Test func a_flood_of_empty_lines_is_refused() {
        var p = RequestParser()
        p.feed(Array(String(repeating: "\r\n", count: 9).utf8))
        #expect(throws: HTTPParseError.self) { _ = try p.next() }
    }

    @Test func tiny_chunks_with_long_extensions_do_not_pile_up_in_the_buffer() throws {
        var p = RequestParser()
        p.feed(Array("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        guard case .head = try p.next() else {
            Issue.record("no head event before a chunked body")
            return
        }
        let chunk = Array(("1;" + String(repeating: "e", count: 3000) + "\r\nX\r\n").utf8)
        for _ in 0..<200 {
            p.feed(chunk)
            guard case .needMore = try p.next() else {
                Issue.record("unexpected event")
                return
            }
            #expect(p.buffer.count < 8192)
        }
        p.feed(Array("0\r\n\r\n".utf8))
        guard case .request(let r) = try p.next() else {
            Issue.record("no request")
            return
        }
        #expect(r.body.count == 200)
    }

    @Test func a_partial_head_keeps_its_place_when_the_buffer_is_compacted() throws {
        var p = RequestParser()
        // 5 KB of a first request's body consumed, then a head arriving in pieces.
        p.feed(
            Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n".utf8)
                + Array(repeating: 0x61, count: 5000))
        guard case .request = try p.next() else {
            Issue.record("no first request")
            return
        }
        for piece in ["GET /se", "cond HTTP/1.1\r\nHo", "st: a\r\n", "\r\n"] {
            p.feed(Array(piece.utf8))
            if case .request(let r) = try p.next() {
                #expect(r.head.target == "/second")
                return
            }
        }
        Issue.record("second request not parsed")
    }
}
