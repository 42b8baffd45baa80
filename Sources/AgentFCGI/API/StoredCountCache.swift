import AgentCore
import Foundation
import Synchronization

/// The stored-session count is one kept row (schema v3), but reading it waits its turn on the
/// SQLite thread behind step commits; load balancers poll `/health` often, so the count is
/// reused for a couple of seconds. Lock-free on a hit, which is nearly every `/health`: one
/// refresher at a time, and the others answer with the count they have meanwhile.
final class StoredCountCache: Sendable {
    private let count = Atomic<Int>(0)
    /// Uptime nanoseconds of the last refresh that succeeded; 0 = none yet.
    private let refreshedAt = Atomic<UInt64>(0)
    private let refreshing = Atomic<Bool>(false)
    /// How long a count is reused: /health is polled often, a count is a store read.
    private let maxAgeNanoseconds: UInt64

    init(maxAgeSeconds: Double = 2) {
        maxAgeNanoseconds = UInt64(maxAgeSeconds * 1e9)
    }

    func value(_ fetch: () async throws -> Int) async -> Int? {
        let at = refreshedAt.load(ordering: .acquiring)
        let fresh = at != 0 && DispatchTime.now().uptimeNanoseconds - at < maxAgeNanoseconds
        if fresh { return count.load(ordering: .relaxed) }
        guard refreshing.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return at != 0 ? count.load(ordering: .relaxed) : try? await fetch()
        }
        defer { refreshing.store(false, ordering: .releasing) }
        guard let fetched = try? await fetch() else { return nil }
        count.store(fetched, ordering: .relaxed)
        refreshedAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
        return fetched
    }
}
