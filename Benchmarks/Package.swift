// swift-tools-version:6.0
// Benchmarks, kept out of the main build: the SDK beside AsyncHTTPClient doing the same JSON-RPC calls.
import PackageDescription

// A path dependency's identity is its folder's name, which differs between clones.
let rootIdentity = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "jsonrpc-gateway").lowercased()

let package = Package(
    name: "jsonrpc-gateway-benchmarks",
    // Linux only, like the gateway it measures.
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "sdk-bench",
            dependencies: [
                .product(name: "JSONRPCClient", package: rootIdentity),
                .product(name: "JSONRPC", package: rootIdentity),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
