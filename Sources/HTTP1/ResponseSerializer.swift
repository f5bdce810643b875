// Response heads and bodies as one contiguous byte run, so a response is one write.

/// Builds response bytes. `Date` and framing fields are added here, never by callers.
public enum ResponseSerializer {
    /// Appends a whole response to `out`.
    ///
    /// - Parameters:
    ///   - status: the status line's code and reason.
    ///   - fields: extra fields; must not contain `Date`, `Content-Length` or `Connection`.
    ///   - body: the content; sent unless `headOnly`, its length always declared (except 1xx/204/304).
    ///   - date: a preformatted IMF-fixdate.
    ///   - close: adds `Connection: close`.
    ///   - keepAliveHTTP10: adds `Connection: keep-alive` (an HTTP/1.0 client that asked for it).
    ///   - headOnly: the answer to HEAD: the head as for GET, no body.
    public static func write(
        status: ResponseStatus, fields: HeaderFields = HeaderFields(), body: some Collection<UInt8> = [UInt8](),
        date: String, close: Bool, keepAliveHTTP10: Bool = false, headOnly: Bool = false, into out: inout [UInt8]
    ) {
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &out)
        out.append(Ascii.sp)
        out.append(contentsOf: status.reason.utf8)
        out.append(contentsOf: "\r\nDate: ".utf8)
        out.append(contentsOf: date.utf8)
        out.append(contentsOf: "\r\n".utf8)
        for f in fields {
            out.append(contentsOf: f.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: f.value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        let code = status.code
        if !(code < 200 || code == 204 || code == 304) {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(body.count, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        if close {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if keepAliveHTTP10 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        if !headOnly && code >= 200 && code != 204 && code != 304 {
            out.append(contentsOf: body)
        }
    }

    /// `HTTP/1.1 100 Continue` — an interim response, no fields.
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    @inline(__always)
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(truncatingIfNeeded: value) + 0x30)
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while n > 0 {
                d[19 - count] = UInt8(truncatingIfNeeded: n % 10) + 0x30
                n /= 10
                count += 1
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(20 - count)...]))
        }
    }
}
