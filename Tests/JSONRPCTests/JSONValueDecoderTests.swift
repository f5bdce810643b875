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
}
