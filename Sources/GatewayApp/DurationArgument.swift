// Durations on the command line: `2`, `0.5` (seconds), `500ms`, `5s`, `1m`.
public import ArgumentParser

/// A duration flag value.
public struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    /// The parsed duration.
    public let duration: Duration
    let text: String

    /// Parses seconds (`2`, `0.5`) or a number with `ms`, `s` or `m` (minutes).
    ///
    /// Nil for anything else, a negative value, or more than a year.
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

    /// A duration given in code, e.g. a flag's default; shown in seconds.
    public init(_ duration: Duration) {
        self.duration = duration
        let (s, a) = duration.components
        text = a == 0 ? "\(s)s" : "\(Double(s) + Double(a) / 1e18)s"
    }

    /// The duration as written on the command line.
    public var description: String { text }
    /// The default as `--help` shows it.
    public var defaultValueDescription: String { text }
    /// The duration in seconds, fractions included.
    public var seconds: Double {
        let (s, a) = duration.components
        return Double(s) + Double(a) / 1e18
    }
}
