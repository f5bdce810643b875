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
    /// What the method takes, sent as the `params` member; `NoParams` for none.
    associatedtype Params: Codable & Sendable
    /// What the method returns, sent as the `result` member.
    associatedtype Result: Codable & Sendable
    /// The `method` member on the wire.
    static var name: String { get }
    /// Safe to send twice: clients may retry it after a connection closed mid-call.
    static var isIdempotent: Bool { get }
}

extension JSONRPCMethod {
    /// Not idempotent unless declared so: a call whose connection closed mid-way is not retried.
    public static var isIdempotent: Bool { false }
}

/// Params for a method that takes none: accepts absent params, `[]`, `{}` and ignores anything else.
public struct NoParams: Codable, Sendable, Equatable {
    /// The empty params value.
    public init() {}
    /// Decodes from anything: whatever the params hold is ignored.
    public init(from decoder: any Decoder) throws {}
    /// Encodes as an empty array (`[]`); the client SDK leaves `params` out instead.
    public func encode(to encoder: any Encoder) throws {
        _ = encoder.unkeyedContainer()
    }
}
