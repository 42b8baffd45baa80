import Testing
@testable import AgentCore

@Suite struct SSEParserTests {
    static let stream = ": comment line\n"
        + "event: message_start\ndata: {\"a\":1}\n\n"
        + "data: first line\r\ndata: second ü line\r\n\r\n"
        + "id: 7\revent: custom\rdata:no-space 😀\r\r"
        + "data: [DONE]\n\n"
    static let expected = [
        SSEEvent(event: "message_start", data: "{\"a\":1}"),
        SSEEvent(data: "first line\nsecond ü line"),
        SSEEvent(event: "custom", data: "no-space 😀", id: "7"),
        SSEEvent(data: "[DONE]", id: "7"),
    ]

    private func parse(_ pieces: [[UInt8]]) -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for piece in pieces { events += parser.feed(piece) }
        return events + parser.finish()
    }

    @Test func parsesWholeStream() {
        #expect(parse([Array(Self.stream.utf8)]) == Self.expected)
    }

    @Test func everySplitPointGivesTheSameEvents() {
        let bytes = Array(Self.stream.utf8)
        for cut in 0...bytes.count {
            let events = parse([Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(events == Self.expected, "split at byte \(cut) of \(bytes.count)")
        }
    }

    @Test func byteAtATimeGivesTheSameEvents() {
        #expect(parse(Array(Self.stream.utf8).map { [$0] }) == Self.expected)
    }

    @Test func eventWithoutDataIsNotDispatched() {
        #expect(parse([Array("event: ping\n\ndata: x\n\n".utf8)]) == [SSEEvent(data: "x")])
    }

    @Test func trailingEventWithoutBlankLineIsDeliveredAtFinish() {
        #expect(parse([Array("data: tail".utf8)]) == [SSEEvent(data: "tail")])
    }

    @Test func emptyDataLineContributesAnEmptyLine() {
        #expect(parse([Array("data\ndata: b\n\n".utf8)]) == [SSEEvent(data: "\nb")])
    }
}

@Suite struct ThinkTagSplitterTests {
    private func run(_ pieces: [String]) -> (reasoning: String, text: String) {
        var splitter = ThinkTagSplitter()
        var builder = ChatCompletionBuilder()
        for piece in pieces { splitter.feed(piece).forEach { builder.add($0) } }
        splitter.finish().forEach { builder.add($0) }
        let completion = builder.build()
        return (completion.reasoning, completion.text)
    }

    @Test func thinkBlockSplitAnywhereBecomesReasoning() {
        let whole = "<think>\nweigh options</think>\n\nThe answer is 5."
        for cut in 0...whole.count {
            let index = whole.index(whole.startIndex, offsetBy: cut)
            let result = run([String(whole[..<index]), String(whole[index...])])
            #expect(result.reasoning == "\nweigh options", "cut at \(cut)")
            #expect(result.text == "The answer is 5.", "cut at \(cut)")
        }
    }

    @Test func characterByCharacterStream() {
        let result = run("<think>a<b</think>ok".map { String($0) })
        #expect(result.reasoning == "a<b")
        #expect(result.text == "ok")
    }

    @Test func tagAfterVisibleTextStaysText() {
        let result = run(["Use ", "<think> tags"])
        #expect(result.reasoning == "")
        #expect(result.text == "Use <think> tags")
    }

    @Test func unclosedThinkAtEndIsReasoning() {
        let result = run(["<thi", "nk>partial</thi"])
        #expect(result.reasoning == "partial</thi")
        #expect(result.text == "")
    }

    @Test func plainTextStartingWithAngleBracket() {
        #expect(run(["<", "b>bold"]).text == "<b>bold")
    }
}
