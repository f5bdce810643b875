// SDK calls/s against a running gateway at 1, 16 and 64 concurrent calls, beside AsyncHTTPClient doing the
// same JSON-RPC call (same body, same response parsing). Prints one line per run and the ratio per level.
//   sdk-bench URL [SECONDS] [REPS]
import AsyncHTTPClient
import Foundation
import JSONRPC
import JSONRPCClient
import NIOCore

let args = CommandLine.arguments
guard args.count >= 2 else {
    print("usage: sdk-bench http://127.0.0.1:PORT/rpc [seconds=5] [reps=3]")
    exit(2)
}
let url = args[1]
let seconds = args.count > 2 ? Double(args[2]) ?? 5 : 5
let reps = args.count > 3 ? Int(args[3]) ?? 3 : 3
let body = #"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#

/// Runs `concurrency` workers calling `one()` until `seconds` pass; returns calls per second.
func measure(concurrency: Int, _ one: @escaping @Sendable () async throws -> Void) async throws -> Double {
    let end = Date().addingTimeInterval(seconds)
    let start = Date()
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var n = 0
                while Date() < end {
                    try await one()
                    n += 1
                }
                return n
            }
        }
        return try await group.reduce(0, +)
    }
    return Double(total) / Date().timeIntervalSince(start)
}

var sdkConfiguration = JSONRPCClient.Configuration()
sdkConfiguration.maxConnections = 64
sdkConfiguration.maxConcurrentCalls = 64
let sdk = JSONRPCClient(url: url, configuration: sdkConfiguration)
var ahcConfiguration = HTTPClient.Configuration()
ahcConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
let ahc = HTTPClient(eventLoopGroupProvider: .singleton, configuration: ahcConfiguration)

let sdkCall: @Sendable () async throws -> Void = {
    let r = try await sdk.call("subtract", params: [42, 23])
    precondition(r == 19)
}
let ahcCall: @Sendable () async throws -> Void = {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await ahc.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    let value = try JSONValue(parsing: Array(buffer: bytes))
    precondition(value["result"] == 19)
}

print("level\trep\tclient\tcalls_per_s")
var medians: [(Int, Double, Double)] = []
for level in [1, 16, 64] {
    var s: [Double] = [], a: [Double] = []
    for rep in 1...reps {
        // Interleaved, so both clients see the same machine state.
        let x = try await measure(concurrency: level, sdkCall)
        print("\(level)\t\(rep)\tsdk\t\(Int(x))")
        let y = try await measure(concurrency: level, ahcCall)
        print("\(level)\t\(rep)\tasync-http-client\t\(Int(y))")
        s.append(x)
        a.append(y)
    }
    let ms = s.sorted()[s.count / 2], ma = a.sorted()[a.count / 2]
    medians.append((level, ms, ma))
}
print("\n| concurrent calls | SDK calls/s (median) | AsyncHTTPClient calls/s (median) | SDK / AHC |")
print("|---|---|---|---|")
for (level, ms, ma) in medians {
    print("| \(level) | \(Int(ms)) | \(Int(ma)) | \(String(format: "%.2f", ms / ma)) |")
}
try await ahc.shutdown()
