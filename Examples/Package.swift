// swift-tools-version:6.0
// A service of your own on jsonrpc-gateway: copy this package and change the service.
import PackageDescription

// A path dependency's identity is its folder's name, which differs between clones.
let gateway = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "jsonrpc-gateway").lowercased()

let package = Package(
    name: "todo-example",
    // Linux only, like the gateway it builds on.
    dependencies: [.package(path: "..")],
    targets: [
        // The method declarations, shared by the server and its clients.
        .target(name: "TodoAPI", dependencies: [.product(name: "JSONRPC", package: gateway)]),
        .executableTarget(
            name: "todo-server",
            dependencies: ["TodoAPI", .product(name: "GatewayApp", package: gateway)],
            path: "Sources/TodoServer"),
        // The README's "Write your own service" program, verbatim (test.sh checks that they are the same).
        .executableTarget(
            name: "hello-server",
            dependencies: [.product(name: "GatewayApp", package: gateway)],
            path: "Sources/HelloServer"),
    ],
    swiftLanguageModes: [.v6]
)
