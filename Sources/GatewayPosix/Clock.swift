// The one clock. Every deadline and timer of the gateway, HTTP and JSON-RPC alike, is a
// `ContinuousClock.Instant` and every span a `Duration` (docs/ARCHITECTURE.md §5); nothing converts between
// clocks. Only an instant that must sit in an atomic is kept as an integer, by `AtomicInstant`.
import Synchronization

/// An instant other threads read without a lock: nanoseconds since an origin of its own, in an atomic.
package struct AtomicInstant: ~Copyable, Sendable {
    private let origin = ContinuousClock.now
    private let nanoseconds = Atomic<Int64>(.min)

    package init() {}

    /// Stores `instant` (nil clears it).
    package func store(_ instant: ContinuousClock.Instant?) {
        nanoseconds.store(instant.map { (origin.duration(to: $0)).wholeNanoseconds } ?? .min, ordering: .relaxed)
    }

    /// The instant stored last, nil if none.
    package func load() -> ContinuousClock.Instant? {
        let n = nanoseconds.load(ordering: .relaxed)
        return n == .min ? nil : origin + .nanoseconds(n)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at the ends of `Int64`.
    package var wholeNanoseconds: Int64 {
        let (s, a) = components
        let ns = s.multipliedReportingOverflow(by: 1_000_000_000)
        if ns.overflow { return s < 0 ? .min : .max }
        let sum = ns.partialValue.addingReportingOverflow(a / 1_000_000_000)
        return sum.overflow ? (s < 0 ? .min : .max) : sum.partialValue
    }

    /// Whole milliseconds rounded up, 0 for a span that has passed, at most `Int32.max`: for epoll and timed
    /// waits.
    package var millisecondsRoundedUp: Int {
        let ns = wholeNanoseconds
        if ns <= 0 { return 0 }
        return Int(min(Int64(Int32.max), (ns - 1) / 1_000_000 + 1))
    }
}
