import CSQLite
import Foundation
import Synchronization

/// `PRAGMA quick_check` of the store file, in the background, on a thread and connection of
/// its own: it reads every page (3.2 s for 133,000 sessions), which at start-up would keep the
/// responder from listening, and on the SQLite thread would hold up every commit meanwhile.
///
/// The store's own connection holds the file exclusively, so the check opens it read-only with
/// `immutable=1`: no locks, and only the database file is read, never the WAL. That file is
/// exactly what the last checkpoint left, and stays so while the check runs because the store
/// suspends checkpoints until it is told the check is over (`SnapshotDatabase.resumeCheckpoints`):
/// in WAL mode only a checkpoint writes the database file. So the check never races a writer.
///
/// Threading: `start` spawns the thread `sqlite-check`; `report` is readable from anywhere;
/// `stop` (from the store's close) interrupts the check and waits for its thread to end, before
/// the store's connection closes and checkpoints.
final class SQLiteIntegrityCheck: Sendable {
    /// The checker's raw handle, for `sqlite3_interrupt` (which SQLite allows from any thread)
    /// while the connection is open; the lock keeps it from closing during the call.
    private struct Running: @unchecked Sendable {
        var handle: OpaquePointer?
        var ended = false
    }

    private let state = Mutex(IntegrityCheckReport(state: .running))
    private let running = Mutex(Running())
    private let finished = DispatchSemaphore(value: 0)

    var report: IntegrityCheckReport {
        state.withLock { $0 }
    }

    /// Starts checking `path`; `onEnd` runs on the checker's thread once it is over, however it ended.
    func start(path: String, onEnd: @escaping @Sendable (IntegrityCheckReport) -> Void) {
        let thread = Thread { [self] in
            Thread.current.name = "sqlite-check"
            let report = check(path)
            // `onEnd` first: once `report` shows the end, what `onEnd` queued is queued.
            onEnd(report)
            state.withLock { $0 = report }
            finished.signal()
        }
        thread.start()
    }

    /// Interrupts a check still running and waits until its thread is done with the file.
    @available(*, noasync, message: "waits for the checker thread; call from the SQLite thread")
    func stop() {
        let wait = running.withLock { running -> Bool in
            if let handle = running.handle { sqlite3_interrupt(handle) }
            return !running.ended
        }
        if wait {
            finished.wait()
            finished.signal()
        }
    }

    @available(*, noasync, message: "reads the whole file")
    private func check(_ path: String) -> IntegrityCheckReport {
        let started = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = (ContinuousClock.now - started).components
            return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        }
        defer { running.withLock { $0.ended = true } }
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: Self.immutableURI(path), flags: [.readOnly, .uri, .noMutex])
            let handle = try connection.rawHandle()
            running.withLock { $0.handle = handle }
        } catch {
            return IntegrityCheckReport(state: .failed, durationSeconds: seconds(), problem: "\(error)")
        }
        defer {
            running.withLock { $0.handle = nil }
            connection.close()
        }
        do {
            let findings = try connection.rows("PRAGMA quick_check") { $0.text(0) }
            if findings == ["ok"] { return IntegrityCheckReport(state: .passed, durationSeconds: seconds()) }
            return IntegrityCheckReport(state: .failed, durationSeconds: seconds(),
                                        problem: StoreError.corrupt(path: path, details: findings.prefix(5).joined(separator: "; ")).description)
        } catch let error as SQLiteError where error.primaryCode == SQLITE_INTERRUPT {
            return IntegrityCheckReport(state: .interrupted, durationSeconds: seconds())
        } catch let error as SQLiteError {
            return IntegrityCheckReport(state: .failed, durationSeconds: seconds(),
                                        problem: StoreError.corrupt(path: path, details: error.message).description)
        } catch {
            return IntegrityCheckReport(state: .failed, durationSeconds: seconds(), problem: "\(error)")
        }
    }

    /// A `file:` URI for `path`, with the characters a URI gives meaning to escaped.
    static func immutableURI(_ path: String) -> String {
        var escaped = ""
        for scalar in path.unicodeScalars {
            switch scalar {
            case "%": escaped += "%25"
            case "?": escaped += "%3f"
            case "#": escaped += "%23"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "file:" + escaped + "?immutable=1"
    }
}
