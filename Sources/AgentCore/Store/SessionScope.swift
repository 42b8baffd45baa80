/// Whose sessions a listing or a count covers. Spelled out because "no owner" and "any owner"
/// are different answers: an anonymous caller must see only sessions created without a
/// principal, while an operator's totals cover everyone.
public enum SessionScope: Sendable, Hashable {
    /// Every session, whoever owns it (operator views: `/status`, `/metrics`).
    case everyone
    /// One principal's sessions; `.owner(nil)` is those created without `REMOTE_USER`.
    case owner(String?)
}
