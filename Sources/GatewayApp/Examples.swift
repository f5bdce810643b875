// The built-in `examples` service: the JSON-RPC 2.0 specification's §7 examples, plus echo and sleep.
import GatewayMethods
import JSONRPC
public import JSONRPCServer

/// A result JSON can carry: numbers that overflow a double are the params' fault (-32602), not ours.
func finite(_ n: Number, _ what: String) throws(JSONRPCError) -> Number {
    if case .double(let d) = n, !d.isFinite {
        throw .invalidParams("\(what) is out of range for a double-precision number")
    }
    return n
}

/// The `examples` service's method table.
public enum ExamplesService {
    /// A new table of the `examples` methods: `subtract`, `sum`, `get_data`, `update`, `notify_hello`, `echo`
    /// and `sleep`.
    public static func methods() -> RPCMethodTable {
        var t = RPCMethodTable()
        t.register(Subtract.self) { p, _ in try finite(p.minuend - p.subtrahend, "the difference") }
        t.register(Sum.self) { p, _ in try finite(p.reduce(Number.int(0), +), "the sum") }
        t.register(GetData.self) { _, _ in ["hello", 5] }
        t.register("update") { _, _ in .null }
        t.register("notify_hello") { _, _ in .null }
        t.register("echo") { params, _ in params ?? .null }
        t.register(Sleep.self) { p, _ in
            guard p.ms >= 0, p.ms <= 3_600_000 else {
                throw JSONRPCError.invalidParams("ms must be within 0...3600000")
            }
            try await Task.sleep(for: .milliseconds(p.ms))
            return p.ms
        }
        return t
    }
}
