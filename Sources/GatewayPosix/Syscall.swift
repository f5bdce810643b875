private import CGatewayLinux

// The one syscall funnel: every call that can fail goes through here, errno is captured at once,
// EINTR is retried and EAGAIN comes back as a value.
#if canImport(Glibc)
    import Glibc
#endif

/// The outcome of a non-blocking call that either made progress or would block.
public enum IOResult<T> {
    case processed(T)
    case wouldBlock
}

/// A failed syscall: its name and the errno it set.
public struct SyscallError: Error, CustomStringConvertible, Sendable {
    /// The call that failed, as named in the log.
    public let function: String
    /// The errno it set.
    public let errno: Int32

    /// The call, the error's text and its number.
    public var description: String {
        "\(function) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// The peer went away (reset, broken pipe): a normal end of a connection, not our fault.
    public var isPeerGone: Bool { errno == ECONNRESET || errno == EPIPE || errno == ETIMEDOUT }
}

/// What the funnel makes of EAGAIN.
enum WouldBlockPolicy {
    /// A non-blocking descriptor had nothing to give: `.wouldBlock`, a value, not an error.
    case wouldBlockIsAValue
    /// A call that never blocks (epoll_ctl): EAGAIN is an error like any other.
    case wouldBlockIsAnError
}

@inline(__always)
func syscall<T: FixedWidthInteger>(
    _ function: StaticString, wouldBlock: WouldBlockPolicy = .wouldBlockIsAValue, _ body: () -> T
) throws(SyscallError) -> IOResult<T> {
    while true {
        let result = body()
        if result >= 0 { return .processed(result) }
        let err = cgw_errno()
        if err == EINTR { continue }
        if err == EAGAIN && wouldBlock == .wouldBlockIsAValue { return .wouldBlock }
        // A descriptor that is not open, or a pointer that is not ours: our bug, never the peer's.
        assert(err != EBADF && err != EFAULT, "\(function): \(err == EBADF ? "EBADF" : "EFAULT"), a bug in the caller")
        throw SyscallError(function: "\(function)", errno: err)
    }
}

/// Low-level calls on raw descriptors, for the owners in this module and in `HTTPServer`.
public enum Posix {
    /// Reads into `buffer`; `.processed(0)` is end of stream.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SyscallError) -> IOResult<
        Int
    > {
        try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Sends without raising SIGPIPE.
    public static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
        try syscall("send") { cgw_send(fd, buffer.baseAddress, UInt(buffer.count)) }
    }

    /// Accepts one connection, non-blocking and close-on-exec.
    public static func accept(_ fd: Int32) throws(SyscallError) -> IOResult<Int32> {
        try syscall("accept4") { cgw_accept4(fd) }
    }

    /// Closes a descriptor that no `Descriptor` owns (the loops' own epoll and eventfd descriptors).
    public static func close(_ fd: Int32) {
        // Linux closes the descriptor even when close reports EINTR: never retry.
        if Glibc.close(fd) != 0 && errno == EBADF {
            assertionFailure("close(\(fd)): EBADF, the descriptor was closed twice or never owned")
        }
    }

    /// Half-closes a socket: our FIN is sent, reading goes on.
    public static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Turns Nagle's algorithm off: each response leaves at once.
    public static func setNoDelay(_ fd: Int32) {
        _ = cgw_set_nodelay(fd)
    }

    /// Stops a listening socket from accepting now; the descriptor stays open until closed.
    public static func shutdownListener(_ fd: Int32) {
        _ = cgw_shutdown_listener(fd)
    }

    /// The memory limit of this process's cgroup (v2 `memory.max`), nil when there is none or it is unknown.
    public static func cgroupMemoryLimit() -> Int? {
        // "0::/path" names our cgroup; inside a container it is usually "/".
        var path = "/"
        if let text = readSmallFile("/proc/self/cgroup") {
            for line in text.split(separator: "\n") where line.hasPrefix("0::") {
                path = String(line.dropFirst(3))
            }
        }
        for dir in [path, "/"] {
            let file = "/sys/fs/cgroup" + (dir == "/" ? "" : dir) + "/memory.max"
            if let text = readSmallFile(file) {
                let v = text.trimmingSuffix()
                return v == "max" ? nil : Int(v)
            }
        }
        return nil
    }

    /// The first 4 KiB of a file as text, nil if it cannot be read.
    static func readSmallFile(_ path: String) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { _ = Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 { return nil }
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }

    /// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the limit now in force.
    @discardableResult
    public static func raiseFileLimit() -> Int { Int(cgw_raise_nofile()) }

    /// Opens a listening TCP socket; returns the descriptor and the bound port.
    public static func listenTCP(host: String, port: Int, backlog: Int) throws(SyscallError) -> (fd: Int32, port: Int) {
        var bound: Int32 = 0
        let fd = cgw_listen_tcp(host, Int32(port), Int32(backlog), &bound)
        if fd < 0 { throw SyscallError(function: "listen(\(host):\(port))", errno: cgw_errno()) }
        return (fd, Int(bound))
    }
}

/// Wall-clock seconds since the epoch, for the `Date` header.
public enum WallClock {
    /// Seconds of `CLOCK_REALTIME`.
    public static func secondsSinceEpoch() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int(ts.tv_sec)
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        var s = Substring(self)
        while let l = s.last, l == "\n" || l == " " { s = s.dropLast() }
        return String(s)
    }
}
