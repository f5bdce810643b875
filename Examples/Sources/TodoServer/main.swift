import GatewayApp
import JSONRPC
import JSONRPCServer
import TodoAPI

// A todo service: state in an actor, a readiness check, header auth, a long cancellable method and a blocking
// one. `todo-server serve --port 9000` (every flag of `gateway serve`), `todo-server call …`, `todo-server ready`.
#if canImport(Glibc)
    import Glibc
#endif

actor TodoStore {
    private var todos: [Int: Todo] = [:]
    private var nextID = 1
    private(set) var isOpen = false

    func open() { isOpen = true }
    func add(_ title: String) -> Todo {
        defer { nextID += 1 }
        let todo = Todo(id: nextID, title: title, done: false)
        todos[todo.id] = todo
        return todo
    }
    func list() -> [Todo] { todos.values.sorted { $0.id < $1.id } }
    func complete(_ id: Int) throws(TodoError) -> Todo {
        guard var todo = todos[id] else { throw .notFound(id) }
        todo.done = true
        todos[id] = todo
        return todo
    }
}

/// Errors of this service, each with its JSON-RPC answer.
enum TodoError: Error, JSONRPCErrorConvertible {
    case notFound(Int)
    var jsonRPCError: JSONRPCError {
        switch self {
        case .notFound(let id): JSONRPCError(code: -32040, message: "No such todo", data: ["id": .int(id)])
        }
    }
}

struct TodoService: GatewayService {
    let store = TodoStore()
    var namespace: String? { nil }  // the declarations already carry "todo."

    func register(_ methods: inout RPCMethodTable) {
        methods.register(AddTodo.self) { p, _ in await store.add(p.title) }
        methods.register(ListTodos.self) { _, _ in await store.list() }
        methods.register(CompleteTodo.self) { p, _ in try await store.complete(p.id) }
        methods.register(ExportTodos.self) { p, _ in
            try await Task.sleep(for: .milliseconds(p.ms))  // throws when the call is cancelled
            return await store.list().count
        }
        methods.register(SaveTodos.self) { _, context in
            let todos = await store.list()
            return try await context.blocking {
                // A blocking file write: fine on the blocking pool, never on an event loop.
                let text = todos.map { "\($0.id)\t\($0.done)\t\($0.title)" }.joined(separator: "\n")
                let fd = open("/tmp/todo-example.tsv", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                guard fd >= 0 else { throw JSONRPCError.handlerError("cannot open the file") }
                defer { close(fd) }
                return text.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress, $0.count) } ?? 0
            }
        }
    }

    var readinessChecks: [ReadinessCheck] {
        let store = self.store
        return [ReadinessCheck(name: "todo-store", timeout: .seconds(1)) { await store.isOpen ? nil : "store closed" }]
    }

    func start() async throws { await store.open() }
}

/// Every call needs `Authorization: Bearer <TODO_TOKEN>` (default `secret`); checked before params are decoded.
struct BearerAuth: RPCInterceptor {
    let token: String
    func intercept(
        _ call: RPCInvocation, context: RPCContext, next: (RPCContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        guard context.header("authorization") == "Bearer \(token)" else {
            throw JSONRPCError(code: -32010, message: "Unauthorized")
        }
        return try await next(context)
    }
}

let token = getenv("TODO_TOKEN").map { String(cString: $0) } ?? "secret"
GatewayCommand.main(setup: GatewaySetup(services: [TodoService()], rpcInterceptors: [BearerAuth(token: token)]))
