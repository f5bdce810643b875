// Rate limit for log lines a client can trigger at will: a flood of bad calls must not become a flood of logs.
import Logging
import Synchronization

/// Lets at most `perSecond` lines through each second; the next line that passes says how many were dropped.
final class LogLimiter: Sendable {
    private struct Window {
        var start: ContinuousClock.Instant? = nil
        var passed = 0
        var dropped = 0
    }
    private let window = Mutex(Window())
    let perSecond: Int

    init(perSecond: Int) {
        self.perSecond = perSecond
    }

    /// Logs at error level unless this second's allowance is spent.
    func log(
        _ logger: Logger, _ message: Logger.Message, metadata: Logger.Metadata = [:],
        now: ContinuousClock.Instant = .now
    ) {
        let dropped: Int? = window.withLock { w in
            if w.start.map({ now - $0 >= .seconds(1) }) ?? true {
                w.start = now
                w.passed = 0
            }
            guard w.passed < perSecond else {
                w.dropped += 1
                return nil
            }
            w.passed += 1
            defer { w.dropped = 0 }
            return w.dropped
        }
        guard let dropped else { return }
        var m = metadata
        if dropped > 0 { m["log.suppressed"] = "\(dropped)" }
        logger.error(message, metadata: m)
    }

    /// Lines dropped since the last one that passed.
    var droppedCount: Int { window.withLock { $0.dropped } }
}
