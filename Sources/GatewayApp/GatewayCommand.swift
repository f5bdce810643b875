// The `gateway` command line: `serve` (default).
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// `gateway`: the JSON-RPC 2.0 gateway.
public struct GatewayCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "JSON-RPC 2.0 over HTTP/1.1, built for Kubernetes probes and rolling restarts.",
        subcommands: [ServeCommand.self, CallCommand.self, HealthCommand.self, ReadyCommand.self],
        defaultSubcommand: ServeCommand.self)

    public init() {}

    /// The signals that start (and, sent again, escalate) the shutdown sequence.
    static var shutdownSignals: sigset_t {
        var s = sigset_t()
        sigemptyset(&s)
        sigaddset(&s, SIGTERM)
        sigaddset(&s, SIGINT)
        return s
    }

    /// Blocks the shutdown signals in this thread and every thread started after it, so that only
    /// `sigwait` sees them; ignores SIGPIPE. Call first thing in `main`, before any thread exists.
    public static func blockSignals() {
        var s = shutdownSignals
        pthread_sigmask(SIG_BLOCK, &s, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// The process arguments with `GATEWAY_<FLAG>` environment variables added for flags not given.
    ///
    /// `GATEWAY_PORT=9000` acts as `--port 9000`; `GATEWAY_HEADER_TIMEOUT=5s` as `--header-timeout 5s`.
    /// A flag on the command line wins over its variable.
    public static func argumentsWithEnvironment(
        _ arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        environment: [String: String]
    ) -> [String] {
        var args = arguments
        let subcommands = ["serve", "call", "health", "ready", "help"]
        let isServe = args.first.map { !subcommands.contains($0) || $0 == "serve" } ?? true
        guard isServe, !args.contains("--help"), !args.contains("-h") else { return args }
        for option in ServeCommand.environmentOptions {
            let flag = "--" + option
            if args.contains(where: { $0 == flag || $0.hasPrefix(flag + "=") }) { continue }
            let variable = "GATEWAY_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
            if let value = environment[variable] { args += [flag, value] }
        }
        return args
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}
