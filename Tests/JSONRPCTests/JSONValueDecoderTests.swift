import Testing

@testable import JSONRPC

struct JSONValueDecoderTests {
    struct Inner: Decodable, Equatable {
        var x: [Int]
        var y: String?
    }
    struct Outer: Decodable, Equatable {
        var a: Int
        var b: Double
        var c: Bool
        var inner: Inner
        var opt: Int?
    }

    @Test func nested_codable_types_decode() throws {
        let v = try JSONValue(parsing: #"{"a":1,"b":2.5,"c":true,"inner":{"x":[1,2,3]},"opt":null}"#)
        #expect(
            try JSONValueDecoder.decode(Outer.self, from: v)
                == Outer(a: 1, b: 2.5, c: true, inner: Inner(x: [1, 2, 3], y: nil), opt: nil))
    }

    @Test func integral_numbers_written_as_floats_decode_as_integers() throws {
        #expect(try JSONValueDecoder.decode(Int.self, from: JSONValue(parsing: "1.0")) == 1)
        #expect(try JSONValueDecoder.decode(Int.self, from: JSONValue(parsing: "1e2")) == 100)
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(Int.self, from: JSONValue(parsing: "1.5")) }
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(Int8.self, from: JSONValue(parsing: "300")) }
    }

    @Test func mismatches_name_the_path() throws {
        let v = try JSONValue(parsing: #"{"a":1,"b":2,"c":true,"inner":{"x":[1,"two"]}}"#)
        do {
            _ = try JSONValueDecoder.decode(Outer.self, from: v)
            Issue.record("expected a type mismatch")
        } catch let DecodingError.typeMismatch(_, context) {
            #expect(context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["inner", "x", "1"])
        }
        #expect(throws: DecodingError.self) {
            try JSONValueDecoder.decode(Outer.self, from: JSONValue(parsing: #"{"a":1}"#))
        }
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode([Int].self, from: JSONValue(parsing: "{}")) }
    }
}

struct JSONValueEncoderTests {
    struct Point: Codable, Equatable {
        var x: Int
        var y: Double
        var tags: [String]
        var next: [Point]?
        var flag: Bool?
    }

    @Test func round_trips_through_the_decoder() throws {
        let p = Point(
            x: 1, y: 2.5, tags: ["a", "b"], next: [Point(x: 3, y: -1, tags: [], next: nil, flag: true)], flag: nil)
        let v = try JSONValueEncoder.encode(p)
        #expect(try JSONValueDecoder.decode(Point.self, from: v) == p)
        #expect(v["x"] == 1)
        #expect(v["next"]?[0]?["flag"] == true)
        #expect(try JSONValue(parsing: v.jsonText) == v)
    }

    @Test func non_finite_numbers_are_refused() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode([Double.nan]) }
    }

    @Test func scalars_and_optionals_encode_as_json_scalars() throws {
        #expect(try JSONValueEncoder.encode(42) == 42)
        #expect(try JSONValueEncoder.encode("s") == "s")
        #expect(try JSONValueEncoder.encode([Int?.none, 1]) == [nil, 1])
        #expect(try JSONValueEncoder.encode(UInt8(7)) == 7)
    }

    /// Every scalar type goes through the encoder's and decoder's own fast paths (matched by metatype
    /// identity); one missing from the encoder's list would recurse through its own `encode(to:)` forever.
    @Test func every_scalar_type_round_trips() throws {
        func roundTrip<T: Codable & Equatable>(_ v: T, _ json: String) throws {
            let encoded = try JSONValueEncoder.encode(v)
            #expect(encoded.jsonText == json, "\(T.self)")
            #expect(try JSONValueDecoder.decode(T.self, from: encoded) == v, "\(T.self)")
            #expect(try JSONValueDecoder.decode([T].self, from: JSONValueEncoder.encode([v])) == [v], "\(T.self)")
            #expect(try JSONValueDecoder.decode([String: T].self, from: ["k": encoded]) == ["k": v], "\(T.self)")
        }
        try roundTrip(Int.min, "-9223372036854775808")
        try roundTrip(Int8.min, "-128")
        try roundTrip(Int16.min, "-32768")
        try roundTrip(Int32.min, "-2147483648")
        try roundTrip(Int64.max, "9223372036854775807")
        try roundTrip(UInt.max, "18446744073709551615")
        try roundTrip(UInt8.max, "255")
        try roundTrip(UInt16.max, "65535")
        try roundTrip(UInt32.max, "4294967295")
        try roundTrip(UInt64.max, "18446744073709551615")
        try roundTrip(Int128.max, "170141183460469231731687303715884105727")
        try roundTrip(UInt128.max, "340282366920938463463374607431768211455")
        try roundTrip(2.5, "2.5")
        try roundTrip(Float(0.5), "0.5")
        try roundTrip(true, "true")
        try roundTrip("é\n", #""é\n""#)
        try roundTrip(JSONValue.array([1, "x"]), #"[1,"x"]"#)
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(Float.infinity) }
        // A JSON null decoded as `JSONValue?` is the value null, not an absent value.
        #expect(try JSONValueDecoder.decode(JSONValue?.self, from: .null) == .some(.null))
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(UInt16.self, from: -1) }
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(String.self, from: 1) }
    }
}
