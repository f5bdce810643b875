// The gateway as a library inside this process: custom readiness checks and programmatic shutdown.
import Foundation
import GatewayApp
import HTTPServer
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

    @Test func slow_async_check_fails_by_its_timeout_without_hanging_the_probe() throws {
        let gw = try makeGateway([
            ReadinessCheck(name: "slow", timeout: .milliseconds(100)) {
                try? await Task.sleep(for: .seconds(30))
                return nil
            },
            ReadinessCheck(name: "fine", timeout: .seconds(1)) { nil },
        ])
        let port = try gw.start()
        defer { _ = gw.shutdown(ShutdownPlan(drainTimeout: .seconds(1), cancelTimeout: .seconds(1))) }
        let start = Date()
        let r = try RawClient(port: port).roundTrip("GET /readyz?verbose HTTP/1.1\r\nHost: t\r\n\r\n")
        // Bounded by the 100 ms timeout, not the 30 s check; generous because other suites' blocking socket
        // tests share the cooperative pool this in-process server's timers run on.
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.status == 503)
        #expect(r.text.contains("[-]slow failed: timed out"))
        #expect(r.text.contains("[+]fine ok"))
        #expect(r.text.hasSuffix("readyz check failed\n"))
        let excluded = try RawClient(port: port).roundTrip("GET /readyz?exclude=slow HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(excluded.status == 200)
    }

    @Test func sync_check_failure_is_reported_and_shutdown_flips_readiness() throws {
        final class Flag: Sendable { let up = Atomic<Bool>(false) }
        let flag = Flag()
        let gw = try makeGateway([ReadinessCheck(name: "database") { flag.up.load(ordering: .relaxed) ? nil : "not connected" }])
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
