// Incremental, strict HTTP/1.1 request parser (RFC 9112): bytes in, events out. No I/O, no clock.

/// Turns a byte stream into requests, refusing every shape that could be read two ways.
///
/// Feed bytes with `feed(_:)`, then call `next()` until it answers `.needMore`. Bytes after a complete
/// request stay buffered for the next one (pipelining). After a thrown `HTTPParseError` the parser stays
/// failed: the connection must answer the error's status and close.
public struct RequestParser: Sendable {
    /// What the bytes so far amount to.
    public enum Event: Sendable {
        /// Not enough bytes for the next step.
        case needMore
        /// A head asked for `100 Continue` and its body has not arrived: answer 100, then call `next()` again.
        case expectContinue(RequestHead)
        /// A head whose body has not fully arrived yet: the caller may decide now, before reading the body,
        /// whether it can afford it (refusing means answering and closing); call `next()` to go on.
        /// Not sent when the whole body is already buffered.
        case head(RequestHead)
        /// A whole request, body decoded.
        case request(ServerRequest)
    }

    enum State: Sendable {
        case head
        case body(RequestHead, remaining: Int)
        case chunkSize(RequestHead)
        case chunkData(RequestHead, remaining: Int)
        case chunkDataEnd(RequestHead)
        case trailers(RequestHead)
        case failed(HTTPParseError)
    }

    /// The sizes past which a request is refused.
    public let limits: HTTPLimits
    var state: State = .head
    var buffer: [UInt8] = []
    /// Start of the unconsumed bytes in `buffer`.
    var start = 0
    /// Head scanning resumes here, so feeding one byte at a time stays linear.
    var scan = 0
    var lineStart = 0
    var firstLineEnded = false
    var methodEnded = false
    /// Empty lines skipped before the current request line (RFC 9112 §2.2 tolerates a few, not a flood).
    var emptyLines = 0
    var body: [UInt8] = []
    var trailerFields = HeaderFields()
    var trailerBytes = 0
    var continueAnswered = false

    /// A parser waiting for the first request of a connection.
    ///
    /// - Parameter limits: the sizes past which a request is refused, each with its status.
    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Appends received bytes.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes from any sequence (tests feed arrays, one byte at a time too).
    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received and not yet part of a returned request.
    public var bufferedByteCount: Int { buffer.count - start }

    /// True between requests with nothing received: the connection is idle. Empty lines before a request
    /// line count as received, so a trickle of CRLFs runs the header timer instead of restarting idle time.
    public var isIdle: Bool {
        if case .head = state { return buffer.count == start && emptyLines == 0 }
        return false
    }

    /// Body bytes of the current request decoded so far.
    public var bodyByteCount: Int { body.count }

    /// The head of the request whose body is being read; nil between requests.
    public var headBeingRead: RequestHead? {
        switch state {
        case .head, .failed: nil
        case .body(let h, _), .chunkSize(let h), .chunkData(let h, _), .chunkDataEnd(let h), .trailers(let h): h
        }
    }

    /// True while a request head has been parsed and its body is still being read.
    public var isReadingBody: Bool {
        switch state {
        case .head, .failed: false
        default: true
        }
    }

    /// Parses as far as the buffered bytes allow.
    public mutating func next() throws(HTTPParseError) -> Event {
        do {
            let event = try step()
            // Consumed bytes never pile up, whatever the framing (1-byte chunks, runs of empty lines).
            if case .needMore = event { compact() }
            return event
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTPParseError) -> Event {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .head:
                guard let end = try findHeadEnd() else { return .needMore }
                let head = try parseHead(buffer[start..<end])
                start = end
                switch head.framing {
                case .none:
                    return finish(head)
                case .length(let n):
                    state = .body(head, remaining: n)
                    // Exactly the declared size (already checked against the limit): a body grown by doubling
                    // holds up to twice its bytes, which a memory budget cannot afford.
                    if n > bufferedByteCount { body.reserveCapacity(n) }
                case .chunked:
                    state = .chunkSize(head)
                }
                if head.expectsContinue && bufferedByteCount == 0 {
                    continueAnswered = true
                    return .expectContinue(head)
                }
                if case .length(let n) = head.framing, bufferedByteCount >= n { continue }
                return .head(head)
            case .body(let head, let remaining):
                let n = min(remaining, bufferedByteCount)
                if n == 0 && remaining > 0 { return .needMore }
                if n == remaining && body.isEmpty {
                    body = Array(buffer[start..<start + n])
                } else {
                    body.append(contentsOf: buffer[start..<start + n])
                }
                start += n
                if remaining - n > 0 {
                    state = .body(head, remaining: remaining - n)
                    compact()
                    return .needMore
                }
                return finish(head)
            case .chunkSize(let head):
                guard let size = try parseChunkSizeLine() else { return .needMore }
                if size == 0 {
                    state = .trailers(head)
                } else {
                    if size > limits.maxBodyBytes - body.count {
                        throw HTTPParseError(.contentTooLarge, "chunked body exceeds \(limits.maxBodyBytes) bytes")
                    }
                    state = .chunkData(head, remaining: size)
                }
            case .chunkData(let head, let remaining):
                let n = min(remaining, bufferedByteCount)
                if n == 0 { return .needMore }
                body.append(contentsOf: buffer[start..<start + n])
                start += n
                state = n == remaining ? .chunkDataEnd(head) : .chunkData(head, remaining: remaining - n)
                if n < remaining {
                    compact()
                    return .needMore
                }
            case .chunkDataEnd(let head):
                if bufferedByteCount < 2 {
                    if bufferedByteCount == 1 && buffer[start] != Ascii.cr {
                        throw .bad("chunk data not followed by CRLF")
                    }
                    return .needMore
                }
                guard buffer[start] == Ascii.cr, buffer[start + 1] == Ascii.lf else {
                    throw .bad("chunk data not followed by CRLF")
                }
                start += 2
                state = .chunkSize(head)
            case .trailers(let head):
                guard let done = try parseTrailerLine() else { return .needMore }
                if done { return finish(head) }
            }
        }
    }

    private mutating func finish(_ head: RequestHead) -> Event {
        let request = ServerRequest(head: head, body: body, trailers: trailerFields)
        body = []
        trailerFields = HeaderFields()
        trailerBytes = 0
        continueAnswered = false
        state = .head
        compact()
        scan = start
        lineStart = start
        firstLineEnded = false
        methodEnded = false
        emptyLines = 0
        return .request(request)
    }

    /// Drops consumed bytes; releases a large buffer once it is empty so idle connections stay small.
    /// Head-scan positions are absolute indices, so they move with the bytes.
    mutating func compact() {
        let removed: Int
        if start == buffer.count {
            removed = start
            if buffer.capacity > 64 * 1024 { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
        } else if start > 4096 {
            removed = start
            buffer.removeSubrange(0..<start)
        } else {
            removed = 0
        }
        start -= removed
        scan = max(scan - removed, start)
        lineStart = max(lineStart - removed, start)
    }
}

enum Ascii {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let htab: UInt8 = 9
    static let colon: UInt8 = 58

    /// tchar (RFC 9110 §5.6.2).
    static let tchar: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(c)] = true }
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { t[Int(c)] = true }
        for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { t[Int(c)] = true }
        for c in "!#$%&'*+-.^_`|~".utf8 { t[Int(c)] = true }
        return t
    }()

    @inline(__always) static func isTchar(_ b: UInt8) -> Bool { tchar[Int(b)] }
}
