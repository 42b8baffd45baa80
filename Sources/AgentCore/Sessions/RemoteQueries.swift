import Foundation
import Synchronization

/// The session layer's side of a `SessionBus`: what a responder does about queries that run on
/// another responder sharing its store. Cancel, clear and DELETE of a session whose query runs
/// elsewhere become notices that the responder running it acts on (`SessionManager.apply`);
/// `GET /sessions/{id}/events` follows such a query through the store (`StoredEventFollower`),
/// woken by the notices the store's commits send while the session is watched (`SessionBus.watch`).
///
/// Threading: `Sendable`. `deliver` runs on the bus's listener thread and only rings doorbells
/// and starts tasks; everything else runs in the caller's task.
public final class RemoteQueries: Sendable {
    let bus: any SessionBus
    let store: any SessionStore
    private let doorbells = Mutex<[String: [UUID: Doorbell]]>([:])
    private let owner = Mutex<WeakManager>(WeakManager())
    /// How long clear and DELETE wait for a query elsewhere to end before answering 503.
    let stopTimeout: Duration
    /// A follower or a waiter looks at the store at least this often, notices or not (a notice
    /// lost in a reconnect, a responder that died without a last commit).
    let recheckInterval: Duration
    /// How long one `SessionBus.watch` lasts; a follower renews it after a third of that. A
    /// responder that dies leaves its watch to lapse: commits notify for nobody until then.
    let watchDuration: Duration

    init(bus: any SessionBus, store: any SessionStore, stopTimeout: Duration = .seconds(10),
         recheckInterval: Duration = .seconds(2), watchDuration: Duration = .seconds(30)) {
        self.bus = bus
        self.store = store
        self.stopTimeout = stopTimeout
        self.recheckInterval = recheckInterval
        self.watchDuration = watchDuration
    }

    /// Starts listening on behalf of `manager`.
    func attach(_ manager: SessionManager) {
        owner.withLock { $0.manager = manager }
        bus.listen { [weak self] delivery in self?.deliver(delivery) }
    }

    private func deliver(_ delivery: SessionBusDelivery) {
        switch delivery {
        case .resumed:
            let all = doorbells.withLock { $0.values.flatMap(\.values) }
            for doorbell in all { doorbell.ring() }
        case .notice(let notice):
            ring(notice.sessionId)
            // Our own cancel/clear/delete notices were sent because the query does not run here.
            guard notice.kind != .events, notice.instance != bus.instance,
                  let manager = owner.withLock({ $0.manager }) else { return }
            Task { await manager.apply(notice) }
        }
    }

    func ring(_ sessionId: String) {
        let bells = doorbells.withLock { $0[sessionId].map { Array($0.values) } ?? [] }
        for bell in bells { bell.ring() }
    }

    /// A doorbell rung by every notice about `sessionId`, until `unregister`.
    func register(_ sessionId: String) -> (UUID, Doorbell) {
        let key = UUID(), bell = Doorbell()
        doorbells.withLock { $0[sessionId, default: [:]][key] = bell }
        return (key, bell)
    }

    func unregister(_ sessionId: String, _ key: UUID) {
        doorbells.withLock { bells in
            bells[sessionId]?.removeValue(forKey: key)
            if bells[sessionId]?.isEmpty == true { bells.removeValue(forKey: sessionId) }
        }
    }

    /// `POST /sessions/{id}/cancel` for a query that does not run here: asks whichever responder
    /// runs it to cancel it, and returns at once (as a local cancel does). False when the store
    /// says nothing runs.
    func cancelElsewhere(_ sessionId: String) async throws -> Bool {
        guard let queryId = try await bus.runningQuery(of: sessionId) else { return false }
        let notice = SessionNotice(kind: .cancel, sessionId: sessionId, queryId: queryId, instance: bus.instance)
        try await bus.publish(notice)
        // A notice is lost if the other responder's listener was reconnecting when it was sent:
        // it is sent again until the store says that query is over, for as long as clear and
        // DELETE would wait. The client has its answer already, as with a local cancel.
        let (key, bell) = register(sessionId)
        Task {
            defer { self.unregister(sessionId, key) }
            let deadline = ContinuousClock.now + self.stopTimeout
            var sentAt = ContinuousClock.now
            while ContinuousClock.now < deadline {
                await bell.wait(timeout: .milliseconds(250))
                let running: String?
                do { running = try await self.bus.runningQuery(of: sessionId) } catch { continue }
                guard running == queryId else { return }
                if ContinuousClock.now - sentAt > self.recheckInterval {
                    try? await self.bus.publish(notice)
                    sentAt = ContinuousClock.now
                }
            }
        }
        return true
    }

    /// Clear and DELETE of a session whose query runs elsewhere: asks that responder to stop
    /// it (and drop the session from its memory), then waits until the store says nothing runs,
    /// as a local clear waits for its own query. Returns whether anything ran. Throws
    /// `storeUnavailable` (503, try again) when it did not stop within `stopTimeout`.
    func stopElsewhere(_ sessionId: String, kind: SessionNotice.Kind) async throws -> Bool {
        let (key, bell) = register(sessionId)
        defer { unregister(sessionId, key) }
        guard var running = try await bus.runningQuery(of: sessionId) else { return false }
        // Its commits notify only a session someone watches; the query's last one wakes this
        // wait. (One that lands before the watch is seen by the re-read below, at the latest
        // after the bell's timeout.)
        try await bus.watch(sessionId, for: stopTimeout + watchDuration)
        let deadline = ContinuousClock.now + stopTimeout
        var published: (query: String, at: ContinuousClock.Instant)?
        while true {
            // Sent again now and then: a notice is lost if the other responder's listener was
            // reconnecting, and a queued query may have started there meanwhile.
            if published?.query != running || ContinuousClock.now - published!.at > recheckInterval {
                try await bus.publish(SessionNotice(kind: kind, sessionId: sessionId, queryId: running, instance: bus.instance))
                published = (running, ContinuousClock.now)
            }
            guard ContinuousClock.now < deadline else {
                throw SessionError.storeUnavailable(
                    reason: "query \(running) runs on another responder and did not stop within \(stopTimeout); "
                        + "its responder may have died, in which case it is closed once its lease expires; try again")
            }
            await bell.wait(timeout: .milliseconds(250))
            guard let next = try await bus.runningQuery(of: sessionId) else { return true }
            running = next
        }
    }

    /// Follows `sessionId`'s events through the store from after `seq` until no query runs on
    /// it anywhere. The doorbell is in place, and the session watched, before the first read,
    /// so no commit is missed (docs/SCALING.md §1).
    public func follow(_ sessionId: String, after seq: Int64) -> StoredEventFollower {
        let (key, bell) = register(sessionId)
        return StoredEventFollower(sessionId: sessionId, after: seq, remote: self, doorbell: bell, key: key)
    }
}

/// The session manager a `RemoteQueries` acts for, held weakly (it holds the `RemoteQueries`).
struct WeakManager {
    weak var manager: SessionManager?
}
