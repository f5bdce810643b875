// The request envelope read straight from bytes: member ranges, no params materialised.

/// One request object of a call or batch, validated, with `params` left as raw JSON.
package struct RPCEnvelope: Sendable {
    /// The `method` member, escapes decoded.
    package var method: String
    /// The id's JSON text exactly as sent; nil for a notification.
    package var idText: [UInt8]?
    /// The params' JSON text; nil when absent.
    package var paramsText: ArraySlice<UInt8>?

    /// True when the request has no `id` member: nothing is sent back for it.
    package var isNotification: Bool { idText == nil }

    /// The id as a value (nil for a notification).
    package var id: RPCID? {
        guard let idText else { return nil }
        return RPCID(jsonText: idText)
    }
}

/// What a request body holds.
package enum RPCBody: Sendable {
    /// One request object: valid, or invalid with the error to answer (and the id if one could be read).
    case single(Result<RPCEnvelope, RPCEntryError>)
    /// A batch: each entry valid, or invalid with its error, in request order.
    case batch([Result<RPCEnvelope, RPCEntryError>])

    /// How many entries it holds (each counts against the in-flight cap).
    package var entryCount: Int {
        switch self {
        case .single: 1
        case .batch(let entries): entries.count
        }
    }
}

/// A request object that is not a valid request: answer `error` with `idText` (null when unknown).
package struct RPCEntryError: Error, Sendable {
    /// The error to answer with (-32600 from `RPCBody.parse`).
    package var error: JSONRPCError
    /// The id's JSON text to answer with; nil when none could be read, answered as `null`.
    package var idText: [UInt8]?
}

extension RPCBody {
    /// Reads a request body.
    ///
    /// - Throws: `JSONRPCError` -32700 for invalid JSON (or UTF-8), -32600 for an empty batch or one over `batchLimit`.
    package static func parse(_ body: [UInt8], batchLimit: Int, maxDepth: Int = JSONParser.defaultMaxDepth)
        throws(JSONRPCError) -> RPCBody
    {
        let outcome: Result<RPCBody, JSONRPCError>
        do {
            outcome = try body.withUnsafeBufferPointer { buf throws(JSONParseError) -> Result<RPCBody, JSONRPCError> in
                var p = JSONParser(buf, maxDepth: maxDepth)
                // Validate the whole text first: a parse error anywhere makes the whole body -32700.
                _ = try p.skipValue()
                try p.expectEnd()
                var q = JSONParser(buf, maxDepth: maxDepth)
                guard q.peek() == UInt8(ascii: "[") else {
                    return .success(.single(RPCBody.envelope(&q, body: body)))
                }
                q.position += 1
                if q.peek() == UInt8(ascii: "]") { return .failure(.invalidRequest("empty batch")) }
                var entries: [Result<RPCEnvelope, RPCEntryError>] = []
                while true {
                    if entries.count == batchLimit {
                        return .failure(.invalidRequest("batch exceeds the limit of \(batchLimit) requests"))
                    }
                    entries.append(RPCBody.envelope(&q, body: body))
                    guard q.peek() == UInt8(ascii: ",") else { break }
                    q.position += 1
                }
                return .success(.batch(entries))
            }
        } catch {
            throw .parseError("\(error)")
        }
        return try outcome.get()
    }

    /// Reads one request object at the cursor (already validated JSON) and leaves the cursor after it.
    static func envelope(_ p: inout JSONParser, body: [UInt8]) -> Result<RPCEnvelope, RPCEntryError> {
        guard p.peek() == UInt8(ascii: "{") else {
            _ = try? p.skipValue()
            return .failure(RPCEntryError(error: .invalidRequest("a request must be an object"), idText: nil))
        }
        p.position += 1
        var jsonrpc: Range<Int>?
        var method: String?
        var methodRange: Range<Int>?
        var params: Range<Int>?
        var id: Range<Int>?
        var problem: String?
        var seen = (jsonrpc: false, method: false, params: false, id: false)
        if p.peek() != UInt8(ascii: "}") {
            while true {
                _ = p.peek()
                let key = (try? p.parseString()) ?? ""
                _ = p.peek()
                p.position += 1  // ':'
                guard let range = try? p.skipValue() else { break }
                var duplicate = false
                switch key {
                case "jsonrpc":
                    duplicate = seen.jsonrpc
                    seen.jsonrpc = true
                    jsonrpc = range
                case "method":
                    duplicate = seen.method
                    seen.method = true
                    methodRange = range
                case "params":
                    duplicate = seen.params
                    seen.params = true
                    params = range
                case "id":
                    duplicate = seen.id
                    seen.id = true
                    id = range
                default: break
                }
                if duplicate { problem = problem ?? "duplicate member \"\(key)\"" }
                guard p.peek() == UInt8(ascii: ",") else { break }
                p.position += 1
            }
        }
        _ = p.peek()
        p.position += 1  // '}'

        // The id first, so that an invalid request can still be answered with it.
        var idText: [UInt8]?
        if let id {
            switch body[id.lowerBound] {
            case UInt8(ascii: "\""), UInt8(ascii: "n"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                idText = Array(body[id])
            default:
                return .failure(
                    RPCEntryError(error: .invalidRequest("id must be a string, number or null"), idText: nil))
            }
        }
        func invalid(_ why: String) -> Result<RPCEnvelope, RPCEntryError> {
            .failure(RPCEntryError(error: .invalidRequest(why), idText: idText ?? Array("null".utf8)))
        }
        if let problem { return invalid(problem) }
        guard let jsonrpc, body[jsonrpc].elementsEqual("\"2.0\"".utf8) else {
            return invalid("jsonrpc must be \"2.0\"")
        }
        guard let methodRange, body[methodRange.lowerBound] == UInt8(ascii: "\"") else {
            return invalid("method must be a string")
        }
        method = body.withUnsafeBufferPointer { buf in
            var m = JSONParser(UnsafeBufferPointer(rebasing: buf[..<methodRange.upperBound]))
            m.position = methodRange.lowerBound
            return try? m.parseString()
        }
        guard let method else { return invalid("method must be a string") }
        if let params {
            let first = body[params.lowerBound]
            guard first == UInt8(ascii: "[") || first == UInt8(ascii: "{") else {
                return invalid("params must be an array or an object")
            }
        }
        return .success(RPCEnvelope(method: method, idText: idText, paramsText: params.map { body[$0] }))
    }
}

extension Result where Success == RPCEnvelope, Failure == RPCEntryError {
    /// The id to answer with: the request's (nil for a notification), or what could be read of an invalid one.
    package var idText: [UInt8]? {
        switch self {
        case .success(let e): e.idText
        case .failure(let e): e.idText
        }
    }
}
