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
        #expect(event.json() == #"{"type":"final","timestamp":"1970-01-01T00:00:00.000Z","session_id":"s","query_id":"q","seq":7,"content":"hi","status":"completed"}"#)
    }
}
