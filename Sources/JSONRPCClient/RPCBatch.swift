// A batch builder whose results come back per entry: one failed entry does not fail the others.
public import JSONRPC

/// Entries to send as one JSON-RPC batch.
public struct RPCBatch: Sendable {
    struct Entry: Sendable {
        var method: String
        var params: JSONValue?
        var isNotification: Bool
    }
    var entries: [Entry] = []

    /// An empty batch; `JSONRPCClient.batch(_:timeout:)` sends nothing for it.
    public init() {}

    /// A ticket for one call's result in `RPCBatchResults`.
    public struct Handle<Result: Decodable & Sendable>: Sendable {
        let index: Int
    }

    /// Adds a typed call.
    public mutating func add<M: JSONRPCMethod>(_ method: M.Type, _ params: M.Params) throws(JSONRPCClientError)
        -> Handle<M.Result>
    {
        let p: JSONValue?
        if M.Params.self == NoParams.self {
            p = nil
        } else if let v = params as? JSONValue {
            p = v
        } else {
            p = try JSONRPCClient.encodeForBatch(params)
        }
        entries.append(Entry(method: M.name, params: p, isNotification: false))
        return Handle(index: entries.count - 1)
    }

    /// Adds an untyped call.
    public mutating func add(_ method: String, params: JSONValue? = nil) -> Handle<JSONValue> {
        entries.append(Entry(method: method, params: params, isNotification: false))
        return Handle(index: entries.count - 1)
    }

    /// Adds a notification.
    public mutating func notify(_ method: String, params: JSONValue? = nil) {
        entries.append(Entry(method: method, params: params, isNotification: true))
    }

    /// The entries added, notifications included.
    public var count: Int { entries.count }
}

/// The answers of a batch, looked up by handle.
public struct RPCBatchResults: Sendable {
    let answers: [Int: Result<JSONValue, JSONRPCClientError>]
    let client: JSONRPCClient

    /// The result of one entry, or its own error.
    public subscript<R>(_ handle: RPCBatch.Handle<R>) -> Result<R, JSONRPCClientError> {
        guard let answer = answers[handle.index] else {
            return .failure(JSONRPCClientError(.decoding("no answer for batch entry \(handle.index)")))
        }
        return answer.flatMap { v in
            do throws(JSONRPCClientError) { return .success(try client.decodeResult(R.self, from: v)) } catch {
                return .failure(error)
            }
        }
    }

    /// Shorthand: the result or a thrown error.
    public func value<R>(_ handle: RPCBatch.Handle<R>) throws(JSONRPCClientError) -> R { try self[handle].get() }
}

extension JSONRPCClient {
    static func encodeForBatch<P: Encodable>(_ params: P) throws(JSONRPCClientError) -> JSONValue? {
        do {
            return try JSONValueEncoder.encode(params)
        } catch {
            throw JSONRPCClientError(.decoding("params: \(error)"))
        }
    }

    /// Sends a batch; the call throws only when the batch as a whole failed (transport, HTTP, a single error object).
    public func batch(_ batch: RPCBatch, timeout: Duration? = nil) async throws(JSONRPCClientError) -> RPCBatchResults {
        guard !batch.entries.isEmpty else { return RPCBatchResults(answers: [:], client: self) }
        var ids: [Int: Int] = [:]
        var items: [JSONValue] = []
        let allIdempotent = false
        for (i, e) in batch.entries.enumerated() {
            var o: JSONObject = ["jsonrpc": "2.0", "method": .string(e.method)]
            if let p = e.params { o["params"] = p }
            if !e.isNotification {
                let id = 1_000_000 + i
                o["id"] = .int(id)
                ids[id] = i
            }
            items.append(.object(o))
        }
        let body = JSONValue.array(items).jsonBytes
        let notification = ids.isEmpty
        let r = try await exchange(body: body, idempotent: allIdempotent, notification: notification, timeout: timeout)
        if notification {
            guard r.status == 204 || r.status == 200 else {
                throw JSONRPCClientError(
                    .httpStatus(code: r.status, body: String(decoding: r.body, as: UTF8.self)), attempts: r.attempts)
            }
            return RPCBatchResults(answers: [:], client: self)
        }
        let value = try parseResponse(r)
        guard let array = value.arrayValue else {
            // One error object for the whole batch (e.g. over the server's batch limit).
            _ = try Self.unwrap(value, attempts: r.attempts)
            throw JSONRPCClientError(.decoding("batch answered with a single result"), attempts: r.attempts)
        }
        var answers: [Int: Result<JSONValue, JSONRPCClientError>] = [:]
        for item in array {
            guard let id = item["id"]?.intValue, let index = ids[id] else { continue }
            do throws(JSONRPCClientError) {
                answers[index] = .success(try Self.unwrap(item, attempts: r.attempts))
            } catch {
                answers[index] = .failure(error)
            }
        }
        return RPCBatchResults(answers: answers, client: self)
    }
}
