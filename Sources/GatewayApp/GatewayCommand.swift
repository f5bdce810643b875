public import ArgumentParser
import Synchronization

// The `gateway` command line: `serve` (default).
#if canImport(Glibc)
    import Glibc
#endif

/// `gateway`: the JSON-RPC 2.0 gateway.
public struct GatewayCommand: ParsableCommand {
    /// The command's name and abstract, with `serve` as the default subcommand beside `call`, `health`, `ready`.
    public static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "JSON-RPC 2.0 over HTTP/1.1, built for Kubernetes probes and rolling restarts.",
        subcommands: [ServeCommand.self, CallCommand.self, HealthCommand.self, ReadyCommand.self],
        defaultSubcommand: ServeCommand.self)

    /// Required by `ParsableCommand`; argument parsing creates the command.
    public init() {}

    /// Runs the command line with your setup: `serve` (the default) serves it with every flag and `GATEWAY_*`
    /// variable of the `gateway` binary, and `call`, `health` and `ready` come along.
    ///
    /// ```swift
    /// @main
    /// struct TodoServer {
    ///     static func main() {
    ///         GatewayCommand.main(setup: GatewaySetup(services: [TodoService()]))
    ///     }
    /// }
    /// ```
    ///
    /// - Parameter setup: what `serve` runs: services, middleware, routes and readiness checks.
    /// - Important: it never returns: the process exits with the command's status (`ServeCommand.run()` lists
    ///   those of `serve`), so call it last in `main`.
    public static func main(setup: GatewaySetup) -> Never {
        ServeCommand.setup.withLock { $0 = setup }
        signal(SIGPIPE, SIG_IGN)
        main(argumentsWithEnvironment(environment: processEnvironment()))
        Glibc.exit(0)
    }

    /// The process environment, read without Foundation.
    static func processEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        var envp = environ
        while let entry = envp.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { environment[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            envp += 1
        }
        return environment
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
        for option in ServeOptions.environmentOptions {
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
