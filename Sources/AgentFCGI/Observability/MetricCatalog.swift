/// Every metric the process exports, with the help text `/metrics` prints for it and, for
/// histograms, the buckets. One list, so each series is documented once (docs/DEPLOYMENT.md
/// names the same ones) and a name can never be registered with two different help texts,
/// which swift-prometheus treats as a fatal error.
///
/// Labels are bounded by construction: routes are templates, models and tools come from the
/// configuration, outcomes and statuses are small fixed sets.
enum MetricCatalog {
    struct Entry: Sendable {
        let name: String
        let help: String
        var buckets: [Duration]? = nil
    }

    /// Request latency: fast JSON answers up to whole streams (an hour, nginx's stream timeout).
    static let requestBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                                             .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                                             .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
                                             .seconds(3600)]
    /// Model calls take seconds to minutes.
    static let modelCallBuckets: [Duration] = [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                               .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
                                               .seconds(60), .seconds(120), .seconds(300), .seconds(600)]
    /// Tools run from milliseconds (built-ins) to their timeout (a minute by default).
    static let toolCallBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                                              .milliseconds(500), .seconds(1), .seconds(5), .seconds(15),
                                              .seconds(30), .seconds(60), .seconds(300)]
    /// SQLite commits in WAL mode: sub-millisecond normally, seconds when the disk struggles.
    static let storeBuckets: [Duration] = [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                                           .milliseconds(2), .milliseconds(5),
                                           .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                           .milliseconds(250), .seconds(1), .seconds(5)]

    static let all: [Entry] = [
        // Responder (AgentFCGI).
        Entry(name: "agent_fcgi_http_requests_total",
              help: "Requests answered, by method, route template and status."),
        Entry(name: "agent_fcgi_http_request_duration_seconds",
              help: "Time from accept to the last byte written (whole stream for SSE), by method, route and status.",
              buckets: requestBuckets),
        Entry(name: "agent_fcgi_http_requests_in_flight", help: "Requests being handled right now."),
        Entry(name: "agent_fcgi_workers_busy", help: "Worker threads handling a request."),
        Entry(name: "agent_fcgi_workers_idle", help: "Requests that could start now: server.workers minus the busy ones."),
        Entry(name: "agent_fcgi_workers_started",
              help: "Worker threads started so far; more start as connections need them, up to server.workers."),
        Entry(name: "agent_fcgi_workers_all_busy_total",
              help: "Times a request took the last idle worker (the next one would have queued)."),
        Entry(name: "agent_fcgi_active_streams", help: "Server-sent event streams being written."),
        Entry(name: "agent_fcgi_stream_events_total", help: "Server-sent events written to clients, by route."),
        Entry(name: "agent_fcgi_client_aborts_total", help: "Responses the client went away from before their end."),
        Entry(name: "agent_fcgi_write_timeouts_total",
              help: "Clients cut off after they stopped reading for write_timeout_seconds."),
        Entry(name: "agent_fcgi_slow_requests_total",
              help: "Non-streaming requests slower than slow_request_seconds."),
        Entry(name: "agent_fcgi_read_timeouts_total",
              help: "Connections dropped after the peer sent nothing for read_timeout_seconds mid-request."),
        Entry(name: "agent_fcgi_rejected_connections_total",
              help: "Connections closed unanswered for malformed FastCGI input (or a peer outside FCGI_WEB_SERVER_ADDRS)."),
        Entry(name: "agent_fcgi_uptime_seconds", help: "Seconds since the process started."),
        Entry(name: "agent_fcgi_build_info", help: "Always 1; the version label says which build runs."),
        // Agent (AgentCore).
        Entry(name: "agent_llm_call_duration_seconds",
              help: "Model calls by model and outcome (ok, error, cancelled); _count is the number of calls.",
              buckets: modelCallBuckets),
        Entry(name: "agent_llm_retries_total",
              help: "Model calls retried by the model client (model.max_attempts), by model, layer (always transport) and reason."),
        Entry(name: "agent_llm_tokens_total", help: "Tokens by model and kind (prompt, prompt_cached, completion)."),
        Entry(name: "agent_llm_cost_dollars_total", help: "Cost in dollars by model, from the price table."),
        Entry(name: "agent_tool_call_duration_seconds",
              help: "Tool calls by tool and status; _count is the number of calls.", buckets: toolCallBuckets),
        Entry(name: "agent_compactions_total", help: "History compactions, forced (context overflow) or not."),
        // MCP servers (tools.mcp).
        Entry(name: "agent_mcp_call_duration_seconds",
              help: "MCP tool calls by server and outcome (ok, error, cancelled); _count is the number of calls.",
              buckets: toolCallBuckets),
        Entry(name: "agent_mcp_server_up", help: "1 while the MCP server is connected, 0 while it is starting or down."),
        Entry(name: "agent_mcp_server_tools", help: "Tools the MCP server offers (its last known list, after include/exclude)."),
        Entry(name: "agent_mcp_server_restarts_total",
              help: "Connection attempts after the first: MCP server processes restarted or HTTP sessions reopened."),
        // Sessions and store.
        Entry(name: "agent_sessions_in_memory", help: "Sessions held in memory."),
        Entry(name: "agent_sessions_stored", help: "Sessions in the snapshot store."),
        Entry(name: "agent_sessions_created_total", help: "Sessions created."),
        Entry(name: "agent_sessions_loaded_total", help: "Sessions loaded back from the store into memory."),
        Entry(name: "agent_sessions_evicted_total",
              help: "Idle sessions unloaded from memory to stay under max_sessions (they stay stored)."),
        Entry(name: "agent_sessions_expired_total", help: "Sessions deleted after session_timeout_minutes idle."),
        Entry(name: "agent_session_cache_reloads_total",
              help: "Sessions in memory found changed by another responder (version differs) and reloaded from the store."),
        Entry(name: "agent_lease_renewals_total", help: "Rounds of lease renewals for the queries running on this responder."),
        Entry(name: "agent_lease_takeovers_total",
              help: "Queries whose lease expired (their responder died) closed as interrupted by this responder's sweeper."),
        Entry(name: "agent_leases_lost_total",
              help: "Queries running here stopped because their lease was lost (expired and swept, or the session deleted)."),
        Entry(name: "agent_store_pool_connections", help: "PostgreSQL connections (pool threads) of the store."),
        Entry(name: "agent_store_pool_in_use", help: "PostgreSQL pool threads running a store operation now."),
        Entry(name: "agent_store_commit_duration_seconds",
              help: "Snapshot store step commits as the session waits for them (until its task runs again), by outcome.",
              buckets: storeBuckets),
        Entry(name: "agent_store_write_duration_seconds",
              help: "Step commits inside the store: from reaching it (queue wait included) to durable, successful ones only.",
              buckets: storeBuckets),
        // Several responders on one PostgreSQL store (docs/SCALING.md).
        Entry(name: "agent_store_notifications_sent_total",
              help: "Notices sent to the other responders on the store (PostgreSQL NOTIFY), by kind (events, cancel, clear, delete)."),
        Entry(name: "agent_store_notifications_received_total",
              help: "Notices received from the store's responders, this one included (PostgreSQL LISTEN), by kind."),
        Entry(name: "agent_store_listener_reconnects_total",
              help: "Times the PostgreSQL listener connection was lost and made again (notices sent meanwhile are lost)."),
    ]

    static let byName: [String: Entry] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Help for a name; empty (no HELP line) for a metric a dependency registers on its own.
    static func help(_ name: String) -> String { byName[name]?.help ?? "" }

    static func buckets(_ name: String) -> [Duration] { byName[name]?.buckets ?? requestBuckets }
}
