import Foundation
import Testing
@testable import AgentCore

@Suite struct JSONValueTests {
    @Test func parsesAndSerializesRoundTrip() throws {
        let text = #"{"a":[1,2.5,true,false,null],"b":"x\"y\n\u00e9\ud83d\ude00"}"#
        let value = try JSONValue.parse(text)
        #expect(value["a"] == [1, 2.5, true, false, nil])
        #expect(value["b"] == .string("x\"y\né😀"))
        #expect(try JSONValue.parse(value.serialized()) == value)
    }

    @Test func integralNumbersPrintWithoutDecimalPoint() {
        #expect(JSONValue.number(5).serialized() == "5")
        #expect(JSONValue.number(-2.5).serialized() == "-2.5")
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "\"\u{01}\"", "tru", "1 2", "{\"a\":1,}"])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func stampedEventFieldOrderStartsWithType() {
        let event = StampedEvent(event: .final(content: "hi", status: .completed), timestamp: .init(timeIntervalSince1970: 0),
                                 sessionId: "s", queryId: "q", seq: 7)
        #expect(event.json == #"{"type":"final","timestamp":"1970-01-01T00:00:00.000Z","session_id":"s","query_id":"q","seq":7,"content":"hi","status":"completed"}"#)
    }

    @Test func stringsAreEscapedExactlyWhereNeeded() {
        #expect(JSONValue.string("plain é 😀 text").serialized() == "\"plain é 😀 text\"", "no escaping: written whole")
        #expect(JSONValue.string("q\"b\\n\nt\tc\u{01}").serialized() == #""q\"b\\n\nt\tc\u0001""#)
        #expect(JSONValue.string("a\u{2028}b\u{2029}c—d").serialized() == #""a\u2028b\u2029c—d""#,
                "line and paragraph separators are escaped; other characters starting with 0xE2 are not")
        #expect(JSONValue.string("n\u{85}l\u{7F}c\u{9F}\u{A0}é").serialized() == #""n\u0085l\u007fc\u009f\#u{A0}é""#,
                "NEXT LINE, DEL and the C1 controls are escaped; other characters starting with 0xC2 are not")
    }

    @Test(arguments: [(0.0, "1970-01-01T00:00:00.000Z"), (1_795_000_000.125, "2026-11-18T11:06:40.125Z"),
                      (951_782_400.75, "2000-02-29T00:00:00.750Z"), (253_402_300_799.5, "9999-12-31T23:59:59.500Z")])
    func timestampsAreRFC3339UTCWithMilliseconds(_ seconds: Double, _ expected: String) {
        let text = Timestamp.rfc3339Millis(Date(timeIntervalSince1970: seconds))
        #expect(text == expected)
        #expect(Timestamp.parse(text).map { abs($0.timeIntervalSince1970 - seconds) < 0.001 } == true)
    }
}
