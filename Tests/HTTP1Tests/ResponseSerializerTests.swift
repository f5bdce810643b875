import Testing

@testable import HTTP1

struct ResponseSerializerTests {
    func text(
        _ status: ResponseStatus, body: String = "", close: Bool = false, headOnly: Bool = false, http10: Bool = false
    ) -> String {
        var out: [UInt8] = []
        ResponseSerializer.write(
            status: status, fields: ["Content-Type": "text/plain"], body: Array(body.utf8),
            date: "Sun, 06 Nov 1994 08:49:37 GMT", close: close, keepAliveHTTP10: http10, headOnly: headOnly, into: &out
        )
        return String(decoding: out, as: UTF8.self)
    }

    @Test func ok_carries_date_and_content_length() {
        #expect(
            text(.ok, body: "ok")
                == "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
        )
    }

    @Test func no_content_has_no_length_and_no_body() {
        let t = text(.noContent, body: "ignored")
        #expect(!t.contains("Content-Length"))
        #expect(t.hasSuffix("\r\n\r\n"))
    }

    @Test func head_declares_the_length_but_sends_no_body() {
        let t = text(.ok, body: "hello", headOnly: true)
        #expect(t.contains("Content-Length: 5\r\n"))
        #expect(t.hasSuffix("\r\n\r\n"))
    }

    @Test func close_and_http10_keep_alive_fields() {
        #expect(text(.badRequest, close: true).contains("Connection: close\r\n"))
        #expect(text(.ok, http10: true).contains("Connection: keep-alive\r\n"))
    }

    @Test func large_lengths_are_written_in_decimal() {
        var out: [UInt8] = []
        ResponseSerializer.appendDecimal(1_234_567_890, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "1234567890")
    }

    @Test func http_date_matches_known_instants() {
        #expect(HTTPDate.format(secondsSinceEpoch: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(secondsSinceEpoch: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(secondsSinceEpoch: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }
}
