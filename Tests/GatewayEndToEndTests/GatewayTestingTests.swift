// The testing module as users would use it: a service tested without sockets, and on a real port.
import GatewayApp
import GatewayTesting
import HTTP1
import HTTPServer
import JSONRPC
import JSONRPCClient
import JSONRPCServer
import Testing

struct GatewayTestingTests {
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
        await #expect(throws: (any Error).self) {
            try await withRunningGateway(setup: setup) { _ in Issue.record("body ran without a server") }
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
