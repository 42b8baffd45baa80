import Foundation

/// What a running query does when its streaming client goes away.
public enum DisconnectPolicy: String, Sendable, Hashable, CaseIterable {
    /// Finish the turn and persist it, so the client can resume (default).
    case `continue`
    /// Stop at the next token or tool boundary.
    case cancel
}
