// Dispatch: a request body in, a response body out (nil: nothing to send, HTTP 204).
import JSONRPC
import Logging

/// Serves JSON-RPC 2.0 request bodies with a table of methods.
public final class JSONRPCServer: Sendable {
    public struct Configuration: Sendable {
        /// Most entries in one batch; more is one -32600 naming the limit.
        public var batchLimit = 1000
        /// Deepest JSON nesting accepted; deeper is -32700.
        public var maxDepth = 128
        public init() {}
    }

    let methods: [String: RPCHandler]
    public let configuration: Configuration
    let logger: Logger

    public init(methods: RPCMethodTable, configuration: Configuration = Configuration(), logger: Logger) {
        self.methods = methods.handlers
        self.configuration = configuration
        self.logger = logger
    }

    /// Answers a request body.
    ///
    /// - Parameters:
    ///   - body: the HTTP request body (any bytes).
    ///   - call: where answers are recorded as they finish, for deadline and shutdown answers.
    ///   - headers: the HTTP request's fields, handed to handlers.
    /// - Returns: the response body, or nil when every request was a notification.
    public func respond(
        to body: [UInt8], call: RPCCall, headers: [(name: String, value: String)] = []
    ) async -> [UInt8]? {
        let parsed: RPCBody
        do {
            parsed = try RPCBody.parse(body, batchLimit: configuration.batchLimit, maxDepth: configuration.maxDepth)
        } catch {
            var out: [UInt8] = []
            RPCResponseWriter.failure(error, idText: nil, into: &out)
            call.prepare(ids: [], isBatch: false)
            return out
        }
        switch parsed {
        case .single(let entry):
            call.prepare(ids: [entry.idText], isBatch: false)
            let answer = await answer(entry, call: call, headers: headers)
            call.finish(0, answer: answer)
            return answer
        case .batch(let entries):
            call.prepare(ids: entries.map(\.idText), isBatch: true)
            var answers = [[UInt8]?](repeating: nil, count: entries.count)
            await withTaskGroup(of: (Int, [UInt8]?).self) { group in
                for (i, entry) in entries.enumerated() {
                    group.addTask { (i, await self.answer(entry, call: call, headers: headers)) }
                }
                for await (i, a) in group {
                    answers[i] = a
                    call.finish(i, answer: a)
                }
            }
            return JSONRPCServer.assemble(answers.compactMap { $0 }, isBatch: true)
        }
    }

    static func assemble(_ answers: [[UInt8]], isBatch: Bool) -> [UInt8]? {
        if answers.isEmpty { return nil }
        if !isBatch { return answers[0] }
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, a) in answers.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: a)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// Runs one entry; nil for a notification (whose outcome is never sent).
    private func answer(
        _ entry: Result<RPCEnvelope, RPCEntryError>, call: RPCCall, headers: [(name: String, value: String)]
    ) async -> [UInt8]? {
        let envelope: RPCEnvelope
        switch entry {
        case .failure(let e):
            var out: [UInt8] = []
            RPCResponseWriter.failure(e.error, idText: e.idText, into: &out)
            return out
        case .success(let env):
            envelope = env
        }
        let idText = envelope.idText
        var out: [UInt8] = []
        guard let handler = methods[envelope.method] else {
            if idText == nil { return nil }
            RPCResponseWriter.failure(.methodNotFound(envelope.method), idText: idText, into: &out)
            return out
        }
        let context = RPCContext(
            idText: idText, method: envelope.method, call: call, baseLogger: logger, headers: headers)
        do {
            let result = try await handler(envelope.paramsText, context)
            if idText == nil { return nil }
            RPCResponseWriter.success(result: result, idText: idText, into: &out)
        } catch let error as JSONRPCError {
            if idText == nil { return nil }
            RPCResponseWriter.failure(error, idText: idText, into: &out)
        } catch is CancellationError {
            if idText == nil { return nil }
            let expired = call.callDeadline.map { ContinuousClock.now >= $0 } ?? false
            RPCResponseWriter.failure(expired ? .deadlineExceeded(call.timeoutMs) : .shuttingDown(), idText: idText, into: &out)
        } catch {
            context.logger.error("handler failed", metadata: ["error": "\(String(reflecting: error))"])
            if idText == nil { return nil }
            RPCResponseWriter.failure(.internalError(), idText: idText, into: &out)
        }
        return out
    }
}
