import Foundation

/// What a decision request did: the decisions it recorded (timeouts included), the calls still
/// waiting, and the continuation's subscription once none waits.
public struct ApprovalProgress: Sendable {
    public var decided: [PendingApproval]
    public var waiting: [PendingApproval]
    public var continuation: QuerySubscription?
}
