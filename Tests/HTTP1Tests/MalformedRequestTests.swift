// Requests that must be refused, each with its status and the RFC reason.
import Testing

@testable import HTTP1

struct MalformedRequestTests {
    static let h = "Host: a\r\n"
    static let rows: [(raw: String, status: Int, why: String)] = [
        // RFC 9112 §6.1: CL and TE together is a smuggling shape; we refuse instead of preferring TE.
        ("POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "CL+TE"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400, "TE+CL"),
        // RFC 9112 §6.3 (5): invalid or differing Content-Length.
        ("POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, "differing CL"),
        ("POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 400, "duplicate CL"),
        ("POST / HTTP/1.1\r\n\(h)Content-Length: 5, 5\r\n\r\n", 400, "CL list"),
        ("POST / HTTP/1.1\r\n\(h)Content-Length: +5\r\n\r\n", 400, "CL sign"),
        ("POST / HTTP/1.1\r\n\(h)Content-Length: -1\r\n\r\n", 400, "CL negative"),
        ("POST / HTTP/1.1\r\n\(h)Content-Length: 0x5\r\n\r\n", 400, "CL hex"),
        ("POST / HTTP/1.1\r\n\(h)Content-Length: 5 5\r\n\r\n", 400, "CL inner space"),
        ("POST / HTTP/1.1\r\n\(h)Content-Length:\r\n\r\n", 400, "CL empty"),
        ("POST / HTTP/1.1\r\n\(h)Content-Length: 99999999999999999999999\r\n\r\n", 413, "CL huge"),
        // RFC 9112 §6.1: chunked must be final and applied once; unknown codings are 501 (§6.1 ¶16).
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked, chunked\r\n\r\n", 400, "chunked twice"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked, gzip\r\n\r\n", 400, "chunked not final"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: gzip, chunked\r\n\r\n", 501, "gzip unsupported"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: xchunked\r\n\r\n", 501, "unknown coding"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\u{0B}\r\n\r\n", 400, "VT in TE"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: \r\n\r\n", 400, "empty TE"),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "TE in HTTP/1.0"),
        // RFC 9112 §7.1: chunk-size is 1*HEXDIG; chunk data ends with CRLF.
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\ng\r\n", 400, "chunk size g"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n-1\r\n", 400, "chunk size -1"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n0x5\r\n", 400, "chunk size 0x"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n 5\r\n", 400, "chunk size leading space"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n", 400, "chunk size trailing space"),
        (
            "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", 413,
            "chunk size overflow"
        ),
        (
            "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n3;\r\nabc\r\n0\r\n\r\n", 400,
            "extension without a name"
        ),
        (
            "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n3;a=\r\nabc\r\n0\r\n\r\n", 400,
            "extension without a value"
        ),
        (
            "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n3;a=\"x\r\nabc\r\n0\r\n\r\n", 400,
            "unterminated quoted value"
        ),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX", 400, "chunk without CRLF"),
        ("POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n", 400, "chunk size bare LF"),
        // RFC 9112 §2.2: bare CR is invalid; we also refuse bare LF as a line terminator.
        ("GET / HTTP/1.1\n\(h)\r\n", 400, "bare LF after request line"),
        ("GET / HTTP/1.1\r\nHost: a\n\r\n", 400, "bare LF after field"),
        ("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400, "bare CR"),
        // RFC 9112 §5.2: obs-fold is refused; §5.1: no whitespace between name and colon.
        ("GET / HTTP/1.1\r\n\(h)X: a\r\n b\r\n\r\n", 400, "obs-fold"),
        ("GET / HTTP/1.1\r\n\(h)Content-Length : 0\r\n\r\n", 400, "space before colon"),
        ("GET / HTTP/1.1\r\n\(h)X\u{01}: a\r\n\r\n", 400, "control in name"),
        ("GET / HTTP/1.1\r\n\(h)X(y): a\r\n\r\n", 400, "delimiter in name"),
        ("GET / HTTP/1.1\r\n\(h)X: a\u{00}b\r\n\r\n", 400, "NUL in value"),
        ("GET / HTTP/1.1\r\n\(h)X: a\u{7F}b\r\n\r\n", 400, "DEL in value"),
        ("GET / HTTP/1.1\r\n\(h): a\r\n\r\n", 400, "empty name"),
        ("GET / HTTP/1.1\r\n\(h)NoColon\r\n\r\n", 400, "no colon"),
        // RFC 9112 §3.2: Host exactly once in HTTP/1.1.
        ("GET / HTTP/1.1\r\n\r\n", 400, "missing Host"),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "duplicate Host"),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "space in Host"),
        // RFC 9112 §3: method SP request-target SP HTTP-version, single spaces.
        ("GET  / HTTP/1.1\r\n\(h)\r\n", 400, "two spaces"),
        ("GET / HTTP/1.1 \r\n\(h)\r\n", 400, "trailing space"),
        ("GET / http/1.1\r\n\(h)\r\n", 400, "lowercase version"),
        ("GET / HTTP/1.1.1\r\n\(h)\r\n", 400, "long version"),
        ("GET /a b HTTP/1.1\r\n\(h)\r\n", 400, "space in target"),
        ("GET a HTTP/1.1\r\n\(h)\r\n", 400, "relative target"),
        ("GET * HTTP/1.1\r\n\(h)\r\n", 400, "asterisk outside OPTIONS"),
        ("GET /healthz#a HTTP/1.1\r\n\(h)\r\n", 400, "fragment in an origin-form target"),
        ("GET http://t/x#a HTTP/1.1\r\n\(h)\r\n", 400, "fragment in an absolute-form target"),
        ("G@T / HTTP/1.1\r\n\(h)\r\n", 400, "invalid method byte"),
        ("GET / HTTP/2.0\r\n\(h)\r\n", 505, "HTTP/2.0"),
        ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "HTTP/2 preface"),
        ("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}", 400, "TLS ClientHello"),
        ("FOO / HTTP/1.1\r\n\(h)\r\n", 501, "unknown method"),
        ("POST / HTTP/1.1\r\n\(h)Expect: something\r\nContent-Length: 1\r\n\r\nx", 417, "unknown expectation"),
    ]

    @Test func each_malformed_request_is_refused_with_its_status() {
        for row in Self.rows {
            for chunk in [Int.max, 1] {
                do {
                    let (requests, _, _) = try parseAll(Array(row.raw.utf8), chunk: chunk)
                    Issue.record(
                        "\(row.why) (chunk \(chunk)): parsed \(requests.count) request(s) instead of \(row.status)")
                } catch {
                    #expect(error.status.code == row.status, "\(row.why) (chunk \(chunk)): \(error)")
                }
            }
        }
    }

    @Test func request_line_over_the_limit_is_414_before_its_end_arrives() {
        var p = RequestParser()
        p.feed(Array(("GET /" + String(repeating: "a", count: 9000)).utf8))
        #expect { _ = try p.next() } throws: { ($0 as? HTTPParseError)?.status.code == 414 }
    }

    @Test func header_section_over_the_limit_is_431() {
        var p = RequestParser()
        p.feed(Array(("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "a", count: 17000)).utf8))
        #expect { _ = try p.next() } throws: { ($0 as? HTTPParseError)?.status.code == 431 }
    }

    @Test func more_than_100_fields_is_431() {
        let fields = (0..<101).map { "X-\($0): v\r\n" }.joined()
        #expect { try parseAll(Array("GET / HTTP/1.1\r\nHost: a\r\n\(fields)\r\n".utf8)) } throws: {
            ($0 as? HTTPParseError)?.status.code == 431
        }
    }

    @Test func content_length_over_the_body_limit_is_413_without_the_body() {
        var p = RequestParser()
        p.feed(Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5242881\r\n\r\n".utf8))
        #expect { _ = try p.next() } throws: { ($0 as? HTTPParseError)?.status.code == 413 }
    }
}
