import Foundation

public enum ChatRole: String, Sendable, Hashable, Codable {
    case system, user, assistant, tool
}
