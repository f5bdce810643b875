// Header fields in arrival order, duplicates kept, names compared without case.

/// One header or trailer field as received (name case preserved, value without surrounding whitespace).
public struct HeaderField: Sendable, Equatable {
    /// The field name as received, case preserved; compare it without case.
    public var name: String
    /// The field value, without leading or trailing spaces and tabs.
    public var value: String

    /// A field with this name and value, taken as given (not validated).
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An ordered list of fields.
public struct HeaderFields: Sendable, Equatable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// The fields in arrival order.
    public private(set) var fields: [HeaderField]

    /// These fields, in this order.
    public init(_ fields: [HeaderField] = []) { self.fields = fields }
    /// The literal's fields, in the order written (`["Content-Type": "application/json"]`).
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { HeaderField(name: $0.0, value: $0.1) }
    }

    /// The position of the first field.
    public var startIndex: Int { fields.startIndex }
    /// The position after the last field.
    public var endIndex: Int { fields.endIndex }
    /// The field at `position`.
    public subscript(position: Int) -> HeaderField { fields[position] }

    /// Adds a field after the others, keeping any field of the same name.
    public mutating func append(name: String, value: String) {
        fields.append(HeaderField(name: name, value: value))
    }

    /// The first value of `name`, compared without case.
    public subscript(name: String) -> String? {
        for f in fields where f.name.asciiCaseInsensitiveEquals(name) { return f.value }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.asciiCaseInsensitiveEquals(name) }.map(\.value)
    }

    /// How many fields are named `name`.
    public func count(_ name: String) -> Int {
        fields.reduce(0) { $0 + ($1.name.asciiCaseInsensitiveEquals(name) ? 1 : 0) }
    }

    /// The comma-separated tokens of every `name` field, lower-cased, empty elements dropped.
    public func tokens(_ name: String) -> [String] {
        var out: [String] = []
        for f in fields where f.name.asciiCaseInsensitiveEquals(name) {
            for part in f.value.split(separator: ",") {
                let t = part.trimmingASCIIWhitespace().lowercasedASCII()
                if !t.isEmpty { out.append(t) }
            }
        }
        return out
    }
}

/// Equal byte sequences of the same length, ASCII letters compared without case.
@inlinable
func asciiCaseInsensitiveEqualBytes(
    _ a: some RandomAccessCollection<UInt8>, _ b: some RandomAccessCollection<UInt8>
) -> Bool {
    for (x, y) in zip(a, b) where x != y {
        let lx = x | 0x20
        guard lx == y | 0x20, lx >= UInt8(ascii: "a"), lx <= UInt8(ascii: "z") else { return false }
    }
    return true
}

extension StringProtocol {
    /// Compares ASCII letters without case; other bytes exactly.
    @inlinable
    public func asciiCaseInsensitiveEquals(_ other: some StringProtocol) -> Bool {
        // Lengths first: most comparisons are of different names, and a native string knows its length.
        guard utf8.count == other.utf8.count else { return false }
        // Then the bytes in place (native strings are contiguous); iterating two UTF-8 views costs far more.
        let inPlace = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b in asciiCaseInsensitiveEqualBytes(a, b) }
        }
        if let inPlace, let equal = inPlace { return equal }
        return asciiCaseInsensitiveEqualBytes(Array(utf8), Array(other.utf8))
    }

    func trimmingASCIIWhitespace() -> Substring {
        var s = Substring(self)
        while let f = s.utf8.first, f == 0x20 || f == 0x09 { s = s.dropFirst() }
        while let l = s.utf8.last, l == 0x20 || l == 0x09 { s = s.dropLast() }
        return s
    }

    func lowercasedASCII() -> String {
        String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
