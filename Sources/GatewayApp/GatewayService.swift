// The service model: what a program gives the gateway. A service is a namespace of typed methods, with
// optional readiness checks and start/stop hooks that the gateway's lifecycle runs at the right moments.
public import JSONRPCServer

/// A group of JSON-RPC methods with its own lifecycle.
///
/// ```swift
/// struct TodoService: GatewayService {
///     let store = TodoStore()                       // an actor holding the state
///     var namespace: String? { "todo" }             // methods are called "todo.add", "todo.list", …
///     func register(_ methods: inout RPCMethodTable) {
///         methods.register(AddTodo.self) { p, _ in await store.add(p.title) }
///     }
///     var readinessChecks: [ReadinessCheck] { [ReadinessCheck(name: "todo-store") { nil }] }
///     func start() async throws { try await store.open() }
///     func stop() async throws { await store.flush() }
/// }
/// ```
///
/// The gateway runs every `start()`, in order, after it has bound its port and before `/readyz` answers 200
/// (a `start()` that throws ends the run with that error, and the process exits non-zero with the reason).
/// It runs every `stop()`, in reverse order, once the shutdown sequence has drained and cancelled the calls.
public protocol GatewayService: Sendable {
    /// Prefixed to every method name with a dot (`"todo"` → `todo.add`); nil for none.
    ///
    /// - Important: a `JSONRPCMethod` declaration that clients share is called by its `name` as written, so
    ///   give such declarations the full wire name (`"todo.add"`) and leave `namespace` nil, or let clients
    ///   call the prefixed name.
    var namespace: String? { get }
    /// Adds this service's methods.
    func register(_ methods: inout RPCMethodTable)
    /// Checks that must pass for `/readyz` to answer 200 (also listed in `/readyz?verbose`).
    var readinessChecks: [ReadinessCheck] { get }
    /// Opens what the methods need (connections, files); the gateway is not ready until every start returned.
    func start() async throws
    /// Releases it, after the last call has been answered; bounded by the configuration's `stopTimeout`.
    func stop() async throws
}

extension GatewayService {
    /// No namespace by default: methods are called by their own names.
    public var namespace: String? { nil }
    /// No checks by default.
    public var readinessChecks: [ReadinessCheck] { [] }
    /// Nothing to open by default.
    public func start() async throws {}
    /// Nothing to release by default.
    public func stop() async throws {}
}

/// A service made of a method table alone.
public struct MethodsService: GatewayService {
    /// Prefixed to every method name with a dot; nil for none.
    public let namespace: String?
    let methods: RPCMethodTable

    /// A service serving `methods`, with no readiness checks and no start or stop work.
    ///
    /// ```swift
    /// var methods = RPCMethodTable()
    /// methods.register("ping") { _, _ in "pong" }
    /// let setup = GatewaySetup(services: [MethodsService(namespace: "util", methods)])  // util.ping
    /// ```
    ///
    /// - Parameters:
    ///   - namespace: prefixed to every method name with a dot; nil for none.
    ///   - methods: the methods to serve.
    public init(namespace: String? = nil, _ methods: RPCMethodTable) {
        self.namespace = namespace
        self.methods = methods
    }

    /// Adds the table's methods.
    public func register(_ table: inout RPCMethodTable) { table.merge(methods) }
}

/// Everything a program adds to a gateway: services, middleware, routes, readiness checks.
public struct GatewaySetup: Sendable {
    /// The services: started in this order, stopped in reverse.
    public var services: [any GatewayService]
    /// Around every call (batch entries one by one), outermost first.
    public var rpcInterceptors: [any RPCInterceptor]
    /// Around every request to `/rpc` and to `routes`, outermost first (probes and `/metrics` bypass them).
    public var httpInterceptors: [any HTTPInterceptor]
    /// Extra HTTP endpoints beside `/rpc`.
    public var routes: [HTTPRoute]
    /// Readiness checks of the program as a whole (services bring their own).
    public var readinessChecks: [ReadinessCheck]

    /// Everything the gateway serves besides the built-in probes and `/metrics`.
    ///
    /// ```swift
    /// let setup = GatewaySetup(
    ///     services: [TodoService()],
    ///     rpcInterceptors: [RequireToken()],
    ///     routes: [HTTPRoute("/version") { _ in ServerResponse(status: .ok, body: Array("1.0".utf8)) }])
    /// ```
    ///
    /// - Parameters:
    ///   - services: the services, started in this order and stopped in reverse.
    ///   - rpcInterceptors: around every call (batch entries one by one), outermost first.
    ///   - httpInterceptors: around every request to `/rpc` and to `routes`, outermost first.
    ///   - routes: extra HTTP endpoints beside `/rpc`.
    ///   - readinessChecks: checks of the program as a whole, beside those of the services.
    public init(
        services: [any GatewayService], rpcInterceptors: [any RPCInterceptor] = [],
        httpInterceptors: [any HTTPInterceptor] = [], routes: [HTTPRoute] = [], readinessChecks: [ReadinessCheck] = []
    ) {
        self.services = services
        self.rpcInterceptors = rpcInterceptors
        self.httpInterceptors = httpInterceptors
        self.routes = routes
        self.readinessChecks = readinessChecks
    }

    /// The built-in `examples` service alone: what `gateway serve` runs.
    public static var examples: GatewaySetup { GatewaySetup(services: [MethodsService(ExamplesService.methods())]) }
}
