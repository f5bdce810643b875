// The testing module as users would use it: a service tested without sockets, and on a real port.
import GatewayApp
import GatewayTesting
import HTTP1
import HTTPServer
import JSONRPC
import JSONRPCClient
import JSONRPCServer
import Synchronization
import Testing

struct GatewayTestingTests {
    /// Probes arriving while an asynchronous check runs share that run: twenty at once run it once, not twenty
    /// times (a probe flood must not multiply the load on the dependency being checked).
    @Test func concurrent_probes_share_one_run_of_an_asynchronous_check() async throws {
        let runs = Atomic<Int>(0)
        let check = ReadinessCheck(name: "database", timeout: .seconds(5)) {
            runs.add(1, ordering: .relaxed)
            try? await Task.sleep(for: .milliseconds(500))
            return nil
        }
        let client = GatewayTestClient(setup: GatewaySetup(services: [], readinessChecks: [check]))
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { await client.request("GET", "/readyz/database").status.code } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 20))
        #expect(runs.load(ordering: .relaxed) == 1)
        // A probe after the run has ended runs the check again.
        #expect(await client.request("GET", "/readyz/database").status.code == 200)
        #expect(runs.load(ordering: .relaxed) == 2)
    }

    @Test func a_service_is_tested_without_sockets_middleware_included() async throws {
        let log = EventLog()
        let client = GatewayTestClient(
            setup: GatewaySetup(services: [CalcService(log: log)], rpcInterceptors: [RequireUser()]))
        try await client.startServices()
        #expect(log.all == ["start"])
        let sum = try await client.call(CalcAdd.self, AddParams(a: 2, b: 3), headers: [(name: "X-User", value: "ada")])
        #expect(sum == 5)
        await #expect(throws: JSONRPCError(code: -32010, message: "Unauthorized")) {
            _ = try await client.call(CalcAdd.self, AddParams(a: 2, b: 3))
        }
        do {
            _ = try await client.call(CalcAdd.self, AddParams(a: 99, b: 9), headers: [(name: "X-User", value: "ada")])
            Issue.record("expected CalcError.tooBig as -32050")
        } catch let e as JSONRPCError {
            #expect(e.code == -32050)
        }
        let health = await client.request("GET", "/healthz")
        #expect(health.status.code == 200)
        try await client.stopServices()
        #expect(log.all == ["start", "stop"])
    }

    @Test(.timeLimit(.minutes(1)))
    func a_gateway_that_never_serves_ends_the_helper_with_its_error_instead_of_hanging() async throws {
        let setup = GatewaySetup(services: [CalcService(log: EventLog(), failStart: true)])
        do {
            _ = try await withRunningGateway(setup: setup) { _ in Issue.record("body ran without a server") }
            Issue.record("expected the service's start failure")
        } catch let error as GatewayRunError {
            #expect(error.reason == .serviceStart("calc"))
        }
    }

    @Test func a_real_server_runs_on_a_free_port_for_the_length_of_the_test() async throws {
        let log = EventLog()
        let sum = try await withRunningGateway(setup: GatewaySetup(services: [CalcService(log: log)])) { port in
            #expect(log.all == ["start"])
            let client = JSONRPCClient(url: "http://127.0.0.1:\(port)/rpc")
            return try await client.call(CalcAdd.self, AddParams(a: 20, b: 22))
        }
        #expect(sum == 42)
        #expect(log.all == ["start", "stop"])
    }
}
