import Foundation

/// Who this responder is to the store, and how long a running query's lease on its session
/// lasts without renewal (`server.instance_id`, `storage.lease_seconds`).
public struct LeaseSettings: Sendable, Hashable {
    /// Unique per responder sharing a store: the lease owner written into each running session.
    public var owner: String
    /// A lease not renewed for this long is expired: the sweeper closes its query as interrupted.
    public var duration: Duration

    public init(owner: String = LeaseSettings.defaultOwner, duration: Duration = .seconds(15)) {
        self.owner = owner
        self.duration = duration
    }

    /// `hostname:pid`: unique among live processes, and a restarted process is a new owner.
    /// (gethostname, not `ProcessInfo.hostName`, which may wait for DNS.)
    public static var defaultOwner: String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return "\(host):\(getpid())"
    }
}
