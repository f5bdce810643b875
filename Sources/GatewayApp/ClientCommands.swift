import ArgumentParser
import JSONRPC
import JSONRPCClient
import Synchronization

// `gateway call`, `gateway health`, `gateway ready`: the SDK on the command line (no curl needed in an image).
#if canImport(Glibc)
    import Glibc
#endif

func writeLine(_ fd: Int32, _ text: String) {
    let line = text + "\n"
    _ = line.withCString { Glibc.write(fd, $0, strlen($0)) }
}

/// `gateway call --url URL METHOD [PARAMS_JSON]`: prints the result; exit 1 on a JSON-RPC error, 2 on transport.
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a JSON-RPC method and print its result as JSON.",
        discussion:
            "Exit status: 0 result printed on stdout; 1 JSON-RPC error (printed as JSON on stderr); 2 transport or HTTP failure."
    )

    @Option(help: "The JSON-RPC endpoint.") var url = "http://127.0.0.1:8080/rpc"
    @Argument(help: "Method name.") var method: String
    @Argument(help: "Params as JSON (an array or an object).") var params: String?
    @Option(help: "Call timeout (e.g. 5s, 500ms).") var timeout = DurationArgument(.seconds(30))
    @Flag(help: "Send as a notification (no answer).") var notify = false
    @Option(help: "Attempts in all, retries included.") var attempts = 4
    @Option(name: .customLong("header"), help: "A request header, NAME: VALUE (repeatable).") var headers: [String] = []

    func run() throws {
        var p: JSONValue? = nil
        if let params {
            do {
                p = try JSONValue(parsing: params)
            } catch {
                throw ValidationError("PARAMS_JSON is not valid JSON: \(error)")
            }
            guard p?.arrayValue != nil || p?.objectValue != nil else {
                throw ValidationError("PARAMS_JSON must be an array or an object")
            }
        }
        var configuration = JSONRPCClient.Configuration()
        configuration.callTimeout = timeout.duration
        configuration.retry.maxAttempts = max(1, attempts)
        for h in headers {
            guard let colon = h.firstIndex(of: ":") else { throw ValidationError("--header \(h) is not NAME: VALUE") }
            configuration.headers.append(
                (
                    name: String(h[..<colon]), value: String(h[h.index(after: colon)...]).trimmingCharacters(in: " ")
                ))
        }
        let client = JSONRPCClient(url: url, configuration: configuration)
        let (method, notify, params) = (self.method, self.notify, p)
        let outcome: Result<JSONValue?, JSONRPCClientError> = runBlocking {
            do throws(JSONRPCClientError) {
                if notify {
                    try await client.notify(method, params: params)
                    return .success(nil)
                }
                return .success(try await client.call(method, params: params))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let v):
            if let v { writeLine(1, v.jsonText) }
        case .failure(let e):
            if let rpc = e.rpcError {
                writeLine(2, rpc.jsonValue.jsonText)
                throw ExitCode(1)
            }
            writeLine(2, "error: \(e)")
            throw ExitCode(2)
        }
    }
}

/// `gateway health --url BASE` / `gateway ready --url BASE`: exit 0 on 200, 1 otherwise.
struct ProbeCommand {
    static func probe(_ url: String, ready: Bool) throws {
        var configuration = JSONRPCClient.Configuration()
        configuration.probeTimeout = .seconds(5)
        configuration.connectTimeout = .seconds(2)
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let client = JSONRPCClient(url: base + "/rpc", configuration: configuration)
        let result = runBlocking { ready ? await client.readyStatus() : await client.healthStatus() }
        switch result {
        case .status(200, _):
            writeLine(1, "ok")
        case .status(let code, let body):
            writeLine(1, "failed: HTTP \(code)\n" + body.trimmingCharacters(in: "\n"))
            throw ExitCode(1)
        case .transport(let code, let message):
            writeLine(1, "failed: no answer (curl \(code)): \(message)")
            throw ExitCode(1)
        }
    }
}

struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "GET /healthz: exit 0 on 200, 1 otherwise.")
    @Option(help: "The gateway's base URL.") var url = "http://127.0.0.1:8080"
    func run() throws { try ProbeCommand.probe(url, ready: false) }
}

struct ReadyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ready", abstract: "GET /readyz: exit 0 on 200, 1 otherwise.")
    @Option(help: "The gateway's base URL.") var url = "http://127.0.0.1:8080"
    func run() throws { try ProbeCommand.probe(url, ready: true) }
}
