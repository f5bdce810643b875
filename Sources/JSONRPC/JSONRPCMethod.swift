// A method declared once and shared by the server that implements it and the clients that call it.

/// A typed JSON-RPC method.
///
/// ```swift
/// struct AddParams: Codable, Sendable { var a: Int; var b: Int }
///
/// enum Add: JSONRPCMethod {
///     typealias Params = AddParams
///     typealias Result = Int
///     static let name = "math.add"
///     static let isIdempotent = true
/// }
/// ```
///
/// The server registers a handler for it (`RPCMethodTable.register(Add.self) { p, _ in p.a + p.b }`) and a
/// client calls it (`try await client.call(Add.self, AddParams(a: 1, b: 2))`), both from this one declaration.
public protocol JSONRPCMethod: Sendable {
    associatedtype Params: Codable & Sendable
    associatedtype Result: Codable & Sendable
    /// The `method` member on the wire.
    static var name: String { get }
    /// Safe to send twice: clients may retry it after a connection closed mid-call.
    static var isIdempotent: Bool { get }
}

extension JSONRPCMethod {
    public static var isIdempotent: Bool { false }
}

/// Params for a method that takes none: accepts absent params, `[]`, `{}` and ignores anything else.
public struct NoParams: Codable, Sendable, Equatable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws {
        _ = encoder.unkeyedContainer()
    }
}
