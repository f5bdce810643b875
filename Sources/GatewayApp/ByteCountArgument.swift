// Byte counts on the command line: `268435456`, `512K`, `256M`, `1G` (binary units; `KiB`, `MiB`, `GiB` too).
public import ArgumentParser

/// A byte-count flag value.
public struct ByteCountArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    /// The count in bytes.
    public let bytes: Int
    let text: String

    /// Parses `512`, `512K`, `256M` or `1G` (also `KB`, `KiB`, …, any case); units are powers of 1024.
    ///
    /// Nil for anything else, or for a count that does not fit in an `Int`.
    public init?(argument: String) {
        var s = Substring(argument.trimmingCharacters(in: " ")).uppercased()[...]
        if s.hasSuffix("IB") { s = s.dropLast(2) } else if s.hasSuffix("B") { s = s.dropLast(1) }
        var scale = 1
        switch s.last {
        case "K": scale = 1 << 10
        case "M": scale = 1 << 20
        case "G": scale = 1 << 30
        default: break
        }
        if scale > 1 { s = s.dropLast() }
        guard !s.isEmpty, s.allSatisfy(\.isASCII), s.allSatisfy(\.isNumber), let v = Int(s) else { return nil }
        let (b, overflow) = v.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        bytes = b
        text = argument
    }

    /// A count given in code, e.g. a flag's default.
    public init(_ bytes: Int) {
        self.bytes = bytes
        text = "\(bytes)"
    }

    /// The count as written on the command line.
    public var description: String { text }
    /// The default as `--help` shows it.
    public var defaultValueDescription: String { text }
}
