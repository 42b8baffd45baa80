/// One forward step of the PostgreSQL schema, applied in one transaction together with the
/// version bump (PostgreSQL DDL is transactional: a failed upgrade leaves the previous version
/// intact). Never edit a released migration: add the next one.
///
/// The layout mirrors the SQLite store's (`SchemaMigration`), so the two backends answer alike:
/// times are float8 seconds since 1970 (exact for `Date`, and the listing cursor compares them
/// exactly); messages, usage and events are the JSON text the session layer wrote; ids sort
/// bytewise (`COLLATE "C"`), as in SQLite.
struct PostgresMigration: Sendable {
    var version: Int
    var name: String
    var script: String

    /// Every migration, oldest first; the last one's version is the current schema.
    static let all: [PostgresMigration] = [initial, versionAndLease, pendingApprovals, watchers, approvalDeadline]

    static var currentVersion: Int { all.last?.version ?? 0 }

    /// v1: sessions (with the running-query marker crash recovery looks for), history, the
    /// event log, and session counts kept by a trigger. The counts are spread over 16 rows per
    /// key, chosen by the session id, so concurrent creates and deletes from many responders do
    /// not queue on one hot row; a count reads at most 16 rows, whatever the store's size.
    /// The system prompt and the title (the first user message, shortened) are stored as JSON
    /// strings: PostgreSQL text cannot hold NUL, JSON escapes it. `cleared_usage` is what clears
    /// set aside (NULL: nothing), `model` the session's default model (NULL: the configured one).
    /// These three came with SQLite schema v4/v5; they are part of v1 here because no released
    /// agent-fcgi ever wrote a PostgreSQL database without them.
    static let initial = PostgresMigration(version: 1, name: "initial", script: """
        CREATE TABLE sessions (
            id text COLLATE "C" PRIMARY KEY,
            owner text COLLATE "C",
            created_at double precision NOT NULL,
            last_used_at double precision NOT NULL,
            system_prompt_json text,
            usage text NOT NULL,
            message_count integer NOT NULL DEFAULT 0,
            last_seq bigint NOT NULL DEFAULT 0,
            event_count integer NOT NULL DEFAULT 0,
            running_query_id text,
            model text,
            cleared_usage text,
            title_json text
        );
        CREATE INDEX sessions_by_creation ON sessions (created_at, id);
        CREATE INDEX sessions_by_owner ON sessions (owner, created_at, id);
        CREATE INDEX sessions_by_last_use ON sessions (last_used_at);
        CREATE INDEX sessions_running ON sessions (running_query_id) WHERE running_query_id IS NOT NULL;
        CREATE TABLE messages (
            session_id text COLLATE "C" NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            idx integer NOT NULL,
            json text NOT NULL,
            PRIMARY KEY (session_id, idx)
        );
        CREATE TABLE events (
            session_id text COLLATE "C" NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq bigint NOT NULL,
            query_id text NOT NULL,
            type text NOT NULL,
            json text NOT NULL,
            PRIMARY KEY (session_id, seq)
        );
        CREATE TABLE session_counts (
            key text COLLATE "C" NOT NULL,
            shard smallint NOT NULL,
            n bigint NOT NULL,
            PRIMARY KEY (key, shard)
        );
        CREATE FUNCTION session_counts_shard(id text) RETURNS smallint LANGUAGE sql IMMUTABLE
            AS $$ SELECT (abs(hashtext(id)) % 16)::smallint $$;
        CREATE FUNCTION session_counted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                -- '*' before the owner's key, in the same order as the delete below takes them
                -- (the key index sorts '*' < '-' < 'o:...'), so two transactions cannot deadlock.
                INSERT INTO session_counts (key, shard, n)
                VALUES ('*', session_counts_shard(NEW.id), 1),
                       (coalesce('o:' || NEW.owner, '-'), session_counts_shard(NEW.id), 1)
                ON CONFLICT (key, shard) DO UPDATE SET n = session_counts.n + 1;
                RETURN NEW;
            END IF;
            UPDATE session_counts SET n = n - 1
            WHERE key IN ('*', coalesce('o:' || OLD.owner, '-')) AND shard = session_counts_shard(OLD.id);
            RETURN OLD;
        END $$;
        CREATE TRIGGER sessions_counted AFTER INSERT OR DELETE ON sessions
            FOR EACH ROW EXECUTE FUNCTION session_counted();
        CREATE TABLE store_probe (id integer PRIMARY KEY, at double precision NOT NULL);
        """)

    /// v2: the session's version (bumped by every write that changes it, so a responder can tell
    /// its copy in memory is stale) and the running query's lease: the responder running it
    /// (`server.instance_id`) and when the lease expires, in the database server's clock (seconds
    /// since 1970), so responders on hosts with skewed clocks agree. Existing rows start at
    /// version 1 with no lease: a marker without one counts as expired.
    static let versionAndLease = PostgresMigration(version: 2, name: "session version and lease", script: """
        ALTER TABLE sessions ADD COLUMN version bigint NOT NULL DEFAULT 1,
            ADD COLUMN lease_owner text,
            ADD COLUMN lease_expires_at double precision;
        """)

    /// v3: the tool calls a paused turn waits on (`agent.approval`), as in SQLite schema v7: one
    /// JSON array with their partial decisions, NULL meaning none, written in the commit that
    /// stores the history it belongs to.
    static let pendingApprovals = PostgresMigration(version: 3, name: "pending approvals", script: """
        ALTER TABLE sessions ADD COLUMN pending_approvals text;
        """)

    /// v4: until when (the server's clock, seconds since 1970) a responder other than the one
    /// running the session's query waits for its commits: a follower of its events, a clear or
    /// DELETE waiting for its end (`SessionBus.watch`). A commit that appends events NOTIFYs
    /// only while this lies ahead; NULL: nobody watches. A NOTIFY holds a database-wide lock from
    /// just before its commit to the end of the WAL flush, so notifying every commit would
    /// serialize them all (docs/SCALING.md §3).
    static let watchers = PostgresMigration(version: 4, name: "session watchers", script: """
        ALTER TABLE sessions ADD COLUMN watched_until double precision;
        """)

    /// v5: the earliest deadline among a paused turn's waiting calls, indexed, as in SQLite
    /// schema v8; filled for sessions already waiting from their stored calls.
    static let approvalDeadline = PostgresMigration(version: 5, name: "approval deadline", script: """
        ALTER TABLE sessions ADD COLUMN approval_deadline double precision;
        CREATE INDEX sessions_approval_deadline ON sessions (approval_deadline) WHERE approval_deadline IS NOT NULL;
        UPDATE sessions SET approval_deadline = (
            SELECT min((call ->> 'expires_at')::double precision) FROM json_array_elements(pending_approvals::json) AS call
            WHERE call -> 'decision' IS NULL OR json_typeof(call -> 'decision') = 'null')
        WHERE pending_approvals IS NOT NULL;
        """)
}
