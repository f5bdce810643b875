// The built-in `examples` service: the JSON-RPC 2.0 specification's §7 examples, plus echo and sleep.
import JSONRPC
import JSONRPCServer

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

    var double: Double {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        }
    }

    static func - (a: Number, b: Number) -> Number {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.subtractingReportingOverflow(y)
            if !o { return .int(r) }
        }
        return .double(a.double - b.double)
    }

    static func + (a: Number, b: Number) -> Number {
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
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "expected [minuend, subtrahend]"))
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

/// A result JSON can carry: numbers that overflow a double are the params' fault (-32602), not ours.
func finite(_ n: Number, _ what: String) throws(JSONRPCError) -> Number {
    if case .double(let d) = n, !d.isFinite { throw .invalidParams("\(what) is out of range for a double-precision number") }
    return n
}

/// The `examples` service's method table.
public enum ExamplesService {
    public static func methods() -> RPCMethodTable {
        var t = RPCMethodTable()
        t.register(Subtract.self) { p, _ in try finite(p.minuend - p.subtrahend, "the difference") }
        t.register(Sum.self) { p, _ in try finite(p.reduce(Number.int(0), +), "the sum") }
        t.register(GetData.self) { _, _ in ["hello", 5] }
        t.register("update") { _, _ in .null }
        t.register("notify_hello") { _, _ in .null }
        t.register("echo") { params, _ in params ?? .null }
        t.register(Sleep.self) { p, _ in
            guard p.ms >= 0, p.ms <= 3_600_000 else { throw JSONRPCError.invalidParams("ms must be within 0...3600000") }
            try await Task.sleep(for: .milliseconds(p.ms))
            return p.ms
        }
        return t
    }
}
