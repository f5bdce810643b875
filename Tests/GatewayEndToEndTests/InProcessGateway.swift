// `gateway serve` run inside the test process: the same options, parsed by the same `ServeOptions`, the same
// `examples` setup and the same `GatewayApplication`, on a free loopback port; only signals and the process
// exit are left out. Tests that need those (SIGTERM, exit codes, a restart on the same port, environment
// variables) use `GatewayProcess`; the other end-to-end tests use this, which costs no process start.
import ArgumentParser
import GatewayApp
import GatewayPosix
import Logging
import Synchronization

/// What a test needs of a running gateway, child process or in-process.
protocol TestGateway: Sendable {
    var port: Int { get }
}

extension GatewayProcess: TestGateway {}

/// A gateway serving in this process until the value is released (or `stop()` is called).
///
/// Its own async work (`run()`, the services' start and stop) runs on a thread of its own rather than on the
/// shared pool, so starting one never waits for a pool thread, which a synchronous test blocked on a socket
/// may be holding. Requests are served by the gateway's event loops as in production.
final class InProcessGateway: TestGateway {
    let port: Int
    private let app: GatewayApplication
    private let harness: EventLoopGroup
    private let ended = PosixSemaphore()
    private let stopped = Atomic<Bool>(false)

    /// Starts `gateway serve --host 127.0.0.1 --port 0 <arguments>` and returns once it is ready: every
    /// service started, the moment the binary prints its port.
    init(_ arguments: [String] = []) throws {
        let options = try ServeOptions.parse(["--host", "127.0.0.1", "--port", "0"] + arguments)
        var configuration = options.configuration
        configuration.handlesSignals = false
        var logger = Logger(label: "gateway-in-process")
        logger.logLevel = .warning
        let serving = PosixSemaphore()
        let bound = Atomic<Int>(0)
        let app = GatewayApplication(configuration: configuration, setup: .examples, logger: logger) { port in
            bound.store(port, ordering: .releasing)
            serving.post()
        }
        let harness = try EventLoopGroup(threads: 1)
        harness.start()
        let failure = Mutex<(any Error)?>(nil)
        let ended = self.ended
        Task(executorPreference: harness.loops[0].executor) {
            do {
                try await app.run()
            } catch {
                failure.withLock { $0 = error }
            }
            ended.post()
            serving.post()  // in case run() ended before serving
        }
        serving.wait()
        self.app = app
        self.harness = harness
        port = bound.load(ordering: .acquiring)
        if port == 0 {
            stopped.store(true, ordering: .relaxed)  // deinit runs when init throws: nothing is left to stop
            ended.wait()
            harness.shutdown()
            throw failure.withLock { $0 } ?? GatewayRunError.notServing
        }
    }

    /// Shuts the gateway down gracefully and waits until `run()` has returned.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        app.triggerGracefulShutdown()
        ended.wait()
        harness.shutdown()
    }

    deinit {
        guard !stopped.load(ordering: .relaxed) else { return }
        app.triggerGracefulShutdown()
        let (ended, harness) = (self.ended, self.harness)
        // The shutdown sequence may take its drain; the test does not wait for it.
        PosixThread.detach {
            ended.wait()
            harness.shutdown()
        }
    }
}
