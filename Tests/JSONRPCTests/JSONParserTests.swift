import Testing

@testable import JSONRPC

struct JSONParserTests {
    @Test func values_round_trip_exactly() throws {
        for text in [
            #"{"a":[1,2.5e10,-0.5,12345678901234567890123],"b":{"c":null,"d":true,"e":false},"s":"x\"y\\z\n"}"#,
            "[]", "{}", "0", "-1", "\"\"", #""\u00e9\ud83d\ude00""#,
        ] {
            let v = try JSONValue(parsing: text)
            #expect(try JSONValue(parsing: v.jsonText) == v, "\(text)")
        }
        #expect(try JSONValue(parsing: "12345678901234567890123").jsonText == "12345678901234567890123")
    }

    @Test func escapes_decode_to_the_right_scalars() throws {
        #expect(try JSONValue(parsing: #""\u00e9\ud83d\ude00\t""#) == .string("é😀\t"))
    }

    static let invalid: [(String, String)] = [
        ("{", "unterminated object"), ("[1,]", "trailing comma"), ("01", "leading zero"), ("1.", "bare point"),
        (".5", "no integer part"), ("+1", "plus sign"), ("tru", "short literal"), ("\"a", "unterminated string"),
        ("\"\u{01}\"", "raw control character"), (#""\x""#, "bad escape"), (#""\ud800""#, "lone surrogate"),
        ("[1] x", "trailing data"), ("NaN", "NaN"), ("", "empty"), ("{\"a\" 1}", "missing colon"),
        ("{1:2}", "non-string key"),
    ]

    @Test func invalid_json_is_refused() {
        for (text, why) in Self.invalid {
            #expect(throws: JSONParseError.self, "\(why)") { try JSONValue(parsing: text) }
        }
    }

    @Test func invalid_utf8_is_refused() {
        for bad: [UInt8] in [
            [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22],
        ] {
            #expect(throws: JSONParseError.self) { try JSONValue(parsing: bad) }
        }
    }

    @Test func nesting_beyond_the_limit_is_refused_without_recursion_blowup() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONValue(parsing: ok)) != nil)
    }
}

struct JSONWriterTests {
    @Test func backspace_and_form_feed_use_the_two_byte_escapes() {
        var out: [UInt8] = []
        JSONWriter.writeString("\u{8}\u{c}\u{1}", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""\b\f\u0001""#)
    }
}
