// Launches the built `gateway` binary on a free loopback port and stops it by PID.
import Foundation
import Testing

/// A running `gateway serve` child process.
final class GatewayProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()

    /// The built executable: `GATEWAY_BIN`, else next to the test bundle, else `.build/debug/gateway`.
    static var binary: URL {
        if let p = ProcessInfo.processInfo.environment["GATEWAY_BIN"] { return URL(fileURLWithPath: p) }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "gateway"),
            Bundle.main.bundleURL.appendingPathComponent("gateway"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("gateway"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/gateway"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    /// Starts `gateway serve --port 0 <arguments>` and waits for its "listening" line and `/readyz`.
    /// - Parameter environment: added to this child's environment only (never `setenv`: suites run in parallel, and
    ///   every other child started meanwhile would inherit it).
    init(_ arguments: [String] = [], port requested: Int = 0, environment: [String: String] = [:]) throws {
        process.executableURL = GatewayProcess.binary
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.arguments =
            ["serve", "--host", "127.0.0.1", "--port", "\(requested)", "--log-level", "warning"] + arguments
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        // The first stdout line names the port; reading it is the start-up event (bounded by the pipe closing).
        var line = Data()
        let handle = stdoutPipe.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.readData(ofLength: 1)
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.lastIndex(of: ":"),
            let p = Int(text[text.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw GatewayError.noPort(
                text + String(decoding: stderrPipe.fileHandleForReading.availableData, as: UTF8.self))
        }
        port = p
        let ready = try RawClient(port: port).roundTrip("GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        guard ready.status == 200 else { throw GatewayError.notReady(ready.status) }
    }

    enum GatewayError: Error {
        case noPort(String)
        case notReady(Int)
    }

    var pid: Int32 { process.processIdentifier }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for exit (bounded) and returns the exit status.
    func waitForExit(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        return process.terminationStatus
    }

    var stderrText: String { String(decoding: stderrPipe.fileHandleForReading.availableData, as: UTF8.self) }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}
