// A strict JSON reader (RFC 8259) over bytes: validates UTF-8, limits nesting, and can skip a value
// without building it, so an envelope is checked without materialising its params.

/// Why JSON text was refused.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The byte offset in the input where the fault was found.
    public let offset: Int
    /// What was wrong, in words a client can read (e.g. `invalid UTF-8`).
    public let reason: String
    /// The reason and the offset, e.g. `invalid literal at byte 12`.
    public var description: String { "\(reason) at byte \(offset)" }
}

/// A cursor over JSON text. One value at a time; the caller decides whether to build or skip it.
package struct JSONParser {
    /// The nesting allowed when the caller sets none; each object or array counts one level.
    package static let defaultMaxDepth = JSONValue.defaultMaxDepth
    let bytes: UnsafeBufferPointer<UInt8>
    /// The offset of the next byte to read.
    package internal(set) var position = 0
    let maxDepth: Int
    var depth = 0

    /// Creates a cursor at the start of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: the JSON text; it must stay valid for as long as the parser is used.
    ///   - maxDepth: how deeply objects and arrays may nest; deeper input throws `JSONParseError`.
    package init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = JSONParser.defaultMaxDepth) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: position, reason: reason) }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, not consumed.
    package mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// Succeeds when only whitespace is left.
    package mutating func expectEnd() throws(JSONParseError) {
        skipWhitespace()
        if position != bytes.count { throw fail("unexpected data after the JSON value") }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONParseError) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { throw fail("expected \(what)") }
        position += 1
    }

    // MARK: skipping (validation only)

    /// Validates one value and returns the byte range it occupies.
    package mutating func skipValue() throws(JSONParseError) -> Range<Int> {
        skipWhitespace()
        let begin = position
        guard position < bytes.count else { throw fail("unexpected end of JSON") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            try enter()
            position += 1
            if try consumeIf(UInt8(ascii: "}")) {
                depth -= 1
                break
            }
            repeat {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw fail("expected a member name")
                }
                try skipString()
                try expect(UInt8(ascii: ":"), "':'")
                _ = try skipValue()
            } while try consumeIf(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"), "',' or '}'")
            depth -= 1
        case UInt8(ascii: "["):
            try enter()
            position += 1
            if try consumeIf(UInt8(ascii: "]")) {
                depth -= 1
                break
            }
            repeat { _ = try skipValue() } while try consumeIf(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"), "',' or ']'")
            depth -= 1
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            try skipNumber()
        }
        return begin..<position
    }

    @inline(__always)
    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw fail("nesting deeper than \(maxDepth)") }
    }

    @inline(__always)
    mutating func consumeIf(_ byte: UInt8) throws(JSONParseError) -> Bool {
        skipWhitespace()
        if position < bytes.count && bytes[position] == byte {
            position += 1
            return true
        }
        return false
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count else { throw fail("invalid literal") }
        let w = word.utf8Start
        for i in 0..<n where bytes[position + i] != w[i] { throw fail("invalid literal") }
        position += n
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func skipNumber() throws(JSONParseError) {
        let start = position
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if position < bytes.count && bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard digit(position) else {
            position = start
            throw fail("invalid value")
        }
        if bytes[position] == 0x30 {
            position += 1
        } else {
            while digit(position) { position += 1 }
        }
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digit(position) else { throw fail("invalid number") }
            while digit(position) { position += 1 }
        }
        if position < bytes.count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-"))
            {
                position += 1
            }
            guard digit(position) else { throw fail("invalid number") }
            while digit(position) { position += 1 }
        }
    }

    /// Validates a string (escapes, control characters, UTF-8); returns whether it had escapes.
    @discardableResult
    mutating func skipString() throws(JSONParseError) -> Bool {
        position += 1  // opening quote
        var escaped = false
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                position += 1
                return escaped
            } else if b == UInt8(ascii: "\\") {
                escaped = true
                position += 1
                guard position < bytes.count else { break }
                switch bytes[position] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    position += 1
                    let u = try hex4()
                    if u >= 0xD800 && u < 0xDC00 {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw fail("unpaired surrogate escape") }
                        position += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired surrogate escape") }
                    } else if u >= 0xDC00 && u < 0xE000 {
                        throw fail("unpaired surrogate escape")
                    }
                default:
                    throw fail("invalid escape")
                }
            } else if b < 0x20 {
                throw fail("control character in a string")
            } else if b < 0x80 {
                position += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    /// One multi-byte UTF-8 scalar (RFC 3629): no overlongs, no surrogates, nothing past U+10FFFF.
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let b0 = bytes[position]
        func cont(_ i: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i < bytes.count && bytes[i] >= lo && bytes[i] <= hi
        }
        let p = position
        switch b0 {
        case 0xC2...0xDF:
            guard cont(p + 1) else { throw fail("invalid UTF-8") }
            position += 2
        case 0xE0:
            guard cont(p + 1, 0xA0), cont(p + 2) else { throw fail("invalid UTF-8") }
            position += 3
        case 0xE1...0xEC, 0xEE...0xEF:
            guard cont(p + 1), cont(p + 2) else { throw fail("invalid UTF-8") }
            position += 3
        case 0xED:
            guard cont(p + 1, 0x80, 0x9F), cont(p + 2) else { throw fail("invalid UTF-8") }
            position += 3
        case 0xF0:
            guard cont(p + 1, 0x90), cont(p + 2), cont(p + 3) else { throw fail("invalid UTF-8") }
            position += 4
        case 0xF1...0xF3:
            guard cont(p + 1), cont(p + 2), cont(p + 3) else { throw fail("invalid UTF-8") }
            position += 4
        case 0xF4:
            guard cont(p + 1, 0x80, 0x8F), cont(p + 2), cont(p + 3) else { throw fail("invalid UTF-8") }
            position += 4
        default:
            throw fail("invalid UTF-8")
        }
    }

    // MARK: building

    /// Parses one value into a `JSONValue`.
    package mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of JSON") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            try enter()
            position += 1
            var members: [(key: String, value: JSONValue)] = []
            if try !consumeIf(UInt8(ascii: "}")) {
                repeat {
                    skipWhitespace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                        throw fail("expected a member name")
                    }
                    let key = try parseString()
                    try expect(UInt8(ascii: ":"), "':'")
                    members.append((key: key, value: try parseValue()))
                } while try consumeIf(UInt8(ascii: ","))
                try expect(UInt8(ascii: "}"), "',' or '}'")
            }
            depth -= 1
            return .object(JSONObject(members))
        case UInt8(ascii: "["):
            try enter()
            position += 1
            var items: [JSONValue] = []
            if try !consumeIf(UInt8(ascii: "]")) {
                repeat { items.append(try parseValue()) } while try consumeIf(UInt8(ascii: ","))
                try expect(UInt8(ascii: "]"), "',' or ']'")
            }
            depth -= 1
            return .array(items)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            let start = position
            try skipNumber()
            return .number(
                JSONNumber(
                    unchecked: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)))
        }
    }

    /// Parses a string at the cursor (which is on its opening quote).
    package mutating func parseString() throws(JSONParseError) -> String {
        let start = position
        let escaped = try skipString()
        let inner = UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(position - 1)])
        if !escaped { return String(decoding: inner, as: UTF8.self) }
        return JSONParser.unescape(inner)
    }

    /// Decodes the escapes of an already validated string body.
    static func unescape(_ s: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        func hex(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in at..<at + 4 {
                let b = s[k]
                v = v << 4 | UInt32(b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10)
            }
            return v
        }
        while i < s.count {
            let b = s[i]
            if b != UInt8(ascii: "\\") {
                out.append(b)
                i += 1
                continue
            }
            let e = s[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex(i)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    let low = hex(i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
