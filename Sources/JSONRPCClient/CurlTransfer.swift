// One HTTP exchange on a libcurl easy handle. Only Curl*.swift files touch CURL.
import CCurl
import Synchronization

/// What an exchange produced.
struct HTTPExchangeResult: Sendable {
    /// CURLE_OK (0) or the failure code.
    var curlCode: Int
    var curlMessage: String
    var status: Int
    var body: [UInt8]
    var retryAfter: Duration?
    /// Whether any request bytes went out (false: safe to retry anything).
    var requestSent: Bool
}

/// A request: method, URL, headers, body, time limits.
struct HTTPExchange: Sendable {
    var url: String
    var post: Bool
    var body: [UInt8]
    var headers: [String]
    var connectTimeoutMs: Int
    var timeoutMs: Int
    var userAgent: String
}

/// The easy handle and buffers of one exchange; touched by the engine thread only after submission.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    var response: [UInt8] = []
    var retryAfter: Duration?
    /// Engine thread only: the handle is done (delivered and cleaned up).
    var finished = false
    /// The hand-off between the engine thread and the awaiting task, whichever comes first.
    private let handoff = Mutex<(waiter: CheckedContinuation<HTTPExchangeResult, Never>?, result: HTTPExchangeResult?)>(
        (nil, nil))

    /// Registers the awaiting task; resumes it at once if the result is already there.
    func wait(_ c: CheckedContinuation<HTTPExchangeResult, Never>) {
        let ready = handoff.withLock { h -> HTTPExchangeResult? in
            if let r = h.result { return r }
            h.waiter = c
            return nil
        }
        if let ready { c.resume(returning: ready) }
    }

    /// Delivers the result exactly once, now or when the task starts waiting.
    func deliver(_ r: HTTPExchangeResult) {
        let waiter = handoff.withLock { h -> CheckedContinuation<HTTPExchangeResult, Never>? in
            guard h.result == nil else { return nil }
            h.result = r
            defer { h.waiter = nil }
            return h.waiter
        }
        waiter?.resume(returning: r)
    }

    init?(_ x: HTTPExchange) {
        guard let easy = curl_easy_init() else { return nil }
        self.easy = easy
        ccurl_easy_setopt_ptr(easy, CURLOPT_URL, x.url)
        ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        ccurl_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, x.connectTimeoutMs)
        ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, max(1, x.timeoutMs))
        ccurl_easy_setopt_ptr(easy, CURLOPT_USERAGENT, x.userAgent)
        if x.post {
            ccurl_easy_setopt_long(easy, CURLOPT_POST, 1)
            ccurl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(x.body.count))
            x.body.withUnsafeBytes {
                _ = ccurl_easy_setopt_ptr(
                    easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
            }
        } else {
            ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        }
        for h in x.headers + ["Expect:"] { headerList = curl_slist_append(headerList, h) }
        ccurl_easy_setopt_ptr(easy, CURLOPT_HTTPHEADER, headerList)
        let me = Unmanaged.passUnretained(self).toOpaque()
        ccurl_easy_setopt_write(easy, CURLOPT_WRITEFUNCTION) { ptr, size, n, user in
            let t = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
            let count = size * n
            if let ptr { t.response.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: count)) }
            return count
        }
        ccurl_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, me)
        ccurl_easy_setopt_write(easy, CURLOPT_HEADERFUNCTION) { ptr, size, n, user in
            let t = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
            let count = size * n
            if let ptr {
                let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: count), as: UTF8.self)
                if line.lowercased().hasPrefix("retry-after:"),
                    let s = Int(line.dropFirst(12).filter { !$0.isWhitespace })
                {
                    t.retryAfter = .seconds(s)
                }
            }
            return count
        }
        ccurl_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, me)
    }

    /// Reads the outcome once curl reports the transfer done.
    func result(code: CURLcode) -> HTTPExchangeResult {
        var status = 0
        ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var requestSize = 0
        ccurl_easy_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &requestSize)
        return HTTPExchangeResult(
            curlCode: Int(code.rawValue), curlMessage: String(cString: curl_easy_strerror(code)), status: status,
            body: response, retryAfter: retryAfter, requestSent: requestSize > 0)
    }

    /// Frees the handle; the transfer must not be in a multi handle any more.
    func cleanup() {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        headerList = nil
    }
}
