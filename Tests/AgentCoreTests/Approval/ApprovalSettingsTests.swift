import Testing
@testable import AgentCore

@Suite struct ApprovalSettingsTests {
    @Test(arguments: [
        ("calculator", "calculator", true), ("calculator", "calculators", false), ("github__*", "github__create", true),
        ("github__*", "gitlab__create", false), ("*", "anything", true), ("a?c", "abc", true), ("a?c", "ac", false),
        ("*__delete_*", "fs__delete_file", true), ("*__delete_*", "fs__read_file", false), ("", "x", false),
    ])
    func globsMatchExposedToolNames(_ pattern: String, _ name: String, _ expected: Bool) {
        #expect(ApprovalSettings(tools: [pattern]).gates(name) == expected)
    }

    @Test func nothingIsGatedByDefault() {
        #expect(!ApprovalSettings().gates("calculator"))
        #expect(ApprovalSettings().timeout == .seconds(86_400))
    }
}
