import AgentCore
import Foundation
import Synchronization

/// One `StoredCountCache` per caller of `/health`. The anonymous caller (load balancers) gets
/// its own lock-free cache; principals share a small map, emptied when it grows past
/// `maxPrincipals` so a stream of distinct users cannot grow it without bound.
final class CallerCountCaches: Sendable {
    private let anonymous = StoredCountCache()
    private let principals = Mutex<[String: StoredCountCache]>([:])
    static let maxPrincipals = 4096

    func cache(for caller: String?) -> StoredCountCache {
        guard let caller else { return anonymous }
        return principals.withLock { caches in
            if let cache = caches[caller] { return cache }
            if caches.count >= Self.maxPrincipals { caches.removeAll() }
            let cache = StoredCountCache()
            caches[caller] = cache
            return cache
        }
    }
}
