// The parsed request line and header section.

/// The HTTP version of a request: only 1.0 and 1.1 are served.
public enum HTTPVersion: Sendable, Equatable {
    case http10
    case http11

    public var text: String { self == .http10 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// How the body of a request is framed.
public enum BodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
}

/// A request line and its header fields, validated.
public struct RequestHead: Sendable, Equatable {
    public var method: String
    /// The request-target exactly as sent.
    public var target: String
    public var version: HTTPVersion
    public var fields: HTTPFields
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

    public init(
        method: String, target: String, version: HTTPVersion, fields: HTTPFields,
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
public struct HTTPRequest: Sendable {
    public var head: RequestHead
    public var body: [UInt8]
    public var trailers: HTTPFields

    public init(head: RequestHead, body: [UInt8] = [], trailers: HTTPFields = HTTPFields()) {
        self.head = head
        self.body = body
        self.trailers = trailers
    }
}
