// swift-tools-version:6.0
// jsonrpc-gateway: JSON-RPC 2.0 over a hand-rolled HTTP/1.1 server on epoll.
import PackageDescription

let package = Package(
    name: "jsonrpc-gateway",
    // Linux only: the server is built on epoll and eventfd (Sources/CGatewayLinux); no Apple platform is claimed.
    products: [
        .executable(name: "gateway", targets: ["gateway"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "JSONRPC", targets: ["JSONRPC"]),
        .library(name: "JSONRPCServer", targets: ["JSONRPCServer"]),
        .library(name: "GatewayApp", targets: ["GatewayApp"]),
        .library(name: "JSONRPCClient", targets: ["JSONRPCClient"]),
        // The built-in methods' declarations (`Number`, `Subtract`, …): what a client needs, without the server.
        .library(name: "GatewayMethods", targets: ["GatewayMethods"]),
        // Test your services: in-process requests without sockets, or a real server on a free port.
        .library(name: "GatewayTesting", targets: ["GatewayTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // epoll, eventfd, accept4 and TCP options: what Glibc does not export to Swift.
        .target(name: "CGatewayLinux"),
        .target(
            name: "GatewayPosix",
            dependencies: ["CGatewayLinux"]
        ),
        // Pure HTTP/1.1: parser, serializer. No sockets, no clocks of its own.
        .target(name: "HTTP1"),
        .target(
            name: "HTTPServer",
            dependencies: [
                "GatewayPosix", "HTTP1", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // JSON-RPC 2.0 types shared by server and client. No I/O.
        .target(name: "JSONRPC"),
        .target(
            name: "JSONRPCServer",
            dependencies: ["JSONRPC", .product(name: "Logging", package: "swift-log")]
        ),
        // libcurl from Debian: apt-get install -y libcurl4-openssl-dev
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(
            name: "JSONRPCClient",
            dependencies: ["JSONRPC", "CCurl"]
        ),
        .target(name: "GatewayMethods", dependencies: ["JSONRPC"]),
        .target(
            name: "GatewayApp",
            dependencies: [
                "HTTPServer", "JSONRPCServer", "JSONRPCClient", "GatewayMethods", "GatewayPosix", "HTTP1",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "GatewayTesting",
            dependencies: [
                "GatewayApp", "HTTPServer", "HTTP1", "JSONRPC", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "gateway",
            dependencies: ["GatewayApp"]
        ),
        .testTarget(name: "GatewayPosixTests", dependencies: ["GatewayPosix"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC", "JSONRPCServer"]),
        .testTarget(name: "JSONRPCClientTests", dependencies: ["JSONRPCClient"]),
        .testTarget(
            name: "GatewayEndToEndTests",
            dependencies: [
                "JSONRPC", "JSONRPCClient", "JSONRPCServer", "HTTPServer", "GatewayApp", "GatewayPosix", "HTTP1",
                "GatewayMethods", "GatewayTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// As Hummingbird does: existentials spelled `any`, a file sees only the members of modules it imports, and an
// import is internal unless a file says `public import` (so a module re-exports only what its API uses).
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility"),
            .enableUpcomingFeature("InternalImportsByDefault"),
        ]
}
