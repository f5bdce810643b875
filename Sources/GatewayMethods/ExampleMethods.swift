// The built-in `examples` service's method declarations, shared by the server and its clients: a client
// imports this small module (and JSONRPCClient) without linking the server.
public import JSONRPC

/// A JSON number that stays an integer when it is one (`42 - 23` answers `19`, not `19.0`).
public enum Number: Codable, Sendable, Equatable {
    case int(Int)
    case double(Double)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else {
            self = .double(try c.decode(Double.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        }
    }

    /// The value as a double (exact for integers up to 2^53).
    public var double: Double {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        }
    }

    /// Integer arithmetic while it fits, else double.
    public static func - (a: Number, b: Number) -> Number {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.subtractingReportingOverflow(y)
            if !o { return .int(r) }
        }
        return .double(a.double - b.double)
    }

    /// Integer arithmetic while it fits, else double.
    public static func + (a: Number, b: Number) -> Number {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.addingReportingOverflow(y)
            if !o { return .int(r) }
        }
        return .double(a.double + b.double)
    }
}

/// `subtract`: positional `[minuend, subtrahend]` or named `{"minuend", "subtrahend"}`.
public struct SubtractParams: Codable, Sendable {
    public var minuend: Number
    public var subtrahend: Number

    public init(minuend: Number, subtrahend: Number) {
        self.minuend = minuend
        self.subtrahend = subtrahend
    }

    enum CodingKeys: String, CodingKey { case minuend, subtrahend }

    public init(from decoder: any Decoder) throws {
        if var c = try? decoder.unkeyedContainer() {
            guard c.count == 2 else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [], debugDescription: "expected [minuend, subtrahend]"))
            }
            minuend = try c.decode(Number.self)
            subtrahend = try c.decode(Number.self)
        } else {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minuend = try c.decode(Number.self, forKey: .minuend)
            subtrahend = try c.decode(Number.self, forKey: .subtrahend)
        }
    }
}

public enum Subtract: JSONRPCMethod {
    public typealias Params = SubtractParams
    public typealias Result = Number
    public static let name = "subtract"
    public static let isIdempotent = true
}

public enum Sum: JSONRPCMethod {
    public typealias Params = [Number]
    public typealias Result = Number
    public static let name = "sum"
    public static let isIdempotent = true
}

public enum GetData: JSONRPCMethod {
    public typealias Params = NoParams
    public typealias Result = JSONValue
    public static let name = "get_data"
    public static let isIdempotent = true
}

public struct SleepParams: Codable, Sendable {
    public var ms: Int
    public init(ms: Int) { self.ms = ms }
}

public enum Sleep: JSONRPCMethod {
    public typealias Params = SleepParams
    public typealias Result = Int
    public static let name = "sleep"
    public static let isIdempotent = true
}

extension Number: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
}
