// Any JSON value, with numbers kept as their exact text so ids and pass-through params round-trip unchanged.

/// A JSON number as written: `12345678901234567890123` stays exactly that.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral
{
    /// The number's text, valid JSON number grammar.
    public let text: String

    /// Wraps `text`, which the caller guarantees to be a valid JSON number.
    public init(unchecked text: String) { self.text = text }
    /// The integer in decimal.
    public init(_ value: Int) { text = String(value) }
    /// The double as JSON text: an integral value below 10^15 is written without a fraction (`2.0` → `2`).
    ///
    /// - Precondition: `value` is finite (JSON has no NaN or infinity).
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON has no NaN or infinity")
        text = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
    /// An integer literal as a number.
    public init(integerLiteral value: Int) { self.init(value) }
    /// A floating-point literal as a number (it must be finite).
    public init(floatLiteral value: Double) { self.init(value) }

    /// The value as an `Int` when it is an integer within range (`1.0` and `1e2` count).
    public var intValue: Int? {
        if let i = Int(text) { return i }
        if let d = Double(text), d == d.rounded(), abs(d) < 9.0e15 { return Int(d) }
        return nil
    }
    /// The nearest `Double`; infinity when the number is beyond its range.
    public var doubleValue: Double { Double(text) ?? .nan }
    /// The number's text.
    public var description: String { text }
}

/// An ordered JSON object: members keep the order they were written in.
public struct JSONObject: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    /// The members in the order written, duplicate names included.
    public var members: [(key: String, value: JSONValue)]

    /// An object with these members, in this order.
    public init(_ members: [(key: String, value: JSONValue)] = []) { self.members = members }
    /// An object with the literal's members, in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    /// The value of the last member named `key`.
    ///
    /// Setting a value replaces that member, or appends one when there is none; setting nil removes it.
    public subscript(key: String) -> JSONValue? {
        get { members.last(where: { $0.key == key })?.value }
        set {
            if let i = members.lastIndex(where: { $0.key == key }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
        }
    }

    /// The number of members, duplicates included.
    public var count: Int { members.count }
    /// Iterates over the members in order.
    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { members.makeIterator() }

    /// Equal when both have the same members in the same order.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
    /// Hashes the members in order, as `==` compares them.
    public func hash(into h: inout Hasher) {
        for m in members {
            h.combine(m.key)
            h.combine(m.value)
        }
    }
}

/// Any JSON value.
public indirect enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as written.
    case number(JSONNumber)
    /// A string, escapes decoded.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, members in the order written.
    case object(JSONObject)

    /// A number from an integer.
    public static func int(_ v: Int) -> JSONValue { .number(JSONNumber(v)) }
    /// A number from a double, which must be finite (JSON has no NaN or infinity).
    public static func double(_ v: Double) -> JSONValue { .number(JSONNumber(v)) }

    /// True for `null`.
    public var isNull: Bool { if case .null = self { true } else { false } }
    /// The number as an `Int` when it is integral and in range; nil otherwise, or for another kind of value.
    public var intValue: Int? { if case .number(let n) = self { n.intValue } else { nil } }
    /// The number as a `Double`; nil for another kind of value.
    public var doubleValue: Double? { if case .number(let n) = self { n.doubleValue } else { nil } }
    /// The string; nil for another kind of value.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The boolean; nil for another kind of value.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// The elements of an array; nil for another kind of value.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    /// The object; nil for another kind of value.
    public var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }

    /// The member named `key` of an object; nil when there is none or the value is not an object.
    public subscript(key: String) -> JSONValue? { objectValue?[key] }
    /// The element at `index` of an array; nil when out of range or the value is not an array.
    public subscript(index: Int) -> JSONValue? {
        guard let a = arrayValue, a.indices.contains(index) else { return nil }
        return a[index]
    }

    /// How deep arrays and objects may nest in parsed text unless a limit is given: deeper input is refused,
    /// so that no input can exhaust a thread's stack.
    public static let defaultMaxDepth = 128

    /// Parses JSON text (strict RFC 8259, UTF-8 validated, nesting limited).
    public init(parsing bytes: some Collection<UInt8>, maxDepth: Int = JSONValue.defaultMaxDepth)
        throws(JSONParseError)
    {
        func parse(_ buf: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
            var p = JSONParser(buf, maxDepth: maxDepth)
            let v = try p.parseValue()
            try p.expectEnd()
            return v
        }
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buf in
            do throws(JSONParseError) { return .success(try parse(buf)) } catch { return .failure(error) }
        }
        if let result {
            self = try result.get()
        } else {
            self = try Array(bytes).withUnsafeBufferPointer { buf throws(JSONParseError) in try parse(buf) }
        }
    }

    /// Parses JSON text held in a string, with the default nesting limit.
    ///
    /// - Throws: `JSONParseError` for anything but exactly one valid JSON value.
    public init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Compact JSON text.
    public var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }
    /// Compact JSON text as UTF-8 bytes.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        JSONWriter.write(self, into: &out)
        return out
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// `nil` as `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer literal as a number.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point literal as a number (it must be finite).
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A dictionary literal as an object, members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON value through another decoder, such as Foundation's `JSONDecoder`.
    ///
    /// - Important: this path does not keep JSON exactly: object members come back sorted by name, and numbers
    ///   pass through `Int` or `Double`. `JSONValue(parsing:)` keeps both.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? c.decode([String: JSONValue].self) {
            self = .object(JSONObject(o.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }))
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
        }
    }

    /// Encodes the value through another encoder; a number that is not an `Int` goes through `Double`,
    /// which may round it.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if let i = Int(n.text) { try c.encode(i) } else { try c.encode(n.doubleValue) }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for v in a { try c.encode(v) }
        case .object(let o):
            var c = encoder.container(keyedBy: AnyKey.self)
            for m in o.members { try c.encode(m.value, forKey: AnyKey(m.key)) }
        }
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { stringValue = String(intValue) }
}
