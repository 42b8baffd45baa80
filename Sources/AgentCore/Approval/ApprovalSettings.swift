import Foundation

/// Which tool calls wait for a person's decision before they run (`agent.approval.*`), and for
/// how long. Part of `AgentSettings`, so a reload (SIGHUP) applies to calls made after it;
/// calls already waiting keep the deadline they were given (`PendingApproval.expiresAt`).
public struct ApprovalSettings: Sendable, Hashable {
    /// Exposed tool names or globs (`*` any run of characters, `?` one): `calculator`, `github__*`.
    public var tools: [String]
    /// How long a call may wait; nil waits forever (`timeout_seconds: 0`). Default one day.
    public var timeout: Duration?

    public init(tools: [String] = [], timeout: Duration? = .seconds(86_400)) {
        self.tools = tools
        self.timeout = timeout
    }

    /// Whether a call of `tool` needs approval.
    public func gates(_ tool: String) -> Bool {
        tools.contains { Self.matches(pattern: Array($0), name: Array(tool)) }
    }

    /// A glob match without backtracking blow-up: `*` remembers its last position only.
    static func matches(pattern: [Character], name: [Character]) -> Bool {
        var p = 0, n = 0
        var star: Int?, resume = 0
        while n < name.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == name[n] {
                p += 1
                n += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                resume = n
                p += 1
            } else if let star {
                p = star + 1
                resume += 1
                n = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
