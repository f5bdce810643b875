// Chunked transfer coding (RFC 9112 §7.1): sizes, extensions, data CRLF and trailers.

extension RequestParser {
    /// Parses `chunk-size [ chunk-ext ] CRLF`; nil when the line is not complete yet.
    mutating func parseChunkSizeLine() throws(HTTPParseError) -> Int? {
        guard let lf = buffer[start...].firstIndex(of: Ascii.lf) else {
            if bufferedByteCount > limits.maxChunkLineBytes { throw .bad("chunk-size line too long") }
            for b in buffer[start...] where b != Ascii.cr && !isChunkLineByte(b) {
                throw .bad("invalid byte in chunk-size line")
            }
            return nil
        }
        if lf == start || buffer[lf - 1] != Ascii.cr { throw .bad("bare LF after chunk size") }
        let line = buffer[start..<lf - 1]
        if line.count > limits.maxChunkLineBytes { throw .bad("chunk-size line too long") }
        var size = 0
        var i = line.startIndex
        while i < line.endIndex, let d = hexValue(line[i]) {
            if size > (Int.max >> 4) { throw HTTPParseError(.contentTooLarge, "chunk size overflows") }
            size = size << 4 | d
            i += 1
        }
        if i == line.startIndex { throw .bad("missing or invalid chunk size") }
        if i < line.endIndex { try Self.validateChunkExtensions(line[i...]) }
        start = lf + 1
        return size
    }

    /// Parses one trailer line; true at the blank line that ends the message.
    mutating func parseTrailerLine() throws(HTTPParseError) -> Bool? {
        guard let lf = buffer[start...].firstIndex(of: Ascii.lf) else {
            if trailerBytes + bufferedByteCount > limits.maxHeaderBytes {
                throw HTTPParseError(.headerFieldsTooLarge, "trailer section too large")
            }
            return nil
        }
        if lf == start || buffer[lf - 1] != Ascii.cr { throw .bad("bare LF in trailer section") }
        let line = buffer[start..<lf - 1]
        trailerBytes += line.count + 2
        if trailerBytes > limits.maxHeaderBytes {
            throw HTTPParseError(.headerFieldsTooLarge, "trailer section too large")
        }
        start = lf + 1
        if line.isEmpty { return true }
        if line.contains(Ascii.cr) { throw .bad("bare CR in trailer section") }
        let (name, value) = try Self.parseFieldLine(line)
        trailerFields.append(name: name, value: value)
        if trailerFields.count > limits.maxHeaderCount {
            throw HTTPParseError(.headerFieldsTooLarge, "too many trailer fields")
        }
        return false
    }

    /// `*( BWS ";" BWS chunk-ext-name [ BWS "=" BWS ( token / quoted-string ) ] )` (RFC 9112 §7.1.1).
    static func validateChunkExtensions(_ ext: ArraySlice<UInt8>) throws(HTTPParseError) {
        var i = ext.startIndex
        func skipBWS() { while i < ext.endIndex && (ext[i] == Ascii.sp || ext[i] == Ascii.htab) { i += 1 } }
        func token() -> Bool {
            let s = i
            while i < ext.endIndex && Ascii.isTchar(ext[i]) { i += 1 }
            return i > s
        }
        while i < ext.endIndex {
            skipBWS()
            guard i < ext.endIndex, ext[i] == UInt8(ascii: ";") else { throw .bad("invalid chunk size or extension") }
            i += 1
            skipBWS()
            guard token() else { throw .bad("chunk extension without a name") }
            skipBWS()
            guard i < ext.endIndex, ext[i] == UInt8(ascii: "=") else { continue }
            i += 1
            skipBWS()
            if i < ext.endIndex && ext[i] == UInt8(ascii: "\"") {
                i += 1
                var closed = false
                while i < ext.endIndex {
                    let b = ext[i]
                    if b == UInt8(ascii: "\"") {
                        closed = true
                        i += 1
                        break
                    }
                    if b == UInt8(ascii: "\\") {
                        // quoted-pair: HTAB / SP / VCHAR / obs-text
                        guard i + 1 < ext.endIndex, ext[i + 1] == Ascii.htab || ext[i + 1] >= 0x20 && ext[i + 1] != 0x7F
                        else {
                            throw .bad("invalid quoted-pair in a chunk extension")
                        }
                        i += 2
                        continue
                    }
                    if (b < 0x20 && b != Ascii.htab) || b == 0x7F { break }
                    i += 1
                }
                guard closed else { throw .bad("unterminated quoted chunk extension value") }
            } else if !token() {
                throw .bad("chunk extension without a value after '='")
            }
        }
    }

    private func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: Int(b - 0x30)
        case 0x41...0x46: Int(b - 0x41 + 10)
        case 0x61...0x66: Int(b - 0x61 + 10)
        default: nil
        }
    }

    /// Bytes of chunk-size, chunk-ext (token, "=", quoted-string) and BWS.
    private func isChunkLineByte(_ b: UInt8) -> Bool {
        Ascii.isTchar(b) || b == Ascii.sp || b == Ascii.htab || b == UInt8(ascii: ";") || b == UInt8(ascii: "=")
            || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || (b >= 0x21 && b < 0x7F) || b >= 0x80
    }
}
