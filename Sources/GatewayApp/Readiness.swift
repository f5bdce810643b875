// Liveness and readiness in the Kubernetes format (`[+]name ok`, `[-]name failed: reason`).
import GatewayPosix
import HTTP1
import HTTPServer
import Synchronization

/// A named readiness check: nil means ok, a string says why not.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let check: @Sendable () -> String?

    public init(name: String, check: @escaping @Sendable () -> String?) {
        self.name = name
        self.check = check
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
        checks = [
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
    func liveness() -> HTTPResponse {
        for loop in loops where loop.nanosecondsSinceLastTurn > 5_000_000_000 {
            return .text(.serviceUnavailable, "event loop \(loop.index) has not turned for \(loop.nanosecondsSinceLastTurn / 1_000_000) ms\n")
        }
        return .text(.ok, "ok")
    }

    /// `/readyz` (all checks), `/readyz/<name>` (one); `?verbose` lists each; `?exclude=name` skips one.
    func respond(check name: String?, query: Substring?) -> HTTPResponse {
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
            if selected.isEmpty { return .text(.notFound, "no readiness check named \(name)\n") }
        }
        var lines: [String] = []
        var failed = false
        for c in selected {
            if let reason = c.check() {
                failed = true
                lines.append("[-]\(c.name) failed: \(reason)")
            } else {
                lines.append("[+]\(c.name) ok")
            }
        }
        let status: HTTPStatus = failed ? .serviceUnavailable : .ok
        if !verbose && name == nil && !failed {
            return .text(status, "ok")
        }
        let word = name.map { "readyz/" + $0 } ?? "readyz"
        lines.append(failed ? "\(word) check failed" : "\(word) check passed")
        return .text(status, lines.joined(separator: "\n") + "\n")
    }
}
