// The parsed request line and header section.

/// The HTTP version of a request: only 1.0 and 1.1 are served.
public enum HTTPVersion: Sendable, Equatable {
    /// HTTP/1.0: the connection closes after each exchange unless the client asks for keep-alive.
    case http10
    /// HTTP/1.1, also used for a request with a higher 1.x minor version.
    case http11

    /// The version as written on a request or status line.
    public var text: String { self == .http10 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// How the body of a request is framed.
public enum BodyFraming: Sendable, Equatable {
    /// No body: no framing field, or `Content-Length: 0`.
    case none
    /// A body of exactly this many bytes (`Content-Length`).
    case length(Int)
    /// `Transfer-Encoding: chunked`: the length is known only at the last chunk.
    case chunked
}

/// A request line and its header fields, validated.
public struct RequestHead: Sendable, Equatable {
    /// The method token as sent, case preserved (`POST`, `GET`).
    public var method: String
    /// The request-target exactly as sent.
    public var target: String
    /// The request's HTTP version.
    public var version: HTTPVersion
    /// The header fields in arrival order.
    public var fields: HeaderFields
    /// How the body is delimited.
    public var framing: BodyFraming
    /// The client asked for `100 Continue` before sending its body.
    public var expectsContinue: Bool
    /// The client wants the connection kept open after this exchange (version default and `Connection`).
    public var keepAlive: Bool

    /// The path of the target without query (origin-form, or the path of an absolute-form target).
    public var path: Substring {
        var t = Substring(target)
        if t.utf8.first != UInt8(ascii: "/") {
            // absolute-form: scheme "://" authority path-abempty
            guard let colon = t.firstIndex(of: ":"), t[colon...].hasPrefix("://") else { return t }
            t = t[t.index(colon, offsetBy: 3)...]
            if let slash = t.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }), t[slash] == "/" {
                t = t[slash...]
            } else {
                return "/"
            }
        }
        if let q = t.firstIndex(where: { $0 == "?" || $0 == "#" }) { return t[..<q] }
        return t
    }

    /// The query string after `?`, if any.
    public var query: Substring? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        let rest = target[target.index(after: q)...]
        if let h = rest.firstIndex(of: "#") { return rest[..<h] }
        return rest
    }

    /// A head built in code (tests, in-process requests); the parser builds the ones read from the wire.
    ///
    /// Nothing is validated here: the values are taken as given.
    ///
    /// - Parameters:
    ///   - method: the method token, e.g. `POST`.
    ///   - target: the request-target, e.g. `/rpc?x=1`.
    ///   - version: the HTTP version.
    ///   - fields: the header fields.
    ///   - framing: how the body is delimited; it should agree with `fields`.
    ///   - expectsContinue: whether the client waits for `100 Continue` before sending its body.
    ///   - keepAlive: whether the connection stays open after this exchange.
    public init(
        method: String, target: String, version: HTTPVersion, fields: HeaderFields,
        framing: BodyFraming = .none, expectsContinue: Bool = false, keepAlive: Bool = true
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.fields = fields
        self.framing = framing
        self.expectsContinue = expectsContinue
        self.keepAlive = keepAlive
    }
}

/// A whole request: head, decoded body and trailers.
public struct ServerRequest: Sendable {
    /// The request line and header fields.
    public var head: RequestHead
    /// The body, de-chunked; empty when there is none.
    public var body: [UInt8]
    /// The trailer fields of a chunked body; empty otherwise.
    public var trailers: HeaderFields

    /// A request from its parts, taken as given (tests and in-process requests).
    public init(head: RequestHead, body: [UInt8] = [], trailers: HeaderFields = HeaderFields()) {
        self.head = head
        self.body = body
        self.trailers = trailers
    }
}
