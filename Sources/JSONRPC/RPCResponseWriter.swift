// Response objects written directly as bytes: the id goes back exactly as it came.

/// Writes JSON-RPC response objects.
public enum RPCResponseWriter {
    private static let resultPrefix = Array(#"{"jsonrpc":"2.0","result":"#.utf8)
    private static let errorPrefix = Array(#"{"jsonrpc":"2.0","error":"#.utf8)
    private static let idInfix = Array(#","id":"#.utf8)
    private static let null = Array("null".utf8)

    /// `{"jsonrpc":"2.0","result":<result>,"id":<id>}`
    public static func success(result: some Collection<UInt8>, idText: [UInt8]?, into out: inout [UInt8]) {
        out.append(contentsOf: resultPrefix)
        out.append(contentsOf: result)
        out.append(contentsOf: idInfix)
        out.append(contentsOf: idText ?? null)
        out.append(UInt8(ascii: "}"))
    }

    /// `{"jsonrpc":"2.0","error":{...},"id":<id or null>}`
    public static func failure(_ error: JSONRPCError, idText: [UInt8]?, into out: inout [UInt8]) {
        out.append(contentsOf: errorPrefix)
        JSONWriter.write(error.jsonValue, into: &out)
        out.append(contentsOf: idInfix)
        out.append(contentsOf: idText ?? null)
        out.append(UInt8(ascii: "}"))
    }
}
