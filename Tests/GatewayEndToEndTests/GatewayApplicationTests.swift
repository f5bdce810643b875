// The service model in-process: start/stop hooks around the lifecycle, namespaces, interceptors before decoding,
// HTTP middleware and routes, the blocking pool, errors of your own.
import Foundation
import GatewayApp
import HTTP1
import HTTPServer
import JSONRPC
import JSONRPCServer
import Logging
import Synchronization
import Testing

/// Records lifecycle events in order.
final class EventLog: Sendable {
    let events = Mutex<[String]>([])
    func add(_ e: String) { events.withLock { $0.append(e) } }
    var all: [String] { events.withLock { $0 } }
}

struct AddParams: Codable, Sendable {
    var a: Int
    var b: Int
}
enum Add: JSONRPCMethod {
    typealias Params = AddParams
    typealias Result = Int
    static let name = "add"
}

/// The same method as clients see it: the wire name includes the service's namespace.
enum CalcAdd: JSONRPCMethod {
    typealias Params = AddParams
    typealias Result = Int
    static let name = "calc.add"
}

enum CalcError: Error, JSONRPCErrorConvertible {
    case tooBig(Int)
    var jsonRPCError: JSONRPCError { JSONRPCError(code: -32050, message: "Too big", data: ["limit": 100]) }
}

struct UserKey: RPCContextKey { typealias Value = String }

struct CalcService: GatewayService {
    let log: EventLog
    var failStart = false
    var namespace: String? { "calc" }
    func register(_ methods: inout RPCMethodTable) {
        methods.register(Add.self) { p, _ in
            if p.a + p.b > 100 { throw CalcError.tooBig(p.a + p.b) }
            return p.a + p.b
        }
        methods.register("whoami") { _, context in .string(context.values[UserKey.self] ?? "nobody") }
        methods.register("blocking_sleep") { params, context in
            let ms = params?[0]?.intValue ?? 0
            return try await context.blocking {
                usleep(UInt32(ms) * 1000)  // blocks a pool thread of its own, never a loop
                return .int(ms)
            }
        }
    }
    var readinessChecks: [ReadinessCheck] { [ReadinessCheck(name: "calc") { nil }] }
    func start() async throws {
        log.add("start")
        if failStart { throw CocoaError(.fileNoSuchFile) }
    }
    func stop() async throws { log.add("stop") }
}

/// Refuses calls without `X-User`, before params are decoded; passes the user on.
struct RequireUser: RPCInterceptor {
    func intercept(
        _ call: RPCInvocation, context: RPCContext, next: (RPCContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        guard let user = context.header("x-user") else { throw JSONRPCError(code: -32010, message: "Unauthorized") }
        var context = context
        context.values[UserKey.self] = user
        return try await next(context)
    }
}

struct DenyHTTP: HTTPInterceptor {
    func intercept(_ request: ServerRequest, next: (ServerRequest) -> HTTPReply) -> HTTPReply {
        if request.head.fields["x-deny"] != nil {
            return .response(.rpcError(.forbidden, JSONRPCError(code: -32011, message: "Forbidden")))
        }
        return next(request).adding(["X-Served-By": "test"])
    }
}

@Suite(.serialized)
struct GatewayApplicationTests {
    /// The application, and the port it reports once serving (its `onServerRunning` callback).
    static func app(_ setup: GatewaySetup, configure: (inout GatewayConfiguration) -> Void = { _ in })
        -> (GatewayApplication, AsyncStream<Int>)
    {
        var c = GatewayConfiguration()
        c.http.port = 0
        c.http.eventLoops = 1
        c.handlesSignals = false
        c.shutdown = ShutdownPlan(drainTimeout: .milliseconds(300), cancelTimeout: .milliseconds(300))
        c.rpc.blockingThreads = 1
        c.rpc.blockingQueueLimit = 1
        configure(&c)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = GatewayApplication(configuration: c, setup: setup, logger: Logger(label: "test")) { port in
            sink.yield(port)
            sink.finish()
        }
        return (app, ports)
    }

    /// Runs `app` until `body` is done, then shuts it down and waits for `run()` to return. `body` starts when
    /// the application reports its port: listening, and every service started.
    static func serving(_ app: GatewayApplication, _ ports: AsyncStream<Int>, _ body: (Int) async throws -> Void)
        async throws
    {
        let run = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await run.value
            Issue.record("the application never served")
            return
        }
        try await body(port)
        app.triggerGracefulShutdown()
        try await run.value
    }

    static func post(_ port: Int, _ body: String, headers: String = "") async throws -> RawResponse {
        try await onThread { try RawClient(port: port).roundTrip(RawClient.post(body, extra: headers)) }
    }

    @Test func services_start_before_ready_and_stop_after_the_drain() async throws {
        let log = EventLog()
        let (app, ports) = Self.app(GatewaySetup(services: [CalcService(log: log)]))
        try await Self.serving(app, ports) { port in
            #expect(log.all == ["start"])
            let r = try await Self.post(port, #"{"jsonrpc":"2.0","method":"calc.add","params":{"a":2,"b":3},"id":1}"#)
            #expect((r.json as? [String: Any])?["result"] as? Int == 5)
            let ready = try await onThread {
                try RawClient(port: port).roundTrip("GET /readyz?verbose HTTP/1.1\r\nHost: t\r\n\r\n")
            }
            #expect(ready.text.contains("[+]calc ok"))
            #expect(ready.text.contains("[+]services ok"))
        }
        #expect(log.all == ["start", "stop"])
        #expect(app.report?.clean == true)
        await #expect(throws: GatewayRunError.self) { try await app.run() }
    }

    @Test func two_services_with_the_same_method_are_a_configuration_error_not_a_crash() async throws {
        let log = EventLog()
        let (app, _) = Self.app(GatewaySetup(services: [CalcService(log: log), CalcService(log: log)]))
        do {
            try await app.run()
            Issue.record("run() accepted a method registered twice")
        } catch let error as GatewayRunError {
            #expect(error.reason == .configuration)
            #expect(error.description.contains("calc.add"))
        }
        #expect(log.all.isEmpty)
    }

    @Test func a_failing_start_ends_run_with_the_reason() async throws {
        let log = EventLog()
        let (app, _) = Self.app(GatewaySetup(services: [CalcService(log: log, failStart: true)]))
        do {
            try await app.run()
            Issue.record("run() returned although a service failed to start")
        } catch let error as GatewayRunError {
            #expect(error.reason == .serviceStart("calc"))
        }
        #expect(app.server?.shutdownReport != nil)
    }

    @Test func interceptors_run_before_params_are_decoded_and_pass_values_on() async throws {
        let (app, ports) = Self.app(
            GatewaySetup(services: [CalcService(log: EventLog())], rpcInterceptors: [RequireUser()]))
        try await Self.serving(app, ports) { port in
            // Wrong params, no user: the caller learns it is unauthorized, not what the params should be.
            let denied = try await Self.post(port, #"{"jsonrpc":"2.0","method":"calc.add","params":[1],"id":1}"#)
            #expect(((denied.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32010)
            let unknown = try await Self.post(port, #"{"jsonrpc":"2.0","method":"nope","id":1}"#)
            #expect(((unknown.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32010)
            let me = try await Self.post(
                port, #"{"jsonrpc":"2.0","method":"calc.whoami","id":1}"#, headers: "X-User: ada\r\n")
            #expect((me.json as? [String: Any])?["result"] as? String == "ada")
        }
    }

    @Test func errors_of_your_own_map_to_their_code() async throws {
        let (app, ports) = Self.app(GatewaySetup(services: [CalcService(log: EventLog())]))
        try await Self.serving(app, ports) { port in
            let r = try await Self.post(port, #"{"jsonrpc":"2.0","method":"calc.add","params":{"a":99,"b":9},"id":1}"#)
            let e = (r.json as? [String: Any])?["error"] as? [String: Any]
            #expect(e?["code"] as? Int == -32050)
            #expect((e?["data"] as? [String: Any])?["limit"] as? Int == 100)
            let wrong = try await Self.post(port, #"{"jsonrpc":"2.0","method":"calc.add","params":[1],"id":1}"#)
            let message = ((wrong.json as? [String: Any])?["error"] as? [String: Any])?["data"] as? String
            #expect(message?.contains("expected an object") == true, "\(message ?? "")")
        }
    }

    @Test func http_interceptors_answer_or_add_headers_and_routes_serve_beside_rpc() async throws {
        let route = HTTPRoute("/version") { _ in .text(.ok, "1.0") }
        let (app, ports) = Self.app(
            GatewaySetup(
                services: [CalcService(log: EventLog())], httpInterceptors: [DenyHTTP()], routes: [route]))
        try await Self.serving(app, ports) { port in
            let denied = try await Self.post(
                port, #"{"jsonrpc":"2.0","method":"calc.add","params":{"a":1,"b":1},"id":1}"#, headers: "X-Deny: 1\r\n")
            #expect(denied.status == 403)
            #expect(((denied.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32011)
            let ok = try await Self.post(port, #"{"jsonrpc":"2.0","method":"calc.add","params":{"a":1,"b":1},"id":1}"#)
            #expect(ok.header("X-Served-By") == "test")
            let version = try await onThread {
                try RawClient(port: port).roundTrip("GET /version HTTP/1.1\r\nHost: t\r\n\r\n")
            }
            #expect(version.text == "1.0")
            #expect(version.header("X-Served-By") == "test")
            // Probes bypass the middleware.
            let health = try await onThread {
                try RawClient(port: port).roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Deny: 1\r\n\r\n")
            }
            #expect(health.status == 200)
        }
    }

    @Test func blocking_work_runs_on_its_pool_and_a_full_queue_is_busy() async throws {
        let (app, ports) = Self.app(GatewaySetup(services: [CalcService(log: EventLog())]))
        try await Self.serving(app, ports) { port in
            // One thread, a queue of one: the first call runs, the second waits, the third is refused.
            async let first = Self.post(
                port, #"{"jsonrpc":"2.0","method":"calc.blocking_sleep","params":[600],"id":1}"#)
            for _ in 0..<2000 {
                if (try? await Self.metric(port, "gateway_blocking_running")) == 1 { break }
                try await Task.sleep(for: .milliseconds(2))
            }
            async let second = Self.post(port, #"{"jsonrpc":"2.0","method":"calc.blocking_sleep","params":[1],"id":2}"#)
            for _ in 0..<2000 {
                if (try? await Self.metric(port, "gateway_blocking_queued")) == 1 { break }
                try await Task.sleep(for: .milliseconds(2))
            }
            let third = try await Self.post(
                port, #"{"jsonrpc":"2.0","method":"calc.blocking_sleep","params":[1],"id":3}"#)
            #expect(((third.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32003)
            // Meanwhile the loop is free: a probe answers.
            let health = try await onThread {
                try RawClient(port: port).roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            }
            #expect(health.status == 200)
            #expect(((try await first).json as? [String: Any])?["result"] as? Int == 600)
            #expect(((try await second).json as? [String: Any])?["result"] as? Int == 1)
        }
    }

    static func metric(_ port: Int, _ name: String) async throws -> Int {
        let r = try await onThread { try RawClient(port: port).roundTrip("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n") }
        let line = r.text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return Int(line?.split(separator: " ").last ?? "") ?? -1
    }
}
