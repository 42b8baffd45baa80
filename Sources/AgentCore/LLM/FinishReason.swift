import Foundation

public enum FinishReason: String, Sendable, Hashable, Codable {
    case stop
    case toolCalls = "tool_calls"
    case length
    case contentFilter = "content_filter"
    case other
}
