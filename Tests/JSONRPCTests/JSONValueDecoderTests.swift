import Testing

@testable import JSONRPC

struct JSONValueDecoderTests {
    struct Inner: Decodable, Equatable { var x: [Int]; var y: String? }
    struct Outer: Decodable, Equatable { var a: Int; var b: Double; var c: Bool; var inner: Inner; var opt: Int? }

    @Test func nested_codable_types_decode() throws {
        let v = try JSONValue(parsing: #"{"a":1,"b":2.5,"c":true,"inner":{"x":[1,2,3]},"opt":null}"#)
        #expect(try JSONValueDecoder.decode(Outer.self, from: v) == Outer(a: 1, b: 2.5, c: true, inner: Inner(x: [1, 2, 3], y: nil), opt: nil))
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
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(Outer.self, from: JSONValue(parsing: #"{"a":1}"#)) }
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode([Int].self, from: JSONValue(parsing: "{}")) }
    }
}
