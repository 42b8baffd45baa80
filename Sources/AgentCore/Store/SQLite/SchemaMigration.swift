/// One forward step of the snapshot schema. Migrations run in order, each in its own
/// transaction together with the version bump, so a crash mid-upgrade leaves the previous
/// version intact. Never edit a released migration: add the next one.
struct SchemaMigration: Sendable {
    var version: Int
    var name: String
    var script: String

    /// Every migration, oldest first; the last one's version is the current schema.
    static let all: [SchemaMigration] = [initial, runningQueryMarker, sessionCounts, sessionModel, clearedUsageAndTitle,
                                           versionAndLease, pendingApprovals, approvalDeadline]

    static var currentVersion: Int { all.last?.version ?? 0 }

    /// v1: sessions, their history and their event log. Times are seconds since 1970 (REAL,
    /// exact for `Date`); messages, usage and events are JSON text.
    static let initial = SchemaMigration(version: 1, name: "initial", script: """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY NOT NULL,
            owner TEXT,
            created_at REAL NOT NULL,
            last_used_at REAL NOT NULL,
            system_prompt TEXT,
            usage TEXT NOT NULL,
            message_count INTEGER NOT NULL DEFAULT 0,
            last_seq INTEGER NOT NULL DEFAULT 0,
            event_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX sessions_by_creation ON sessions (created_at, id);
        CREATE INDEX sessions_by_owner ON sessions (owner, created_at, id);
        CREATE INDEX sessions_by_last_use ON sessions (last_used_at);
        CREATE TABLE messages (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (session_id, idx)
        ) WITHOUT ROWID;
        CREATE TABLE events (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            query_id TEXT NOT NULL,
            type TEXT NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE store_probe (id INTEGER PRIMARY KEY, payload BLOB);
        """)

    /// v2: the running-query marker crash recovery looks for. The partial index keeps
    /// start-up recovery proportional to the queries that were running, not to the store.
    static let runningQueryMarker = SchemaMigration(version: 2, name: "running query marker", script: """
        ALTER TABLE sessions ADD COLUMN running_query_id TEXT;
        CREATE INDEX sessions_running ON sessions (running_query_id) WHERE running_query_id IS NOT NULL;
        """)

    /// v3: session counts kept by triggers, so `/health`'s `active_sessions` reads one row
    /// instead of counting the table on every probe. Key `*` counts every session, `o:<owner>`
    /// an owner's, `-` those without one. Counting the existing rows happens once, here.
    static let sessionCounts = SchemaMigration(version: 3, name: "session counts", script: """
        CREATE TABLE session_counts (key TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO session_counts (key, n) SELECT '*', count(*) FROM sessions;
        INSERT INTO session_counts (key, n) SELECT coalesce('o:' || owner, '-'), count(*) FROM sessions GROUP BY owner;
        CREATE TRIGGER sessions_counted AFTER INSERT ON sessions BEGIN
            INSERT INTO session_counts (key, n) VALUES ('*', 1) ON CONFLICT (key) DO UPDATE SET n = n + 1;
            INSERT INTO session_counts (key, n) VALUES (coalesce('o:' || NEW.owner, '-'), 1)
                ON CONFLICT (key) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER sessions_uncounted AFTER DELETE ON sessions BEGIN
            UPDATE session_counts SET n = n - 1 WHERE key IN ('*', coalesce('o:' || OLD.owner, '-'));
        END;
        """)

    /// v4: a session's default model (`POST /sessions` `model`); NULL, the configured default,
    /// for every session created before. Messages need no migration: content parts are an
    /// optional field of the message JSON, absent from older rows.
    static let sessionModel = SchemaMigration(version: 4, name: "session model", script: """
        ALTER TABLE sessions ADD COLUMN model TEXT;
        """)

    /// v5: `cleared_usage`, what clears set aside (a clear resets `usage`, the reference's
    /// contract, while the lifetime total budgets count is `cleared_usage` + `usage`; NULL means
    /// nothing set aside), and `title`, the first user message that listings show. Existing
    /// sessions get their title from their first stored message when it is the user's (not a
    /// compaction summary), on one line and cut at 80 characters as `SessionTitle` does (runs of
    /// spaces are kept); one pass over the table, here.
    static let clearedUsageAndTitle = SchemaMigration(version: 5, name: "cleared usage and title", script: """
        ALTER TABLE sessions ADD COLUMN cleared_usage TEXT;
        ALTER TABLE sessions ADD COLUMN title TEXT;
        UPDATE sessions SET title = (
            SELECT CASE WHEN length(line) > 80 THEN substr(line, 1, 79) || '…' ELSE line END
            FROM (SELECT trim(replace(replace(replace(json_extract(json, '$.content'), char(13), ' '), char(10), ' '),
                                      char(9), ' ')) AS line
                  FROM messages
                  WHERE session_id = sessions.id AND idx = 0 AND json_extract(json, '$.role') = 'user'
                    AND json_extract(json, '$.content') NOT LIKE 'Summary of the earlier conversation%')
            WHERE line <> '');
        """)

    /// v6: the session's version (bumped by every write that changes it, so a responder can
    /// tell its copy in memory is stale) and the running query's lease (owner, expiry as seconds
    /// since 1970). Existing rows start at version 1 with no lease: a marker without a lease is
    /// closed as interrupted by the next start-up or sweep.
    static let versionAndLease = SchemaMigration(version: 6, name: "session version and lease", script: """
        ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE sessions ADD COLUMN lease_owner TEXT;
        ALTER TABLE sessions ADD COLUMN lease_expires_at REAL;
        """)

    /// v7: the tool calls a paused turn waits on (`agent.approval`), as one JSON array with
    /// their partial decisions; NULL (every existing session) means none. A column, not a table:
    /// it is read and written whole with the session row, in the same transaction as the history
    /// whose last turn it belongs to.
    static let pendingApprovals = SchemaMigration(version: 7, name: "pending approvals", script: """
        ALTER TABLE sessions ADD COLUMN pending_approvals TEXT;
        """)

    /// v8: the earliest deadline among a paused turn's waiting calls, indexed, so the cleanup loop
    /// times out calls of sessions no responder holds in memory without reading every row.
    /// Filled for sessions already waiting from their stored calls.
    static let approvalDeadline = SchemaMigration(version: 8, name: "approval deadline", script: """
        ALTER TABLE sessions ADD COLUMN approval_deadline REAL;
        CREATE INDEX sessions_approval_deadline ON sessions (approval_deadline) WHERE approval_deadline IS NOT NULL;
        UPDATE sessions SET approval_deadline = (
            SELECT min(json_extract(call.value, '$.expires_at')) FROM json_each(sessions.pending_approvals) AS call
            WHERE json_extract(call.value, '$.decision') IS NULL)
        WHERE pending_approvals IS NOT NULL;
        """)
}
