// Codable decoding straight from a parsed `JSONValue`: no second pass over the text, no Foundation.

/// Decodes `Decodable` types from a `JSONValue`, with the same errors (`DecodingError`) JSONDecoder gives.
public enum JSONValueDecoder {
    /// Decodes `type` from `value`.
    ///
    /// - Returns: the decoded value; `value` itself when `T` is `JSONValue`.
    /// - Throws: `DecodingError` whose descriptions speak JSON (`expected an integer, found a string`), never
    ///   Swift type names.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        // An identity compare, not a cast: `as? T` costs a runtime cast on every call.
        if T.self == JSONValue.self { return unsafeBitCast(value, to: T.self) }
        // JSON null is a value here, not an absent one: `.some(.null)`, as `as? T` gave.
        if T.self == JSONValue?.self { return unsafeBitCast(JSONValue?.some(value), to: T.self) }
        return try T(from: ValueDecoder(value: value, codingPath: []))
    }
}

struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let o) = value else {
            throw DecodingError.typeMismatch(
                [String: Any].self,
                .init(codingPath: codingPath, debugDescription: "expected an object, found \(value.kind)"))
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(object: o, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = value else {
            throw DecodingError.typeMismatch(
                [Any].self, .init(codingPath: codingPath, debugDescription: "expected an array, found \(value.kind)"))
        }
        return UnkeyedContainer(array: a, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleContainer(value: value, codingPath: codingPath)
    }
}

extension JSONValue {
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Scalar conversions shared by the three containers.
enum Scalar {
    static func mismatch<T>(_ t: T.Type, _ v: JSONValue, _ path: [any CodingKey]) -> DecodingError {
        if case .null = v {
            return .valueNotFound(t, .init(codingPath: path, debugDescription: "expected \(jsonName(t)), found null"))
        }
        return .typeMismatch(t, .init(codingPath: path, debugDescription: "expected \(jsonName(t)), found \(v.kind)"))
    }

    /// What a Swift type is called in JSON terms, for messages a client reads.
    static func jsonName(_ t: Any.Type) -> String {
        switch t {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Double.Type, is Float.Type: "a number"
        case is any FixedWidthInteger.Type: "an integer"
        default: "a value"
        }
    }

    /// A client's number, cut short for an error message.
    static func excerpt(_ text: String) -> String {
        text.utf8.count <= 40 ? text : String(text.prefix(32)) + "… (\(text.utf8.count) digits)"
    }

    static func finite<F: BinaryFloatingPoint>(_ t: F.Type, _ n: JSONNumber, _ path: [any CodingKey]) throws -> F {
        guard let d = Double(n.text), d.isFinite, F(d).isFinite else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: path,
                    debugDescription: "\(excerpt(n.text)) is out of range for a double-precision number"))
        }
        return F(d)
    }

    static func decode<T: Decodable>(_ t: T.Type, _ v: JSONValue, _ path: [any CodingKey]) throws -> T {
        // Metatypes are compared by identity (one compare each), not with `is` (a runtime cast each), and the
        // value is reinterpreted rather than cast back: this runs for every scalar of every call's params.
        @inline(__always) func cast<U>(_ u: U) -> T { unsafeBitCast(u, to: T.self) }
        if t == String.self {
            guard case .string(let s) = v else { throw mismatch(t, v, path) }
            return cast(s)
        }
        if t == Double.self {
            guard case .number(let n) = v else { throw mismatch(t, v, path) }
            return cast(try finite(Double.self, n, path))
        }
        if t == Int.self { return cast(try integer(Int.self, v, path)) }
        if t == Bool.self {
            guard case .bool(let b) = v else { throw mismatch(t, v, path) }
            return cast(b)
        }
        if t == JSONValue.self { return cast(v) }
        if t == Int64.self { return cast(try integer(Int64.self, v, path)) }
        if t == Int32.self { return cast(try integer(Int32.self, v, path)) }
        if t == Int16.self { return cast(try integer(Int16.self, v, path)) }
        if t == Int8.self { return cast(try integer(Int8.self, v, path)) }
        if t == UInt.self { return cast(try integer(UInt.self, v, path)) }
        if t == UInt64.self { return cast(try integer(UInt64.self, v, path)) }
        if t == UInt32.self { return cast(try integer(UInt32.self, v, path)) }
        if t == UInt16.self { return cast(try integer(UInt16.self, v, path)) }
        if t == UInt8.self { return cast(try integer(UInt8.self, v, path)) }
        if t == Float.self {
            guard case .number(let n) = v else { throw mismatch(t, v, path) }
            return cast(try finite(Float.self, n, path))
        }
        if #available(macOS 15, *) {
            if t == Int128.self { return cast(try integer(Int128.self, v, path)) }
            if t == UInt128.self { return cast(try integer(UInt128.self, v, path)) }
        }
        return try T(from: ValueDecoder(value: v, codingPath: path))
    }

    static func integer<I: FixedWidthInteger>(_ t: I.Type, _ v: JSONValue, _ path: [any CodingKey]) throws -> I {
        guard case .number(let n) = v else { throw mismatch(t, v, path) }
        if let i = I(n.text) { return i }
        // 1.0 or 1e2: integral values written another way.
        if let d = Double(n.text), d == d.rounded(), let i = I(exactly: d) { return i }
        throw DecodingError.dataCorrupted(
            .init(
                codingPath: path, debugDescription: "\(excerpt(n.text)) does not fit in a \(I.bitWidth)-bit integer"))
    }
}

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [any CodingKey]

    var allKeys: [Key] { object.members.compactMap { Key(stringValue: $0.key) } }
    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    private func value(_ key: Key) throws -> JSONValue {
        guard let v = object[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "missing member \"\(key.stringValue)\""))
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key).isNull }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try Scalar.decode(type, try value(key), codingPath + [key])
    }
    @available(macOS 15, *)
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 {
        try Scalar.decode(type, try value(key), codingPath + [key])
    }
    @available(macOS 15, *)
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 {
        try Scalar.decode(type, try value(key), codingPath + [key])
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = object[key.stringValue], !v.isNull else { return nil }
        return try Scalar.decode(type, v, codingPath + [key])
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try ValueDecoder(value: try value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: try value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { ValueDecoder(value: object["super"] ?? .null, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: object[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ i: Int) { intValue = i }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}

struct UnkeyedContainer: UnkeyedDecodingContainer {
    let array: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(array: [JSONValue], codingPath: [any CodingKey]) {
        self.array = array
        self.codingPath = codingPath
    }

    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    private mutating func next<T>(_ t: T.Type) throws -> (JSONValue, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                t,
                .init(
                    codingPath: codingPath + [IndexKey(currentIndex)],
                    debugDescription: "array has only \(array.count) elements"))
        }
        defer { currentIndex += 1 }
        return (array[currentIndex], codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, array[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, path) = try next(type)
        return try Scalar.decode(type, v, path)
    }
    @available(macOS 15, *)
    mutating func decode(_ type: Int128.Type) throws -> Int128 {
        let (v, path) = try next(type)
        return try Scalar.decode(type, v, path)
    }
    @available(macOS 15, *)
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 {
        let (v, path) = try next(type)
        return try Scalar.decode(type, v, path)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<
        NestedKey
    > {
        let (v, path) = try next([String: Any].self)
        return try ValueDecoder(value: v, codingPath: path).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, path) = try next([Any].self)
        return try ValueDecoder(value: v, codingPath: path).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder {
        let (v, path) = try next(Any.self)
        return ValueDecoder(value: v, codingPath: path)
    }
}

struct SingleContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    func decodeNil() -> Bool { value.isNull }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try Scalar.decode(type, value, codingPath) }
    // The 128-bit requirements have default implementations that throw, so the generic one does not stand in.
    @available(macOS 15, *)
    func decode(_ type: Int128.Type) throws -> Int128 { try Scalar.decode(type, value, codingPath) }
    @available(macOS 15, *)
    func decode(_ type: UInt128.Type) throws -> UInt128 { try Scalar.decode(type, value, codingPath) }
}
