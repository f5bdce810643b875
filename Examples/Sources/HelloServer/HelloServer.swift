import GatewayApp
import JSONRPC
import JSONRPCServer

struct GreetParams: Codable, Sendable { var name: String }

enum Greet: JSONRPCMethod {  // declared once: the server registers it, a client calls it
    typealias Params = GreetParams
    typealias Result = String
    static let name = "hello.greet"
}

actor Visits {
    var count = 0
    func next() -> Int {
        count += 1
        return count
    }
}

struct HelloService: GatewayService {
    let visits = Visits()
    func register(_ methods: inout RPCMethodTable) {
        methods.register(Greet.self) { p, _ in "Hello, \(p.name) (visitor \(await visits.next()))" }
        methods.register("hello.checksum") { params, context in
            let text = params?[0]?.stringValue ?? ""
            // Blocking work (a synchronous driver, a C library) runs on the blocking pool, never on a loop.
            return .int(try await context.blocking { text.utf8.reduce(0) { $0 &+ Int($1) } })
        }
    }
    var readinessChecks: [ReadinessCheck] { [ReadinessCheck(name: "hello") { nil }] }
    func start() async throws {}  // open connections here: /readyz stays 503 until every start returned
    func stop() async throws {}  // runs after the last call was answered
}

struct RequireKey: RPCInterceptor {  // runs before params are decoded, for every call and batch entry
    func intercept(
        _ call: RPCInvocation, context: RPCContext, next: (RPCContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        guard context.header("x-api-key") == "k1" else { throw JSONRPCError(code: -32010, message: "Unauthorized") }
        return try await next(context)
    }
}

@main
struct HelloServer {
    static func main() {  // serve, call, health, ready; every flag and GATEWAY_* variable of `gateway serve`
        GatewayCommand.main(setup: GatewaySetup(services: [HelloService()], rpcInterceptors: [RequireKey()]))
    }
}
