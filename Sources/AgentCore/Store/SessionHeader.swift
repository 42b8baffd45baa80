import Foundation

/// What a session is created with and keeps for life: `SessionStore.createSession` stores it.
public struct SessionHeader: Sendable, Hashable {
    public var id: String
    /// The principal (`REMOTE_USER`) that created it; nil in the shared namespace.
    public var owner: String?
    public var createdAt: Date
    /// The session's own system prompt (nil: the configured default at query time).
    public var systemPrompt: String?
    /// The session's default model (`POST /sessions` `model`); nil uses the configured default.
    public var model: String?

    public init(id: String, owner: String?, createdAt: Date, systemPrompt: String?, model: String? = nil) {
        self.id = id
        self.owner = owner
        self.createdAt = createdAt
        self.systemPrompt = systemPrompt
        self.model = model
    }
}
