import Synchronization

// A file descriptor with exactly one owner: closing consumes it, and one dropped while open is a bug that a
// debug build stops at (swift-nio's BaseSocket does the same).
#if canImport(Glibc)
    import Glibc
#endif

/// An open descriptor and the duty to close it, once.
///
/// Not copyable: whoever holds it owns it, and `close()` consumes it, so a second close does not compile. The raw
/// number (`rawValue`) is for the calls that need it (registration, I/O); it must not outlive the owner.
///
/// ```swift
/// var socket: Descriptor? = Descriptor(owning: fd)
/// _ = try Posix.read(socket!.rawValue, into: buffer)
/// socket.take()?.close()
/// ```
public struct Descriptor: ~Copyable, Sendable {
    /// The descriptor number, valid until `close()`.
    public let rawValue: Int32

    /// Takes ownership of an open descriptor.
    public init(owning rawValue: Int32) {
        precondition(rawValue >= 0, "not a descriptor: \(rawValue)")
        self.rawValue = rawValue
    }

    /// Closes it. EBADF means it was closed already or never ours: our bug, never a peer's doing.
    public consuming func close() {
        let fd = rawValue
        discard self
        // Linux closes the descriptor even when close reports EINTR: never retry.
        if Glibc.close(fd) != 0 && errno == EBADF {
            preconditionFailure("close(\(fd)): EBADF, the descriptor was closed twice or never owned")
        }
    }

    deinit {
        assertionFailure("descriptor \(rawValue) dropped while open: it leaks")
        _ = Glibc.close(rawValue)
    }
}

extension Descriptor {
    /// Gives up ownership without closing, for a hand-off to another thread (a closure cannot carry a
    /// non-copyable value); the receiver takes it back with `Descriptor(owning:)`, or closes it if it cannot.
    public consuming func releaseForHandOff() -> Int32 {
        let fd = rawValue
        discard self
        return fd
    }
}

/// A descriptor on its way to another thread inside a closure (which cannot carry a non-copyable value).
///
/// The receiver takes it with `take()`. If the closure is dropped without running, as happens to work posted
/// to a loop that closes first, the descriptor is closed when the last reference goes, and `onDrop` runs (to
/// uncount the connection): never leaked.
///
/// ```swift
/// let transit = DescriptorInTransit(socket)
/// loop.execute { serve(transit.take()) }
/// ```
public final class DescriptorInTransit: Sendable {
    private let fd: Mutex<Int32?>
    private let onDrop: (@Sendable () -> Void)?

    /// Carries `descriptor`; `onDrop` runs if it is closed here, never taken.
    public init(_ descriptor: consuming Descriptor, onDrop: (@Sendable () -> Void)? = nil) {
        fd = Mutex(descriptor.releaseForHandOff())
        self.onDrop = onDrop
    }

    /// The descriptor, for its new owner; once only.
    public func take() -> Descriptor {
        guard let raw = fd.withLock({ $0.take() }) else { preconditionFailure("descriptor taken twice") }
        return Descriptor(owning: raw)
    }

    deinit {
        if let raw = fd.withLock({ $0.take() }) {
            Descriptor(owning: raw).close()
            onDrop?()
        }
    }
}

/// A descriptor shared by several users (the listening socket, registered with every loop) and closed once,
/// by whichever asks first.
public final class SharedDescriptor: Sendable {
    /// The descriptor number, valid until `close()`.
    public let rawValue: Int32
    private let owned: Mutex<Descriptor?>

    /// Takes ownership of `descriptor`.
    public init(_ descriptor: consuming Descriptor) {
        rawValue = descriptor.rawValue
        owned = Mutex(descriptor)
    }

    /// Closes it unless it was closed already; safe from any thread.
    public func close() {
        owned.withLock { $0.take() }?.close()
    }

    /// True until `close()`.
    public var isOpen: Bool { owned.withLock { $0 != nil } }

    deinit { close() }
}
