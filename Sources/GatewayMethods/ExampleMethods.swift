// The built-in `examples` service's method declarations, shared by the server and its clients: a client
// imports this small module (and JSONRPCClient) without linking the server.
public import JSONRPC

/// A JSON number that stays an integer when it is one (`42 - 23` answers `19`, not `19.0`).
public enum Number: Codable, Sendable, Equatable {
    /// An integer.
    case int(Int)
    /// Any other number.
    case double(Double)

    /// An integer when the decoder can read one (`JSONValueDecoder` reads `1.0` as one), else a double.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else {
            self = .double(try c.decode(Double.self))
        }
    }

    /// Encodes the integer or the double as it is.
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
    /// The number subtracted from.
    public var minuend: Number
    /// The number taken away.
    public var subtrahend: Number

    /// Params for `subtract`, which answers `minuend - subtrahend`.
    ///
    /// A client sends them named (`{"minuend": 42, "subtrahend": 23}`).
    public init(minuend: Number, subtrahend: Number) {
        self.minuend = minuend
        self.subtrahend = subtrahend
    }

    enum CodingKeys: String, CodingKey { case minuend, subtrahend }

    /// Decodes `[minuend, subtrahend]` (exactly two numbers) or `{"minuend": …, "subtrahend": …}`.
    ///
    /// - Throws: `DecodingError` for any other shape; the server answers it with -32602.
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

/// `subtract`, from the JSON-RPC 2.0 specification: the difference, in integers while it fits.
public enum Subtract: JSONRPCMethod {
    /// Positional or named minuend and subtrahend.
    public typealias Params = SubtractParams
    /// The difference.
    public typealias Result = Number
    /// The wire name; no namespace.
    public static let name = "subtract"
    /// Arithmetic has no effects: safe to retry.
    public static let isIdempotent = true
}

/// `sum`: adds the numbers of a positional array, in integers while it fits.
public enum Sum: JSONRPCMethod {
    /// The numbers to add; `[]` sums to 0.
    public typealias Params = [Number]
    /// The sum.
    public typealias Result = Number
    /// The wire name; no namespace.
    public static let name = "sum"
    /// Arithmetic has no effects: safe to retry.
    public static let isIdempotent = true
}

/// `get_data`, from the JSON-RPC 2.0 specification: answers `["hello", 5]`.
public enum GetData: JSONRPCMethod {
    /// None.
    public typealias Params = NoParams
    /// `["hello", 5]`.
    public typealias Result = JSONValue
    /// The wire name; no namespace.
    public static let name = "get_data"
    /// Reads only: safe to retry.
    public static let isIdempotent = true
}

/// Params for `sleep`: `{"ms": 250}`.
public struct SleepParams: Codable, Sendable {
    /// How long to sleep, in milliseconds; the server accepts 0...3600000 (else -32602).
    public var ms: Int
    /// Params that sleep for `ms` milliseconds.
    public init(ms: Int) { self.ms = ms }
}

/// `sleep`: waits `ms` milliseconds, then answers `ms`; for trying out deadlines, cancellation and shutdown.
public enum Sleep: JSONRPCMethod {
    /// How long to sleep.
    public typealias Params = SleepParams
    /// The milliseconds slept, echoed.
    public typealias Result = Int
    /// The wire name; no namespace.
    public static let name = "sleep"
    /// It has no effects: safe to retry.
    public static let isIdempotent = true
}

extension Number: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// An integer literal as `.int`.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point literal as `.double`.
    public init(floatLiteral value: Double) { self = .double(value) }
}
