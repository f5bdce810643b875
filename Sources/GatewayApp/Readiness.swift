// Liveness and readiness in the Kubernetes format (`[+]name ok`, `[-]name failed: reason`).
import GatewayPosix
import HTTP1
import HTTPServer
import Synchronization

/// A named readiness check: nil means ok, a string says why not.
///
/// A check is synchronous (answered on the event loop, must be quick) or asynchronous with a timeout, so a
/// slow dependency cannot hang the probe: past its timeout the check counts as failed.
public struct ReadinessCheck: Sendable {
    /// Shown in `/readyz?verbose`; `/readyz/<name>` runs this check alone and `?exclude=<name>` skips it.
    public let name: String
    let sync: (@Sendable () -> String?)?
    let async: (@Sendable () async -> String?)?
    /// How long an asynchronous check may take before it counts as failed; zero for a synchronous one.
    public let timeout: Duration
    /// The run of an asynchronous check now in progress, which every probe arriving meanwhile shares: a
    /// flood of probes runs the check once at a time, not once per probe.
    private let inFlight = InFlightCheck()

    private final class InFlightCheck: Sendable {
        let task = Mutex<Task<String?, Never>?>(nil)
    }

    /// A synchronous check, answered on the event loop.
    ///
    /// ```swift
    /// ReadinessCheck(name: "cache") { cache.isWarm ? nil : "warming up" }
    /// ```
    ///
    /// - Parameters:
    ///   - name: the check's name in `/readyz` answers.
    ///   - check: nil when ready, else why not.
    /// - Important: it runs on an event loop for every probe: it must return at once and never block.
    public init(name: String, check: @escaping @Sendable () -> String?) {
        self.name = name
        sync = check
        async = nil
        timeout = .zero
    }

    /// An asynchronous check, failed when it takes longer than `timeout`.
    ///
    /// ```swift
    /// ReadinessCheck(name: "database", timeout: .milliseconds(500)) { await database.ping() ? nil : "no answer" }
    /// ```
    ///
    /// - Parameters:
    ///   - name: the check's name in `/readyz` answers.
    ///   - timeout: how long it may take; past it the check is cancelled and counts as failed.
    ///   - check: nil when ready, else why not.
    public init(name: String, timeout: Duration = .seconds(1), check: @escaping @Sendable () async -> String?) {
        self.name = name
        sync = nil
        async = check
        self.timeout = timeout
    }

    /// Runs the check, bounded by its timeout; joins the run in progress, if there is one.
    func run() async -> String? {
        if let sync { return sync() }
        guard let async else { return nil }
        let (timeout, inFlight) = (self.timeout, self.inFlight)
        let run = inFlight.task.withLock { current -> Task<String?, Never> in
            if let current { return current }
            let started = Task {
                let result = await Self.withTimeout(timeout, async) ?? "timed out after \(timeout)"
                inFlight.task.withLock { $0 = nil }
                return result
            }
            current = started
            return started
        }
        return await run.value
    }

    /// The result of `body`, or nil when `timeout` passes first (the body is cancelled, not awaited).
    static func withTimeout(_ timeout: Duration, _ body: @escaping @Sendable () async -> String?) async -> String?? {
        final class Once: Sendable { let continuation = Mutex<CheckedContinuation<String??, Never>?>(nil) }
        let once = Once()
        return await withCheckedContinuation { (c: CheckedContinuation<String??, Never>) in
            once.continuation.withLock { $0 = c }
            let work = Task {
                let r = await body()
                once.continuation.withLock { $0.take() }?.resume(returning: .some(r))
            }
            Task {
                try? await Task.sleep(for: timeout)
                if let c = once.continuation.withLock({ $0.take() }) {
                    work.cancel()
                    c.resume(returning: nil)
                }
            }
        }
    }
}

/// The readiness checks of one server, with the built-in `listening` and `shutdown`.
final class Readiness: Sendable {
    let checks: [ReadinessCheck]
    let state: HTTPServerState
    let loops: [EventLoop]

    init(state: HTTPServerState, loops: [EventLoop], extra: [ReadinessCheck] = []) {
        self.state = state
        self.loops = loops
        checks =
            [
                ReadinessCheck(name: "listening") {
                    switch state.phase {
                    case .starting: "not listening yet"
                    case .serving, .delaying: nil
                    default: "listener closed"
                    }
                },
                ReadinessCheck(name: "shutdown") { state.isShuttingDown ? "shutting down" : nil },
            ] + extra
    }

    /// 200 while every event loop turns; a loop stuck for 5 s makes the process unhealthy (restart it).
    func liveness() -> ServerResponse {
        let now = ContinuousClock.now
        for loop in loops {
            let stuck = loop.sinceLastTurn(now: now)
            guard stuck > .seconds(5) else { continue }
            return .text(
                .serviceUnavailable,
                "event loop \(loop.index) has not turned for \(stuck.wholeNanoseconds / 1_000_000) ms\n")
        }
        return .text(.ok, "ok")
    }

    /// True when some check is asynchronous, so the probe must be answered by async work.
    var hasAsyncChecks: Bool { checks.contains { $0.async != nil } }

    /// `/readyz` (all checks), `/readyz/<name>` (one); `?verbose` lists each; `?exclude=name` skips one.
    func respond(check name: String?, query: Substring?) async -> ServerResponse {
        let (selected, verbose) = select(check: name, query: query)
        guard let selected else { return .text(.notFound, "no readiness check named \(name ?? "")\n") }
        var results: [(String, String?)] = []
        for c in selected { results.append((c.name, await c.run())) }
        return format(results, check: name, verbose: verbose)
    }

    /// The synchronous form, for servers whose checks are all synchronous (answered on the event loop).
    func respondNow(check name: String?, query: Substring?) -> ServerResponse {
        let (selected, verbose) = select(check: name, query: query)
        guard let selected else { return .text(.notFound, "no readiness check named \(name ?? "")\n") }
        return format(selected.map { ($0.name, $0.sync?() ?? nil) }, check: name, verbose: verbose)
    }

    private func select(check name: String?, query: Substring?) -> ([ReadinessCheck]?, Bool) {
        var verbose = false
        var excluded: Set<String> = []
        for item in (query ?? "").split(separator: "&") {
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if kv[0] == "verbose" { verbose = true }
            if kv[0] == "exclude", kv.count == 2 { excluded.insert(String(kv[1])) }
        }
        var selected = checks.filter { !excluded.contains($0.name) }
        if let name {
            selected = checks.filter { $0.name == name }
            if selected.isEmpty { return (nil, verbose) }
        }
        return (selected, verbose)
    }

    private func format(_ results: [(String, String?)], check name: String?, verbose: Bool) -> ServerResponse {
        var lines: [String] = []
        var failed = false
        for (checkName, result) in results {
            if let reason = result {
                failed = true
                lines.append("[-]\(checkName) failed: \(reason)")
            } else {
                lines.append("[+]\(checkName) ok")
            }
        }
        let status: ResponseStatus = failed ? .serviceUnavailable : .ok
        if !verbose && name == nil && !failed {
            return .text(status, "ok")
        }
        let word = name.map { "readyz/" + $0 } ?? "readyz"
        lines.append(failed ? "\(word) check failed" : "\(word) check passed")
        return .text(status, lines.joined(separator: "\n") + "\n")
    }
}
