// The todo service's methods, declared once for the server and for clients (`client.call(AddTodo.self, …)`).
import JSONRPC

public struct Todo: Codable, Sendable, Equatable {
    public var id: Int
    public var title: String
    public var done: Bool

    public init(id: Int, title: String, done: Bool) {
        self.id = id
        self.title = title
        self.done = done
    }
}

public struct AddTodoParams: Codable, Sendable {
    public var title: String
    public init(title: String) { self.title = title }
}

public struct TodoID: Codable, Sendable {
    public var id: Int
    public init(id: Int) { self.id = id }
}

public struct ExportParams: Codable, Sendable {
    /// Milliseconds the (slow, cancellable) export takes.
    public var ms: Int
    public init(ms: Int) { self.ms = ms }
}

public enum AddTodo: JSONRPCMethod {
    public typealias Params = AddTodoParams
    public typealias Result = Todo
    public static let name = "todo.add"
}

public enum ListTodos: JSONRPCMethod {
    public typealias Params = NoParams
    public typealias Result = [Todo]
    public static let name = "todo.list"
    public static let isIdempotent = true
}

public enum CompleteTodo: JSONRPCMethod {
    public typealias Params = TodoID
    public typealias Result = Todo
    public static let name = "todo.complete"
    public static let isIdempotent = true
}

/// A long method that stops when its call is cancelled (deadline, client gone, shutdown).
public enum ExportTodos: JSONRPCMethod {
    public typealias Params = ExportParams
    public typealias Result = Int
    public static let name = "todo.export"
    public static let isIdempotent = true
}

/// Writes the list with a blocking file API, on the gateway's blocking pool.
public enum SaveTodos: JSONRPCMethod {
    public typealias Params = NoParams
    public typealias Result = Int
    public static let name = "todo.save"
}
