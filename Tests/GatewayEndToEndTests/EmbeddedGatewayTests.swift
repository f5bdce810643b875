// The gateway as a library inside this process: custom readiness checks and programmatic shutdown.
import Foundation
import GatewayApp
import HTTPServer
import JSONRPC
import JSONRPCServer
import Logging
import Synchronization
import Testing

@Suite(.serialized)
struct EmbeddedGatewayTests {
    func makeGateway(_ checks: [ReadinessCheck]) throws -> Gateway {
        var http = HTTPServerConfiguration()
        http.port = 0
        http.eventLoops = 1
        let logger = Logger(label: "test")
        let rpc = JSONRPCServer(methods: ExamplesService.methods(), logger: logger)
        return try Gateway(http: http, rpc: rpc, readinessChecks: checks, logger: logger)
    }

    @Test func slow_async_check_fails_by_its_timeout_without_hanging_the_probe() async throws {
        let gw = try makeGateway([
            ReadinessCheck(name: "slow", timeout: .milliseconds(100)) {
                try? await Task.sleep(for: .seconds(30))
                return nil
            },
            ReadinessCheck(name: "fine", timeout: .seconds(1)) { nil },
        ])
        let port = try await gw.start()
        defer { _ = gw.shutdown(ShutdownPlan(drainTimeout: .seconds(1), cancelTimeout: .seconds(1))) }
        let start = Date()
        // The checks' timers run on the cooperative pool: the blocking probe must not hold one of its threads.
        let r = try await onThread {
            try RawClient(port: port).roundTrip("GET /readyz?verbose HTTP/1.1\r\nHost: t\r\n\r\n")
        }
        // Bounded by the 100 ms timeout, not the 30 s check; generous because other suites' blocking socket
        // tests share the cooperative pool this in-process server's timers run on.
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.status == 503)
        #expect(r.text.contains("[-]slow failed: timed out"))
        #expect(r.text.contains("[+]fine ok"))
        #expect(r.text.hasSuffix("readyz check failed\n"))
        let excluded = try await onThread {
            try RawClient(port: port).roundTrip("GET /readyz?exclude=slow HTTP/1.1\r\nHost: t\r\n\r\n")
        }
        #expect(excluded.status == 200)
    }

    @Test func in_flight_deadlines_are_clamped_to_the_end_of_the_drain() throws {
        var methods = RPCMethodTable()
        methods.register("remaining_after") { params, context in
            let before = context.remaining.map { Int($0.components.seconds) } ?? -1
            try await Task.sleep(for: .milliseconds(params?[0]?.intValue ?? 0))
            let after =
                context.remaining.map {
                    Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000)
                } ?? -1
            return [.int(before), .int(after)]
        }
        var http = HTTPServerConfiguration()
        http.port = 0
        http.eventLoops = 1
        let logger = Logger(label: "test")
        let gw = try Gateway(http: http, rpc: JSONRPCServer(methods: methods, logger: logger), logger: logger)
        let port = try gw.start()
        let c = try RawClient(port: port)
        c.send(RawClient.post(#"{"jsonrpc":"2.0","method":"remaining_after","params":[400],"id":1}"#))
        for _ in 0..<500 where gw.server.state.inFlightCalls < 1 { usleep(2000) }
        let server = gw.server
        let shutdown = Thread {
            _ = server.shutdown(ShutdownPlan(drainTimeout: .seconds(2), cancelTimeout: .seconds(1)))
        }
        shutdown.start()
        let result = (c.readResponse()?.json as? [String: Any])?["result"] as? [Int]
        // Before the signal the call had ~30 s; after it, at most what is left of the 2 s drain.
        #expect((result?.first ?? 0) >= 29)
        #expect((result?.last ?? 9999) <= 2000)
        #expect((result?.last ?? -1) > 0)
        while server.shutdownReport == nil { usleep(5000) }
    }

    @Test func sync_check_failure_is_reported_and_shutdown_flips_readiness() throws {
        final class Flag: Sendable { let up = Atomic<Bool>(false) }
        let flag = Flag()
        let gw = try makeGateway([
            ReadinessCheck(name: "database") { flag.up.load(ordering: .relaxed) ? nil : "not connected" }
        ])
        let port = try gw.start()
        let down = try RawClient(port: port).roundTrip("GET /readyz/database HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(down.status == 503)
        #expect(down.text == "[-]database failed: not connected\nreadyz/database check failed\n")
        flag.up.store(true, ordering: .relaxed)
        #expect(try RawClient(port: port).roundTrip("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200)
        let report = gw.shutdown(ShutdownPlan(drainTimeout: .seconds(1), cancelTimeout: .seconds(1)))
        #expect(report.clean)
        #expect(gw.server.state.phase == .stopped)
    }
}
