private import CGatewayLinux

// The epoll selector: one small type over one epoll descriptor.
#if canImport(Glibc)
    import Glibc
#endif

/// Readiness interest for a registered descriptor.
public struct SelectorEvents: OptionSet, Sendable {
    /// The epoll event bits.
    public let rawValue: UInt32
    /// Events from their epoll bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Bytes to read, or a connection to accept.
    public static let read = SelectorEvents(rawValue: cgw_EPOLLIN)
    /// Room to write.
    public static let write = SelectorEvents(rawValue: cgw_EPOLLOUT)
    /// The peer shut down its sending side (FIN).
    public static let readHangup = SelectorEvents(rawValue: cgw_EPOLLRDHUP)
    /// An error on the descriptor (a reset, for a socket).
    public static let error = SelectorEvents(rawValue: cgw_EPOLLERR)
    /// Both directions are closed.
    public static let hangup = SelectorEvents(rawValue: cgw_EPOLLHUP)
    /// Wake only one of the loops waiting on a shared listening socket.
    public static let exclusive = SelectorEvents(rawValue: cgw_EPOLLEXCLUSIVE)
}

/// Owns one epoll descriptor; used by exactly one event-loop thread.
final class Selector {
    private let epfd: Int32
    private var closed = false
    private let events: UnsafeMutablePointer<UInt32>
    private let datas: UnsafeMutablePointer<UInt64>
    static let capacity = 256

    init() throws(SyscallError) {
        let fd = cgw_epoll_create()
        if fd < 0 { throw SyscallError(function: "epoll_create1", errno: cgw_errno()) }
        epfd = fd
        events = .allocate(capacity: Selector.capacity)
        datas = .allocate(capacity: Selector.capacity)
    }

    deinit {
        assert(closed, "Selector deinitialised without close()")
        events.deallocate()
        datas.deallocate()
    }

    func close() {
        precondition(!closed, "Selector closed twice")
        closed = true
        Posix.close(epfd)
    }

    func register(fd: Int32, interest: SelectorEvents, token: UInt64) throws(SyscallError) {
        _ = try syscall("epoll_ctl(ADD)", wouldBlock: .wouldBlockIsAnError) {
            cgw_epoll_ctl(epfd, cgw_EPOLL_CTL_ADD, fd, interest.rawValue, token)
        }
    }

    func reregister(fd: Int32, interest: SelectorEvents, token: UInt64) throws(SyscallError) {
        _ = try syscall("epoll_ctl(MOD)", wouldBlock: .wouldBlockIsAnError) {
            cgw_epoll_ctl(epfd, cgw_EPOLL_CTL_MOD, fd, interest.rawValue, token)
        }
    }

    func deregister(fd: Int32) {
        _ = cgw_epoll_ctl(epfd, cgw_EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits up to `timeoutMs` (-1: forever) and calls `body` for each ready descriptor.
    func wait(timeoutMs: Int32, _ body: (UInt64, SelectorEvents) -> Void) throws(SyscallError) {
        let n: Int32
        switch try syscall("epoll_wait", { cgw_epoll_wait(epfd, events, datas, Int32(Selector.capacity), timeoutMs) }) {
        case .processed(let count): n = count
        case .wouldBlock: n = 0
        }
        for i in 0..<Int(n) {
            body(datas[i], SelectorEvents(rawValue: events[i]))
        }
    }
}
