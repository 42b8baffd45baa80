import Testing
@testable import AgentCore

@Suite struct SessionTitleTests {
    @Test func aShortMessageIsItsOwnTitleOnOneLine() {
        #expect(SessionTitle.from(message: "  What is\n\t2+3?  ") == "What is 2+3?")
    }

    @Test func aLongMessageIsCutWithAnEllipsis() {
        let title = SessionTitle.from(message: String(repeating: "word ", count: 40))
        #expect(title?.count == SessionTitle.maxLength)
        #expect(title?.hasSuffix("…") == true)
        #expect(SessionTitle.from(message: String(repeating: "x", count: SessionTitle.maxLength)) ==
                String(repeating: "x", count: SessionTitle.maxLength), "exactly the limit is not cut")
    }

    @Test func aBlankMessageGivesNoTitle() {
        #expect(SessionTitle.from(message: " \n ") == nil)
        #expect(SessionTitle.from(message: "") == nil)
    }
}
