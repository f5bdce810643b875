// The request line and header section (RFC 9112 §2–3, §5–6), with every smuggling shape refused.

extension RequestParser {
    static let knownMethods: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ]

    /// Scans for the blank line ending the head; returns the index just past it, or nil for more bytes.
    ///
    /// Limits and byte-level faults are checked as bytes arrive, so garbage is refused without waiting for a
    /// line end that may never come.
    mutating func findHeadEnd() throws(HTTPParseError) -> Int? {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line received before the request-line.
        if !firstLineEnded && scan == start {
            while bufferedByteCount >= 2 && buffer[start] == Ascii.cr && buffer[start + 1] == Ascii.lf {
                start += 2
                emptyLines += 1
                if emptyLines > 8 { throw .bad("too many empty lines before the request line") }
            }
            scan = start
            lineStart = start
            if bufferedByteCount == 1 && buffer[start] == Ascii.cr { return nil }
        }
        let count = buffer.count
        var i = scan
        var inMethod = !firstLineEnded && !methodEnded
        // The scan works on locals over the buffer's storage: this loop sees every byte of every head, and
        // indexing the array through `self` costs a bounds and an exclusivity check per byte.
        var firstLineEnded = self.firstLineEnded
        var lineStart = self.lineStart
        let start = self.start
        let limits = self.limits
        var methodEnded = self.methodEnded
        defer {
            scan = i
            self.firstLineEnded = firstLineEnded
            self.lineStart = lineStart
            self.methodEnded = methodEnded
        }
        let bytes = buffer
        let end: Int? = try bytes.withUnsafeBufferPointer { (p) throws(HTTPParseError) -> Int? in
            while i < count {
                let b = p[i]
                if b == Ascii.lf {
                    if i == start || p[i - 1] != Ascii.cr { throw .bad("bare LF in the request head") }
                    if !firstLineEnded {
                        if i - 1 - start > limits.maxRequestLineBytes {
                            throw HTTPParseError(
                                .uriTooLong, "request line longer than \(limits.maxRequestLineBytes) bytes")
                        }
                        firstLineEnded = true
                        lineStart = i + 1
                    } else if i - 1 == lineStart {
                        i += 1
                        return i
                    } else {
                        lineStart = i + 1
                    }
                    if i + 1 - start > limits.maxHeaderBytes {
                        throw HTTPParseError(
                            .headerFieldsTooLarge, "header section larger than \(limits.maxHeaderBytes) bytes")
                    }
                } else {
                    if i > start && p[i - 1] == Ascii.cr { throw .bad("bare CR in the request head") }
                    if b < 0x20 && b != Ascii.cr && b != Ascii.htab || b == 0x7F {
                        throw .bad("control character 0x\(String(b, radix: 16)) in the request head")
                    }
                    if inMethod {
                        if b == Ascii.sp {
                            inMethod = false
                            methodEnded = true
                        } else if !Ascii.isTchar(b) {
                            throw .bad("invalid byte 0x\(String(b, radix: 16)) in the method")
                        }
                    }
                }
                i += 1
            }
            return nil
        }
        if let end { return end }
        if !firstLineEnded && count - start > limits.maxRequestLineBytes + 1 {
            throw HTTPParseError(.uriTooLong, "request line longer than \(limits.maxRequestLineBytes) bytes")
        }
        if count - start > limits.maxHeaderBytes {
            throw HTTPParseError(.headerFieldsTooLarge, "header section larger than \(limits.maxHeaderBytes) bytes")
        }
        return nil
    }

    /// Parses a complete head (`bytes` ends with CRLF CRLF; every line already ends in CRLF).
    func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> RequestHead {
        // Every line ends in CRLF (findHeadEnd checked); walk them in place.
        let end = bytes.endIndex - 2
        var lineEnd = bytes.startIndex
        while bytes[lineEnd] != Ascii.cr { lineEnd += 1 }
        let (method, target, version) = try parseRequestLine(bytes[bytes.startIndex..<lineEnd])
        var fields = HeaderFields()
        var s = lineEnd + 2
        var count = 0
        while s < end {
            var e = s
            while bytes[e] != Ascii.cr { e += 1 }
            count += 1
            if count > limits.maxHeaderCount {
                throw HTTPParseError(.headerFieldsTooLarge, "more than \(limits.maxHeaderCount) header fields")
            }
            let (name, value) = try Self.parseFieldLine(bytes[s..<e])
            fields.append(name: name, value: value)
            s = e + 2
        }
        return try Self.interpret(method: method, target: target, version: version, fields: fields, limits: limits)
    }

    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String, HTTPVersion) {
        guard let sp1 = line.firstIndex(of: Ascii.sp),
            let sp2 = line[(sp1 + 1)...].firstIndex(of: Ascii.sp),
            !line[(sp2 + 1)...].contains(Ascii.sp)
        else { throw .bad("request line is not 'method SP target SP version'") }
        let m = line[line.startIndex..<sp1]
        let t = line[(sp1 + 1)..<sp2]
        let v = line[(sp2 + 1)...]
        guard !m.isEmpty, !t.isEmpty, !v.isEmpty else {
            throw .bad("request line is not 'method SP target SP version'")
        }
        for b in m where !Ascii.isTchar(b) { throw .bad("invalid method") }
        for b in t where b <= 0x20 || b >= 0x7F { throw .bad("invalid byte in the request target") }
        let version = try Self.parseVersion(v)
        return (String(decoding: m, as: UTF8.self), String(decoding: t, as: UTF8.self), version)
    }

    static func parseVersion(_ v: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        guard v.count == 8 else { throw .bad("malformed HTTP version") }
        let a = v.startIndex
        guard v[a] == UInt8(ascii: "H"), v[a + 1] == UInt8(ascii: "T"), v[a + 2] == UInt8(ascii: "T"),
            v[a + 3] == UInt8(ascii: "P"), v[a + 4] == UInt8(ascii: "/"), v[a + 6] == UInt8(ascii: "."),
            (0x30...0x39).contains(v[a + 5]), (0x30...0x39).contains(v[a + 7])
        else { throw .bad("malformed HTTP version") }
        guard v[a + 5] == UInt8(ascii: "1") else {
            throw HTTPParseError(.versionNotSupported, "HTTP/\(v[a + 5] - 0x30).\(v[a + 7] - 0x30) is not supported")
        }
        // RFC 9110 §6.2: a higher minor version is answered as the highest we support.
        return v[a + 7] == UInt8(ascii: "0") ? .http10 : .http11
    }

    /// `field-name ":" OWS field-value OWS` (RFC 9112 §5); obs-fold and whitespace before the colon refused.
    static func parseFieldLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        guard let first = line.first else { throw .bad("empty field line") }
        if first == Ascii.sp || first == Ascii.htab { throw .bad("obsolete line folding (obs-fold)") }
        guard let colon = line.firstIndex(of: Ascii.colon) else { throw .bad("field line without a colon") }
        let name = line[line.startIndex..<colon]
        if name.isEmpty { throw .bad("empty field name") }
        for b in name where !Ascii.isTchar(b) {
            if b == Ascii.sp || b == Ascii.htab { throw .bad("whitespace between field name and colon") }
            throw .bad("invalid byte 0x\(String(b, radix: 16)) in a field name")
        }
        var vs = colon + 1
        var ve = line.endIndex
        while vs < ve && (line[vs] == Ascii.sp || line[vs] == Ascii.htab) { vs += 1 }
        while ve > vs && (line[ve - 1] == Ascii.sp || line[ve - 1] == Ascii.htab) { ve -= 1 }
        let value = line[vs..<ve]
        for b in value where (b < 0x20 && b != Ascii.htab) || b == 0x7F {
            throw .bad("control character in a field value")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// Decides framing, keep-alive and expectations from validated fields (RFC 9112 §6.1–6.3, §9.3).
    static func interpret(
        method: String, target: String, version: HTTPVersion, fields: HeaderFields, limits: HTTPLimits
    ) throws(HTTPParseError) -> RequestHead {
        try validateTarget(target, method: method)

        // One pass over the fields picks out the few that decide framing and connection handling.
        var hosts: [String] = []
        var clValues: [String] = []
        var teValues: [String] = []
        var hasConnection = false
        var hasExpect = false
        for f in fields {
            switch f.name.utf8.count {
            case 4 where f.name.asciiCaseInsensitiveEquals("host"): hosts.append(f.value)
            case 14 where f.name.asciiCaseInsensitiveEquals("content-length"): clValues.append(f.value)
            case 17 where f.name.asciiCaseInsensitiveEquals("transfer-encoding"): teValues.append(f.value)
            case 10 where f.name.asciiCaseInsensitiveEquals("connection"): hasConnection = true
            case 6 where f.name.asciiCaseInsensitiveEquals("expect"): hasExpect = true
            default: break
            }
        }
        if hosts.count > 1 { throw .bad("more than one Host field") }
        if version == .http11 && hosts.isEmpty { throw .bad("HTTP/1.1 request without Host") }
        if let host = hosts.first, !isValidHost(host) { throw .bad("invalid Host") }

        var framing = BodyFraming.none
        if !teValues.isEmpty {
            if !clValues.isEmpty { throw .bad("both Content-Length and Transfer-Encoding") }
            if version == .http10 { throw .bad("Transfer-Encoding in an HTTP/1.0 request") }
            var codings: [String] = []
            for v in teValues {
                for part in v.split(separator: ",", omittingEmptySubsequences: false) {
                    let t = part.trimmingASCIIWhitespace()
                    if t.isEmpty || !t.utf8.allSatisfy(Ascii.isTchar) { throw .bad("malformed Transfer-Encoding") }
                    codings.append(t.lowercasedASCII())
                }
            }
            let chunkedCount = codings.filter { $0 == "chunked" }.count
            if chunkedCount > 1 { throw .bad("chunked applied more than once") }
            if codings.contains(where: { $0 != "chunked" }) {
                if chunkedCount == 1 && codings.last != "chunked" {
                    throw .bad("chunked is not the final transfer coding")
                }
                throw HTTPParseError(.notImplemented, "unsupported transfer coding")
            }
            framing = .chunked
        } else if !clValues.isEmpty {
            if clValues.count > 1 { throw .bad("more than one Content-Length field") }
            let v = clValues[0]
            if v.isEmpty || !v.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { throw .bad("invalid Content-Length") }
            let digits = v.utf8.drop(while: { $0 == 0x30 })
            if digits.count > 15 { throw HTTPParseError(.contentTooLarge, "body exceeds \(limits.maxBodyBytes) bytes") }
            let n = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            if n > limits.maxBodyBytes {
                throw HTTPParseError(.contentTooLarge, "body of \(n) bytes exceeds \(limits.maxBodyBytes)")
            }
            if n > 0 { framing = .length(n) }
        }

        let connection = hasConnection ? fields.tokens("connection") : []
        let keepAlive: Bool
        if connection.contains("close") {
            keepAlive = false
        } else {
            keepAlive = version == .http11 || connection.contains("keep-alive")
        }

        var expectsContinue = false
        let expect = hasExpect ? fields.tokens("expect") : []
        if !expect.isEmpty {
            guard expect == ["100-continue"] else {
                throw HTTPParseError(.expectationFailed, "unsupported expectation")
            }
            expectsContinue = version == .http11 && framing != .none
        }

        if !knownMethods.contains(method) {
            throw HTTPParseError(.notImplemented, "method \(method) is not implemented")
        }
        return RequestHead(
            method: method, target: target, version: version, fields: fields,
            framing: framing, expectsContinue: expectsContinue, keepAlive: keepAlive)
    }

    /// origin-form, absolute-form, authority-form (CONNECT only) or asterisk-form (OPTIONS only).
    static func validateTarget(_ target: String, method: String) throws(HTTPParseError) {
        let u = target.utf8
        // A fragment stays with the client (RFC 9110 §7.1): neither origin-form nor absolute-form carries one.
        // (In place: iterating a String's UTF-8 view costs several times more, for every request.)
        let fragment =
            u.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: "#")) } ?? u.contains(UInt8(ascii: "#"))
        if fragment { throw .bad("a fragment (#) in the request target") }
        if u.first == UInt8(ascii: "/") {
            // "//x" would read as a network-path reference; an origin-form path never starts that way in practice.
            return
        }
        if target == "*" {
            if method != "OPTIONS" { throw .bad("asterisk-form target outside OPTIONS") }
            return
        }
        if method == "CONNECT" { return }
        let lower = target.lowercasedASCII()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            let rest = target.drop(while: { $0 != ":" }).dropFirst(3)
            let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
            if authority.isEmpty || !isValidHost(String(authority)) {
                throw .bad("invalid authority in an absolute-form target")
            }
            return
        }
        throw .bad("request target is not origin-form or absolute-form")
    }

    /// `uri-host [":" port]`: reg-name, IPv4 or an IP literal in brackets.
    static func isValidHost(_ host: String) -> Bool {
        for b in host.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"),
                UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "%"), UInt8(ascii: "!"), UInt8(ascii: "$"),
                UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"),
                UInt8(ascii: "+"), UInt8(ascii: ";"), UInt8(ascii: "="):
                continue
            default:
                return false
            }
        }
        return true
    }
}
