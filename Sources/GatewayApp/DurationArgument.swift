// Durations on the command line: `2`, `0.5` (seconds), `500ms`, `5s`, `1m`.
import ArgumentParser

/// A duration flag value.
public struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let duration: Duration
    let text: String

    public init?(argument: String) {
        let s = argument.trimmingCharacters(in: " ")
        let (number, scale): (Substring, Double)
        if s.hasSuffix("ms") {
            (number, scale) = (s.dropLast(2), 0.001)
        } else if s.hasSuffix("s") {
            (number, scale) = (s.dropLast(1), 1)
        } else if s.hasSuffix("m") {
            (number, scale) = (s.dropLast(1), 60)
        } else {
            (number, scale) = (Substring(s), 1)
        }
        guard let v = Double(number), v.isFinite, v >= 0, v * scale <= 86_400 * 365 else { return nil }
        duration = .nanoseconds(Int64((v * scale * 1e9).rounded()))
        text = argument
    }

    public init(_ duration: Duration) {
        self.duration = duration
        let (s, a) = duration.components
        text = a == 0 ? "\(s)s" : "\(Double(s) + Double(a) / 1e18)s"
    }

    public var description: String { text }
    public var defaultValueDescription: String { text }
    public var seconds: Double {
        let (s, a) = duration.components
        return Double(s) + Double(a) / 1e18
    }
}
