// A real gateway on a free loopback port for the length of a test, run as a Service in a ServiceGroup.
public import GatewayApp
import HTTPServer
public import Logging
import ServiceLifecycle

/// Runs `setup` on 127.0.0.1 with a free port in a `ServiceGroup`, calls `body` with the port once every
/// service has started, then shuts the gateway down gracefully and waits for it.
///
/// ```swift
/// try await withRunningGateway(setup: GatewaySetup(services: [CalcService()])) { port in
///     let client = JSONRPCClient(url: "http://127.0.0.1:\(port)/rpc")
///     #expect(try await client.call(Add.self, AddParams(a: 2, b: 3)) == 5)
/// }
/// ```
///
/// - Parameters:
///   - setup: the services, middleware and routes to serve.
///   - configuration: as in production, except that the host, the port and signal handling are set here.
///   - logger: the gateway's logger.
///   - body: the test, called with the bound port once every service has started.
/// - Returns: what `body` returns.
/// - Throws: what `body` throws (after the gateway has shut down), or the `GatewayRunError` that ended the
///   gateway's run.
public func withRunningGateway<T: Sendable>(
    setup: GatewaySetup, configuration: GatewayConfiguration = GatewayConfiguration(),
    logger: Logger = Logger(label: "gateway-test"), _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    var c = configuration
    c.http.host = "127.0.0.1"
    c.http.port = 0
    c.handlesSignals = false
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let app = GatewayApplication(configuration: c, setup: setup, logger: logger) { port in
        portSink.yield(port)
        portSink.finish()
    }
    let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            // Ends the port stream if the gateway stops before serving, so the wait below cannot hang.
            defer { portSink.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            // run() ended before serving: its error is the group's.
            try await tasks.next()
            throw GatewayRunError.notServing
        }
        do {
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}
