// Request ids: string, number or null, numbers kept exactly as written.

/// A JSON-RPC request id.
public enum RPCID: Sendable, Hashable, CustomStringConvertible {
    /// A string id.
    case string(String)
    /// A number id, kept as written.
    case number(JSONNumber)
    /// An explicit `null` id, which the specification discourages.
    case null

    /// A number id.
    public init(_ n: Int) { self = .number(JSONNumber(n)) }

    /// The id as a JSON value.
    public var jsonValue: JSONValue {
        switch self {
        case .string(let s): .string(s)
        case .number(let n): .number(n)
        case .null: .null
        }
    }

    /// The id `value` holds; nil unless it is a string, a number or `null`.
    public init?(_ value: JSONValue) {
        switch value {
        case .string(let s): self = .string(s)
        case .number(let n): self = .number(n)
        case .null: self = .null
        default: return nil
        }
    }

    /// The id as JSON text (a string id quoted).
    public var description: String { jsonValue.jsonText }

    /// The id written as JSON text (as kept by the envelope); nil if the text is not a valid id.
    public init?(jsonText: [UInt8]) {
        guard let v = try? JSONValue(parsing: jsonText) else { return nil }
        self.init(v)
    }
}
