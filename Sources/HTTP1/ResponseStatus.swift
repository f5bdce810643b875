// Status codes with their reason phrases.

/// An HTTP status code and its reason phrase.
public struct ResponseStatus: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The three-digit status code.
    public let code: Int
    /// The reason phrase sent on the status line.
    public let reason: String

    /// A status with its standard reason phrase, or with `reason` when given.
    ///
    /// - Parameters:
    ///   - code: the status code.
    ///   - reason: the phrase for the status line; nil takes the standard one (`Status <code>` for a code without one).
    public init(code: Int, reason: String? = nil) {
        self.code = code
        self.reason = reason ?? ResponseStatus.standardReason(code)
    }

    /// The code and the phrase, e.g. `404 Not Found`.
    public var description: String { "\(code) \(reason)" }

    /// 100: the client may send its body.
    public static let `continue` = ResponseStatus(code: 100)
    /// 200: success.
    public static let ok = ResponseStatus(code: 200)
    /// 204: success with no body (a JSON-RPC request of notifications only).
    public static let noContent = ResponseStatus(code: 204)
    /// 400: a malformed request.
    public static let badRequest = ResponseStatus(code: 400)
    /// 401: missing or wrong credentials.
    public static let unauthorized = ResponseStatus(code: 401)
    /// 404: nothing is served at this path.
    public static let notFound = ResponseStatus(code: 404)
    /// 405: the path is served, not with this method; answered with `Allow`.
    public static let methodNotAllowed = ResponseStatus(code: 405)
    /// 408: the request did not arrive in time.
    public static let requestTimeout = ResponseStatus(code: 408)
    /// 411: the request needs a `Content-Length`.
    public static let lengthRequired = ResponseStatus(code: 411)
    /// 413: the body is over the limit.
    public static let contentTooLarge = ResponseStatus(code: 413)
    /// 414: the request line is over the limit.
    public static let uriTooLong = ResponseStatus(code: 414)
    /// 415: the body's `Content-Type` is not accepted.
    public static let unsupportedMediaType = ResponseStatus(code: 415)
    /// 417: an `Expect` other than `100-continue`.
    public static let expectationFailed = ResponseStatus(code: 417)
    /// 431: the header section is over its size or field-count limit.
    public static let headerFieldsTooLarge = ResponseStatus(code: 431)
    /// 500: the server failed.
    public static let internalServerError = ResponseStatus(code: 500)
    /// 501: a method or transfer coding the server does not implement.
    public static let notImplemented = ResponseStatus(code: 501)
    /// 503: over a limit or shutting down; try again later (see `Retry-After`).
    public static let serviceUnavailable = ResponseStatus(code: 503)
    /// 505: an HTTP major version other than 1.
    public static let versionNotSupported = ResponseStatus(code: 505)

    static func standardReason(_ code: Int) -> String {
        switch code {
        case 100: "Continue"
        case 200: "OK"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(code)"
        }
    }
}
