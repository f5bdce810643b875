// A method declared once and shared by the server that implements it and the clients that call it.

/// A typed JSON-RPC method.
///
/// ```swift
/// enum Subtract: JSONRPCMethod {
///     typealias Params = SubtractParams
///     typealias Result = Int
///     static let name = "subtract"
/// }
/// ```
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
