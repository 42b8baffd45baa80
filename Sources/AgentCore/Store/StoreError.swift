import Foundation

/// Why a snapshot-store operation failed, with enough context for a log line and an HTTP
/// error body. `isStorageFailure` separates "the disk is in trouble" (health goes degraded,
/// retry later) from "the caller asked for something impossible" (a bug or a race).
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// SQLite failed while doing `operation`; `code` is the extended SQLite result code.
    case sqlite(operation: String, code: Int32, message: String, sql: String?, storageFailure: Bool)
    /// `PRAGMA quick_check` found damage when opening.
    case corrupt(path: String, details: String)
    /// The database was written by a newer version of this program.
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// The database file was deleted or replaced while open; writes would go to a ghost.
    case databaseFileMissing(path: String)
    /// SQLite could open the file for reading only (permissions, immutable attribute, read-only mount).
    case readOnly(path: String)
    /// Another process holds the file (the store is opened exclusively).
    case inUse(path: String)
    case sessionNotFound(String)
    case sessionExists(String)
    /// A history update starts past the end of the stored history (messages would be lost).
    case historyGap(sessionId: String, from: Int, stored: Int)
    /// Events must carry seqs above everything already stored for the session.
    case seqNotIncreasing(sessionId: String, seq: Int64, lastSeq: Int64)
    /// A stored row could not be decoded (written by a buggy or foreign version).
    case undecodable(sessionId: String, what: String, details: String)
    case closed
    /// Another responder's query holds the session's lease (`owner`, until it ends or expires).
    case leaseHeld(sessionId: String, owner: String, queryId: String)
    /// A commit from a responder that no longer holds the session's lease, or whose copy of the
    /// session is older than the store's: refused, nothing written.
    case leaseLost(sessionId: String, reason: String)

    public var isStorageFailure: Bool {
        switch self {
        case .sqlite(_, _, _, _, let storageFailure): return storageFailure
        case .databaseFileMissing, .readOnly, .corrupt, .inUse: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let operation, let code, let message, let sql, _):
            let statement = sql.map { " [in: \($0.prefix(200))]" } ?? ""
            return "snapshot store: \(operation) failed: SQLite error \(code): \(message)\(statement)"
        case .corrupt(let path, let details):
            return "snapshot store \(path) is corrupt (\(details)); restore it from a backup or move it away"
        case .schemaTooNew(let path, let found, let supported):
            return "snapshot store \(path) has schema version \(found), this build supports up to \(supported); upgrade agent-fcgi"
        case .databaseFileMissing(let path):
            return "snapshot store \(path) was deleted or replaced while open; restart agent-fcgi to recreate it"
        case .readOnly(let path):
            return "snapshot store \(path) is read-only for this process; make the file and its directory writable"
        case .inUse(let path):
            return "snapshot store \(path) is in use by another process (a second agent-fcgi on the same storage.path?); stop it or use another path"
        case .sessionNotFound(let id):
            return "snapshot store: session \(id) not found"
        case .sessionExists(let id):
            return "snapshot store: session \(id) already exists"
        case .historyGap(let sessionId, let from, let stored):
            return "snapshot store: session \(sessionId): history update from index \(from) but only \(stored) messages are stored"
        case .seqNotIncreasing(let sessionId, let seq, let lastSeq):
            return "snapshot store: session \(sessionId): event seq \(seq) is not above the last stored seq \(lastSeq)"
        case .undecodable(let sessionId, let what, let details):
            return "snapshot store: session \(sessionId): cannot decode stored \(what): \(details)"
        case .closed:
            return "snapshot store is closed"
        case .leaseHeld(let sessionId, let owner, let queryId):
            return "session \(sessionId) is running query \(queryId) on responder \(owner)"
        case .leaseLost(let sessionId, let reason):
            return "session \(sessionId): this responder no longer holds the session (\(reason)); nothing was written"
        }
    }

    init(_ error: SQLiteError, operation: String) {
        self = .sqlite(operation: operation, code: error.code, message: error.message, sql: error.sql,
                       storageFailure: error.isStorageFailure)
    }
}
