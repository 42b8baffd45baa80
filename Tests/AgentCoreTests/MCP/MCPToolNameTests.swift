import Foundation
import Testing
@testable import AgentCore

@Suite struct MCPToolNameTests {
    static func fits(_ name: String) -> Bool {
        name.range(of: "^[a-zA-Z0-9_-]{1,64}$", options: .regularExpression) != nil
    }

    @Test func aPlainNameIsPrefixAndToolJoinedByTwoUnderscores() {
        #expect(MCPToolName.exposed(prefix: "time", tool: "get_current_time") == "time__get_current_time")
    }

    @Test func charactersProvidersRejectBecomeUnderscores() {
        let name = MCPToolName.exposed(prefix: "my.server", tool: "files/read file:é")
        #expect(name == "my_server__files_read_file__")
        #expect(Self.fits(name))
    }

    @Test func aLongNameIsCutWithAStableHashThatKeepsNeighboursApart() {
        let tool = String(repeating: "very_long_tool_name_", count: 5)
        let first = MCPToolName.exposed(prefix: "server", tool: tool + "a")
        let second = MCPToolName.exposed(prefix: "server", tool: tool + "b")
        #expect(first.count == 64 && second.count == 64)
        #expect(Self.fits(first) && Self.fits(second))
        #expect(first != second)
        // Deterministic: the same input gives the same name in every process (FNV-1a, not hashValue).
        #expect(first == MCPToolName.exposed(prefix: "server", tool: tool + "a"))
        #expect(first.hasSuffix("_" + MCPToolName.hexHash("server__" + tool + "a")))
    }

    @Test func theHashIsFNV1a() {
        // Published FNV-1a 32-bit test vectors.
        #expect(MCPToolName.hexHash("") == "811c9dc5")
        #expect(MCPToolName.hexHash("a") == "e40c292c")
        #expect(MCPToolName.hexHash("foobar") == "bf9cf968")
    }

    @Test func includeAndExcludeChooseTheOfferedTools() {
        var spec = MCPServerSpec(name: "git", transport: .http(url: "http://127.0.0.1:1/mcp", headers: []))
        #expect(spec.offers("git_status") && spec.prefix == "git")
        spec.include = ["git_status", "git_log"]
        spec.exclude = ["git_log"]
        #expect(spec.offers("git_status") && !spec.offers("git_log") && !spec.offers("git_diff"))
    }

    @Test func resultsAreCutOnACharacterBoundary() {
        #expect(MCPResultRenderer.cut("aé", to: 2) == "a")
        #expect(MCPResultRenderer.cut("aé", to: 3) == "aé")
        #expect(MCPResultRenderer.cut("a😀b", to: 4) == "a")
        #expect(MCPResultRenderer.cut("abc", to: 2) == "ab")
    }

    @Test func remoteUserCannotInjectHeaders() {
        let headers = MCPRequestUser.fill([HTTPHeader("X-User", "{remote_user}"), HTTPHeader("X-Fixed", "1")],
                                          user: "bob\r\nX-Evil: yes")
        #expect(headers == [HTTPHeader("X-User", "bobX-Evil: yes"), HTTPHeader("X-Fixed", "1")])
        #expect(MCPRequestUser.fill([HTTPHeader("X-User", "u={remote_user}")], user: nil) == [HTTPHeader("X-User", "u=")])
    }

    @Test func backoffGrowsAndIsCapped() {
        #expect(MCPServer.backoff(0) == .zero)
        #expect(MCPServer.backoff(1) == .milliseconds(250))
        #expect(MCPServer.backoff(3) == .seconds(1))
        #expect(MCPServer.backoff(50) == .seconds(10))
    }
}
