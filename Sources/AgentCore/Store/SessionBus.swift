import Foundation

/// What arrives from a `SessionBus`.
public enum SessionBusDelivery: Sendable, Hashable {
    case notice(SessionNotice)
    /// The bus was disconnected and is listening again: notices sent meanwhile are lost, so
    /// whoever waits for one looks at the store again.
    case resumed
}

/// Wake-ups between responders that share one store (PostgreSQL LISTEN/NOTIFY). Only a store
/// several responders share has one: a SQLite file belongs to one responder, whose sessions
/// all run in its own memory, so it has none and everything stays local.
///
/// Notices are wake-ups, not data: they may be lost (a reconnect, see `resumed`) and arrive
/// in any order, so a receiver always reads the truth from the store.
public protocol SessionBus: Sendable {
    /// This responder's identity, sent with every notice (`PostgresSessionStore.Settings.instance`,
    /// default `hostname:pid`).
    var instance: String { get }

    /// Sends `notice` to every responder listening, this one included. Throws a store error
    /// when the database cannot be reached.
    func publish(_ notice: SessionNotice) async throws

    /// The query the store says runs on `sessionId` (its running marker), whichever responder
    /// runs it; nil when none does or the session is not stored. One indexed read.
    func runningQuery(of sessionId: String) async throws -> String?

    /// Tells the responders running `sessionId`'s queries that this one waits for its commits,
    /// from now for `duration` (call again to extend): until then every commit that appends
    /// events to it sends an `events` notice. Commits to a session nobody watches send none (on
    /// PostgreSQL a NOTIFY serializes commits). Once this returns, every later commit notifies,
    /// and every earlier one is visible to reads. One indexed write; nothing when not stored.
    func watch(_ sessionId: String, for duration: Duration) async throws

    /// Starts delivering to `handler`, on the bus's own thread: the handler must not block
    /// (hand the work to a task). One handler per bus; a second call replaces the first.
    func listen(_ handler: @escaping @Sendable (SessionBusDelivery) -> Void)
}
