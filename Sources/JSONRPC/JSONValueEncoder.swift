// Codable encoding straight into a `JSONValue`: results and params without a Foundation round trip.

/// Encodes `Encodable` values to a `JSONValue`; object members keep the order they were encoded in.
public enum JSONValueEncoder {
    /// Encodes `value` as a `JSONValue`.
    ///
    /// - Throws: `EncodingError.invalidValue` for a NaN or infinite `Double` or `Float`; what `value`'s own
    ///   `encode(to:)` throws.
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        // An identity compare, not a cast: `as? JSONValue` costs a runtime cast on every call.
        if T.self == JSONValue.self { return unsafeBitCast(value, to: JSONValue.self) }
        let root = EncodingNode()
        try EncodingNode.encode(value, into: root, path: [])
        return root.materialize()
    }
}

/// One value under construction; containers hand out child nodes, so nesting needs no copying back.
final class EncodingNode {
    var value: JSONValue?
    var members: [(String, EncodingNode)]?
    var items: [EncodingNode]?

    func materialize() -> JSONValue {
        if let members { return .object(JSONObject(members.map { (key: $0.0, value: $0.1.materialize()) })) }
        if let items { return .array(items.map { $0.materialize() }) }
        return value ?? .object(JSONObject())
    }

    static func encode<T: Encodable>(_ v: T, into node: EncodingNode, path: [any CodingKey]) throws {
        // Metatypes are compared by identity (one compare each) and values reinterpreted, not matched with
        // `case let x as U` (a runtime cast each, and a conformance lookup for `any FixedWidthInteger`): this
        // runs for every value of every result.
        @inline(__always) func value<U>(_ u: U.Type) -> U { unsafeBitCast(v, to: U.self) }
        if T.self == Int.self {
            node.value = .int(value(Int.self))
        } else if T.self == Double.self {
            let x = value(Double.self)
            guard x.isFinite else {
                throw EncodingError.invalidValue(
                    x, .init(codingPath: path, debugDescription: "JSON has no NaN or infinity"))
            }
            node.value = .double(x)
        } else if T.self == String.self {
            node.value = .string(value(String.self))
        } else if T.self == Bool.self {
            node.value = .bool(value(Bool.self))
        } else if T.self == JSONValue.self {
            node.value = value(JSONValue.self)
        } else if T.self == Float.self {
            let x = value(Float.self)
            guard x.isFinite else {
                throw EncodingError.invalidValue(
                    x, .init(codingPath: path, debugDescription: "JSON has no NaN or infinity"))
            }
            node.value = .number(JSONNumber(unchecked: "\(x)"))
        } else if let text = integerText(v) {
            node.value = .number(JSONNumber(unchecked: text))
        } else {
            try v.encode(to: NodeEncoder(node: node, codingPath: path))
        }
    }

    /// The decimal text of a fixed-width integer other than `Int`; nil for any other type. Every integer
    /// type must be listed: their own `encode(to:)` comes back here through the single-value container.
    private static func integerText<T>(_ v: T) -> String? {
        func text<I: FixedWidthInteger>(_ i: I.Type) -> String { String(unsafeBitCast(v, to: I.self)) }
        if T.self == Int64.self { return text(Int64.self) }
        if T.self == Int32.self { return text(Int32.self) }
        if T.self == Int16.self { return text(Int16.self) }
        if T.self == Int8.self { return text(Int8.self) }
        if T.self == UInt.self { return text(UInt.self) }
        if T.self == UInt64.self { return text(UInt64.self) }
        if T.self == UInt32.self { return text(UInt32.self) }
        if T.self == UInt16.self { return text(UInt16.self) }
        if T.self == UInt8.self { return text(UInt8.self) }
        if #available(macOS 15, *), T.self == Int128.self { return text(Int128.self) }
        if #available(macOS 15, *), T.self == UInt128.self { return text(UInt128.self) }
        return nil
    }
}

struct NodeEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.members == nil { node.members = [] }
        return KeyedEncodingContainer(NodeKeyedContainer<Key>(node: node, codingPath: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if node.items == nil { node.items = [] }
        return NodeUnkeyedContainer(node: node, codingPath: codingPath)
    }
    func singleValueContainer() -> any SingleValueEncodingContainer {
        NodeSingleContainer(node: node, codingPath: codingPath)
    }
}

struct NodeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    private func child(_ key: Key) -> EncodingNode {
        let c = EncodingNode()
        node.members!.append((key.stringValue, c))
        return c
    }
    mutating func encodeNil(forKey key: Key) throws { child(key).value = .null }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try EncodingNode.encode(value, into: child(key), path: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        NodeEncoder(node: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(node: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        let c = EncodingNode()
        node.members!.append(("super", c))
        return NodeEncoder(node: c, codingPath: codingPath)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: child(key), codingPath: codingPath + [key])
    }
}

struct NodeUnkeyedContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.items?.count ?? 0 }

    private func child() -> EncodingNode {
        let c = EncodingNode()
        node.items!.append(c)
        return c
    }
    mutating func encodeNil() throws { child().value = .null }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try EncodingNode.encode(value, into: child(), path: codingPath + [IndexKey(count)])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        NodeEncoder(node: child(), codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        NodeEncoder(node: child(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { NodeEncoder(node: child(), codingPath: codingPath) }
}

struct NodeSingleContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { node.value = .null }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try EncodingNode.encode(value, into: node, path: codingPath)
    }
}
