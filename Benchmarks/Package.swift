// swift-tools-version:6.0
// Benchmarks, kept out of the main build: the SDK beside AsyncHTTPClient doing the same JSON-RPC calls, and
// our header fields beside swift-http-types'.
import PackageDescription

// A path dependency's identity is its folder's name, which differs between clones.
let rootIdentity = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "jsonrpc-gateway").lowercased()

let package = Package(
    name: "jsonrpc-gateway-benchmarks",
    // Linux only, like the gateway it measures.
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        .executableTarget(
            name: "sdk-bench",
            dependencies: [
                .product(name: "JSONRPCClient", package: rootIdentity),
                .product(name: "JSONRPC", package: rootIdentity),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "fields-bench",
            dependencies: [
                .product(name: "HTTPServer", package: rootIdentity),  // HTTP1 comes with it
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
