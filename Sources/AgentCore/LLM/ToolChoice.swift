import Foundation

public enum ToolChoice: Sendable, Hashable {
    case auto
    case none
    case required
    case tool(String)
}
