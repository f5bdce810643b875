// Testing a gateway's services in-process: requests straight into the responder, no sockets, no threads.
public import GatewayApp
import HTTP1
public import HTTPServer
public import JSONRPC
import Logging
import Synchronization

/// Sends requests to a gateway setup as the server would route them, without sockets.
///
/// Interceptors, routes, the JSON-RPC server and its limits all run as in production; what is left out is the
/// HTTP wire (parsing, connections, timeouts), which `withRunningGateway` covers.
///
/// ```swift
/// @Test func add_returns_the_sum() async throws {
///     let client = GatewayTestClient(setup: GatewaySetup(services: [CalcService()]))
///     try await client.startServices()
///     #expect(try await client.call(Add.self, AddParams(a: 2, b: 3)) == 5)
/// }
/// ```
public final class GatewayTestClient: Sendable {
    /// The setup under test.
    public let setup: GatewaySetup
    /// The configuration the responder was built with (its `rpcPath`, limits and timeouts).
    public let configuration: GatewayConfiguration
    private let responder: any HTTPResponder
    private let state = HTTPServerState()
    private let nextID = Atomic<Int>(1)

    /// Builds the responder `GatewayApplication.run()` would serve for `setup`; services are not started.
    ///
    /// ```swift
    /// let client = GatewayTestClient(setup: GatewaySetup(services: [CalcService()]))
    /// let health = await client.request("GET", "/healthz")  // health.status.code == 200
    /// ```
    ///
    /// - Parameters:
    ///   - setup: the services, middleware and routes under test.
    ///   - configuration: limits and paths, as the server would use them.
    ///
    /// - Precondition: no method name is registered by two services.
    public init(setup: GatewaySetup, configuration: GatewayConfiguration = GatewayConfiguration()) {
        self.setup = setup
        self.configuration = configuration
        let app = GatewayApplication(configuration: configuration, setup: setup, logger: Logger(label: "gateway-test"))
        do {
            responder = try app.makeResponder(state: state)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// Runs every service's `start()`, in order, as `GatewayApplication.run()` would before serving.
    public func startServices() async throws {
        for s in setup.services { try await s.start() }
    }

    /// Runs every service's `stop()`, newest first.
    public func stopServices() async throws {
        for s in setup.services.reversed() { try await s.stop() }
    }

    /// One HTTP request through the responder; the response it would send.
    public func request(
        _ method: String = "POST", _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) async -> ServerResponse {
        var fields: HeaderFields = ["Host": "test"]
        for h in headers { fields.append(name: h.name, value: h.value) }
        if !body.isEmpty { fields.append(name: "Content-Length", value: "\(body.count)") }
        let head = RequestHead(
            method: method, target: path, version: .http11, fields: fields,
            framing: body.isEmpty ? .none : .length(body.count))
        switch responder.reply(to: ServerRequest(head: head, body: body), server: state) {
        case .response(let r): return r
        case .async(let a): return await a.run()
        }
    }

    /// Calls a typed method; a JSON-RPC error is thrown as `JSONRPCError`.
    public func call<M: JSONRPCMethod>(
        _ method: M.Type, _ params: M.Params, headers: [(name: String, value: String)] = []
    ) async throws -> M.Result {
        let p: JSONValue? = M.Params.self == NoParams.self ? nil : try JSONValueEncoder.encode(params)
        return try JSONValueDecoder.decode(M.Result.self, from: try await call(M.name, params: p, headers: headers))
    }

    /// Calls a method with untyped params; a JSON-RPC error is thrown as `JSONRPCError`.
    public func call(
        _ method: String, params: JSONValue? = nil, headers: [(name: String, value: String)] = []
    ) async throws -> JSONValue {
        var o: JSONObject = [
            "jsonrpc": "2.0", "method": .string(method), "id": .int(nextID.add(1, ordering: .relaxed).oldValue),
        ]
        if let params { o["params"] = params }
        let r = await request(
            "POST", configuration.rpcPath, headers: [(name: "Content-Type", value: "application/json")] + headers,
            body: JSONValue.object(o).jsonBytes)
        guard r.status.code == 200 else { throw GatewayTestError(status: r.status.code, body: r.body) }
        let v = try JSONValue(parsing: r.body)
        if let e = v["error"] {
            throw JSONRPCError(
                code: e["code"]?.intValue ?? 0, message: e["message"]?.stringValue ?? "", data: e["data"])
        }
        return v["result"] ?? .null
    }
}

/// The gateway answered with an HTTP status other than 200.
public struct GatewayTestError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status code.
    public let status: Int
    /// The response body.
    public let body: [UInt8]
    /// The status and the start of the body, for test failures.
    public var description: String { "HTTP \(status): \(String(decoding: body.prefix(200), as: UTF8.self))" }
}
