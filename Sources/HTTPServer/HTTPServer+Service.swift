// The server as a swift-service-lifecycle `Service`: graceful shutdown runs ARCHITECTURE §4 (docs/ARCHITECTURE.md), cancellation escalates.
public import ServiceLifecycle

/// Runs an `HTTPServer` in a `ServiceGroup`.
///
/// `run()` starts the server (unless started already) and returns when its shutdown sequence has finished.
/// The group's graceful shutdown starts the sequence with `plan`; cancelling the task skips to cancelling calls.
public struct HTTPServerService: Service {
    /// The server this service runs.
    public let server: HTTPServer
    /// The windows of its shutdown sequence.
    public let plan: ShutdownPlan

    /// A service for `server`, shut down with `plan`.
    public init(server: HTTPServer, plan: ShutdownPlan = ShutdownPlan()) {
        self.server = server
        self.plan = plan
    }

    /// Starts the server (unless started) and returns when its shutdown sequence has ended.
    public func run() async throws {
        if server.state.phase == .starting { try await server.start() }
        let server = self.server
        let plan = self.plan
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                _ = await server.waitUntilStopped()
            } onCancel: {
                server.triggerGracefulShutdown(plan)
                server.escalateShutdown()
            }
        } onGracefulShutdown: {
            server.triggerGracefulShutdown(plan)
        }
    }
}
