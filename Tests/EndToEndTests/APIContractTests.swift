import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// API contract through nginx.
///
/// API.md §1 and §3 through real nginx: every endpoint's JSON, and FastAPI's error bodies byte for byte.
@Suite struct APIContractTests {
    static func isUUID(_ text: String?) -> Bool {
        guard let text else { return false }
        return text.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) != nil
    }

    /// A session's lifecycle: create, list, read, usage, clear, delete, then 404.
    @Test func sessionLifecycle() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let created = try await agent.postJSON("/sessions", [:])
        #expect(created.status == 200, "\(agent.logs)")
        #expect(created.headers["content-type"] == "application/json")
        let createdJSON = try created.json()
        let id = try #require(createdJSON["session_id"]?.stringValue)
        #expect(Self.isUUID(id), "session_id is not a UUID: \(id)")
        #expect(Set(createdJSON.objectValue?.keys ?? [:].keys) == ["session_id", "created_at"])
        #expect(createdJSON["created_at"]?.stringValue.flatMap(Timestamp.parse) != nil)

        let list = try await agent.client.get("/sessions").json()
        let listed = try #require(list["sessions"]?.arrayValue)
        #expect(listed.count == 1)
        #expect(Set(listed.first?.objectValue?.keys ?? [:].keys) == ["session_id", "created_at", "last_used_at", "message_count",
                                                                       "title"])
        #expect(listed.first?["session_id"]?.stringValue == id)
        #expect(listed.first?["message_count"] == 0)
        #expect(listed.first?["title"] == .null, "no message yet, so no title")

        let read = try await agent.client.get("/sessions/\(id)").json()
        #expect(Set(read.objectValue?.keys ?? [:].keys) == ["session_id", "created_at", "last_used_at", "message_count", "usage",
                                                           "lifetime_usage", "pending_approvals"])
        #expect(read["usage"] == Self.zeroUsage, "a fresh session has no usage: \(read)")
        #expect(read["lifetime_usage"] == Self.zeroUsage, "nor any over its life: \(read)")
        #expect(read["created_at"] == createdJSON["created_at"])

        let usage = try await agent.client.get("/agent/usage/\(id)")
        #expect(try usage.json() == ["session_id": .string(id), "usage": Self.zeroUsage])

        let cleared = try await agent.client.request("POST", "/sessions/\(id)/clear", body: Data("not json".utf8))
        #expect(cleared.status == 200)
        #expect(cleared.text == #"{"session_id":"\#(id)","cleared":true}"#)

        let cancelled = try await agent.client.request("POST", "/sessions/\(id)/cancel")
        #expect(cancelled.text == #"{"session_id":"\#(id)","cancelled":false}"#, "nothing runs, so nothing is cancelled")

        let deleted = try await agent.client.request("DELETE", "/sessions/\(id)")
        #expect(deleted.status == 200)
        #expect(deleted.text == #"{"deleted":true,"session_id":"\#(id)"}"#)

        for (method, path) in [("GET", "/sessions/\(id)"), ("DELETE", "/sessions/\(id)"), ("GET", "/agent/usage/\(id)"),
                               ("POST", "/sessions/\(id)/clear"), ("POST", "/sessions/\(id)/cancel"),
                               ("GET", "/sessions/\(id)/messages")] {
            let gone = try await agent.client.request(method, path)
            #expect(gone.status == 404, "\(method) \(path)")
            #expect(gone.text == #"{"detail":"Session \#(id) not found"}"#, "\(method) \(path): \(gone.text)")
        }
        #expect(try await agent.client.get("/sessions").json() == ["sessions": []])
    }

    /// POST /agent/query answers with the final text and usage; a chosen id creates that session.
    @Test func blockingQuery() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let answer = try await agent.postJSON("/agent/query", ["message": "hello there", "stream": true, "extra": [1, 2]])
        #expect(answer.status == 200, "\(answer.text)\n\(agent.logs)")
        let json = try answer.json()
        #expect(Set(json.objectValue?.keys ?? [:].keys) == ["session_id", "response", "usage"])
        #expect(json["response"] == "echo: hello there")
        #expect(Self.isUUID(json["session_id"]?.stringValue))
        let usage = try #require(json["usage"])
        let prompt = try #require(usage["total_prompt_tokens"]?.intValue)
        let completion = try #require(usage["total_completion_tokens"]?.intValue)
        #expect(prompt > 0 && completion > 0)
        #expect(usage["total_tokens"]?.intValue == prompt + completion)
        let model = try #require(usage["by_model"]?["fake-model"], "usage by model: \(usage)")
        #expect(model["invocations"] == 1)
        #expect(model["model"] == "fake-model")
        #expect(model["cost"] == .null, "an unpriced model costs null, never 0")
        #expect(usage["total_cost"] == .null)

        let chosen = "client.chosen:id-1"
        let first = try await agent.postJSON("/agent/query", ["message": "one", "session_id": .string(chosen)])
        #expect(try first.json()["session_id"]?.stringValue == chosen)
        let second = try await agent.postJSON("/agent/query", ["message": "two", "session_id": .string(chosen)])
        #expect(try second.json()["response"] == "echo: two")
        let session = try await agent.client.get("/sessions/\(chosen)").json()
        #expect(session["message_count"] == 4, "two turns of user + assistant: \(session)")
        #expect(session["usage"]?["by_model"]?["fake-model"]?["invocations"] == 2)
        let sent = try await agent.llm.requests().last?["body"]?["messages"]?.arrayValue ?? []
        #expect(sent.compactMap { $0["content"]?.stringValue }.suffix(3) == ["one", "echo: one", "two"],
                "the second query carries the first turn: \(sent)")
        let health = try await agent.client.get("/health").json()
        #expect(health["active_sessions"] == 2)
    }

    /// An empty or null session_id creates a new session each time.
    @Test func emptySessionIdCreates() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let a = try await agent.postJSON("/agent/query", ["message": "a", "session_id": ""]).json()
        let b = try await agent.postJSON("/agent/query", ["message": "b", "session_id": .null]).json()
        #expect(a["session_id"] != b["session_id"])
        #expect(try await agent.client.get("/sessions").json()["sessions"]?.arrayValue?.count == 2)
    }

    /// 422 bodies for the query request are pydantic's, byte for byte.
    @Test func queryValidationErrors() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let cases: [(String, String)] = [
            ("{}", #"{"detail":[{"type":"missing","loc":["body","message"],"msg":"Field required","input":{}}]}"#),
            (#"{"message":5}"#, #"{"detail":[{"type":"string_type","loc":["body","message"],"msg":"Input should be a valid string","input":5}]}"#),
            (#"{"message":null}"#, #"{"detail":[{"type":"string_type","loc":["body","message"],"msg":"Input should be a valid string","input":null}]}"#),
            (#"{"message":"hi","session_id":7}"#, #"{"detail":[{"type":"string_type","loc":["body","session_id"],"msg":"Input should be a valid string","input":7}]}"#),
            (#"{"message":"hi","stream":"maybe"}"#, #"{"detail":[{"type":"bool_type","loc":["body","stream"],"msg":"Input should be a valid boolean","input":"maybe"}]}"#),
            (#"{"message":"hi","session_id":"no spaces allowed"}"#,
             #"{"detail":[{"type":"string_pattern_mismatch","loc":["body","session_id"],"msg":"String should match pattern '^[A-Za-z0-9._:-]{1,128}$'","input":"no spaces allowed","ctx":{"pattern":"^[A-Za-z0-9._:-]{1,128}$"}}]}"#),
            ("[1]", #"{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1]}]}"#),
        ]
        for path in ["/agent/query", "/agent/query-stream", "/agent/query-stream-delta"] {
            for (body, expected) in cases {
                let response = try await agent.client.request("POST", path, headers: [("Content-Type", "application/json")],
                                                              body: Data(body.utf8))
                #expect(response.status == 422, "\(path) \(body)")
                #expect(response.text == expected, "\(path) \(body)")
            }
            let missing = try await agent.client.request("POST", path)
            #expect(missing.status == 422)
            #expect(missing.text == #"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#)
            let broken = try await agent.client.request("POST", path, body: Data(#"{"message": "#.utf8))
            #expect(broken.status == 422)
            let issue = try #require(try broken.json()["detail"]?[0])
            #expect(issue["type"] == "json_invalid" && issue["msg"] == "JSON decode error", "\(broken.text)")
            #expect(issue["loc"]?[0] == "body" && issue["loc"]?[1]?.intValue != nil)
        }
        #expect(try await agent.llm.requests().isEmpty, "no invalid request may reach the model")
    }

    /// Invalid session ids in the path are 422; unknown ones are 404.
    @Test func pathSessionIds() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let long = String(repeating: "a", count: 129)
        for id in [long, "semi%3Bcolon", "sp%20ace"] {
            let response = try await agent.client.get("/sessions/\(id)")
            #expect(response.status == 422, "\(id): \(response.text)")
            let issue = try response.json()["detail"]?[0]
            #expect(issue?["type"] == "string_pattern_mismatch" && issue?["loc"] == ["path", "session_id"], "\(response.text)")
        }
        let unknown = try await agent.client.get("/sessions/\(String(repeating: "b", count: 128))")
        #expect(unknown.status == 404)
    }

    /// Unknown paths, wrong methods, bodies too large: FastAPI's shapes.
    @Test func routingErrors() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let unknown = try await agent.client.get("/agent/nothing")
        #expect(unknown.status == 404 && unknown.text == #"{"detail":"Not Found"}"#)
        let checks: [(String, String, Set<String>)] = [
            ("PUT", "/sessions", ["GET", "HEAD", "POST"]), ("GET", "/agent/query", ["POST"]),
            ("DELETE", "/agent/query-stream", ["POST"]), ("POST", "/sessions/x", ["GET", "HEAD", "DELETE"]),
            ("GET", "/sessions/x/clear", ["POST"]), ("POST", "/tools", ["GET", "HEAD"]),
        ]
        for (method, path, allowed) in checks {
            let response = try await agent.client.request(method, path, body: Data("{}".utf8))
            #expect(response.status == 405, "\(method) \(path)")
            #expect(response.text == #"{"detail":"Method Not Allowed"}"#)
            let allow = Set((response.headers["allow"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(allow == allowed, "\(method) \(path): Allow \(response.headers["allow"] ?? "missing")")
        }
        let huge = try await agent.client.request("POST", "/agent/query", body: Data(repeating: 0x20, count: 2 << 20))
        #expect(huge.status == 413 && huge.text == #"{"detail":"Request body too large"}"#)
    }

    /// A blocking query whose model fails after its retries is a 500 with the reason.
    @Test func modelFailureIs500() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_MODEL_MAX_ATTEMPTS": "2"])
        defer { agent.stop() }
        try await agent.llm.script(["status": 500, "error": "upstream exploded"], ["status": 500, "error": "upstream exploded"])
        let response = try await agent.postJSON("/agent/query", ["message": "hi", "session_id": "fails"])
        #expect(response.status == 500, "\(response.text)")
        let detail = try #require(try response.json()["detail"]?.stringValue)
        #expect(detail.contains("500"), "the detail says what failed: \(detail)")
        #expect(Set(try response.json().objectValue?.keys ?? [:].keys) == ["detail"])
        #expect(try await agent.llm.requests().count == 2, "both attempts were made")
        // History stays valid: the next query works.
        let next = try await agent.postJSON("/agent/query", ["message": "again", "session_id": "fails"])
        #expect(try next.json()["response"] == "echo: again")
    }

    /// GET /tools lists the built-in tools with JSON Schemas.
    @Test func toolsList() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let tools = try #require(try await agent.client.get("/tools").json()["tools"]?.arrayValue)
        let byName = Dictionary(tools.compactMap { tool in tool["name"]?.stringValue.map { ($0, tool) } }) { a, _ in a }
        #expect(Set(byName.keys).isSuperset(of: ["calculator", "current_time"]), "\(tools)")
        for name in ["calculator", "current_time"] {
            let tool = try #require(byName[name])
            #expect(Set(tool.objectValue?.keys ?? [:].keys) == ["name", "description", "parameters"])
            #expect(tool["parameters"]?["type"] == "object", "\(name): \(tool)")
            #expect(tool["description"]?.stringValue?.isEmpty == false)
        }
        #expect(byName["calculator"]?["parameters"]?["properties"]?["expression"]?["type"] == "string")
    }

    /// POST /sessions honours system_prompt; other sessions get the configured default.
    @Test func systemPromptHonoured() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_AGENT_SYSTEM_PROMPT": "Default prompt."])
        defer { agent.stop() }
        let created = try await agent.postJSON("/sessions", ["system_prompt": "You are a pirate."]).json()
        let id = try #require(created["session_id"]?.stringValue)
        _ = try await agent.postJSON("/agent/query", ["message": "ahoy", "session_id": .string(id)])
        _ = try await agent.postJSON("/agent/query", ["message": "plain"])
        let requests = try await agent.llm.requests()
        #expect(requests.count == 2)
        let first = requests.first?["body"]?["messages"]?[0]
        #expect(first?["role"] == "system" && first?["content"] == "You are a pirate.", "\(String(describing: first))")
        let second = requests.last?["body"]?["messages"]?[0]
        #expect(second?["role"] == "system" && second?["content"] == "Default prompt.", "\(String(describing: second))")
        let bad = try await agent.postJSON("/sessions", ["system_prompt": 3])
        #expect(bad.text == #"{"detail":[{"type":"string_type","loc":["body","system_prompt"],"msg":"Input should be a valid string","input":3}]}"#)
        let empty = try await agent.client.request("POST", "/sessions")
        #expect(empty.status == 422, "POST /sessions needs a JSON body")
    }

    /// GET /sessions/{id}/messages pages the history oldest to newest.
    @Test func messagesPaging() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        for word in ["one", "two", "three"] {
            _ = try await agent.postJSON("/agent/query", ["message": .string(word), "session_id": "paged"])
        }
        let all = try await agent.client.get("/sessions/paged/messages").json()
        #expect(all["total"] == 6)
        let contents = all["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue }
        #expect(contents == ["one", "echo: one", "two", "echo: two", "three", "echo: three"])
        #expect(all["messages"]?[0]?["role"] == "user" && all["messages"]?[1]?["role"] == "assistant")
        #expect(all["next_before"] == .null)
        let page = try await agent.client.get("/sessions/paged/messages?limit=2").json()
        #expect(page["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue } == ["three", "echo: three"])
        let before = try #require(page["next_before"]?.intValue)
        let older = try await agent.client.get("/sessions/paged/messages?limit=2&before=\(before)").json()
        #expect(older["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue } == ["two", "echo: two"])
        let bad = try await agent.client.get("/sessions/paged/messages?limit=0")
        #expect(bad.status == 422)
    }

    /// GET /sessions/{id}/events replays after a seq (query or Last-Event-ID) and follows a running query.
    @Test func eventReplayAndFollow() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let first = try await agent.query("one", session: "replayed")
        let all = try QueryStream(try await agent.client.stream("/sessions/replayed/events"))
        // The log has every event (deltas too); the step stream showed a subset of them.
        #expect(all.seqs == Array(1...(first.seqs.last ?? 0)) && Set(first.seqs).isSubset(of: Set(all.seqs)),
                "stored \(all.seqs), streamed \(first.seqs)")
        #expect(all.raw.frames.last?.text == ": done")
        let cut = 2
        let after = try QueryStream(try await agent.client.stream("/sessions/replayed/events?after=\(cut)"))
        #expect(after.seqs == all.seqs.filter { $0 > cut })
        let resumed = try QueryStream(try await agent.client.stream("/sessions/replayed/events", headers: [("Last-Event-ID", "\(cut)")]))
        #expect(resumed.seqs == after.seqs)
        let stepOnly = try QueryStream(try await agent.client.stream("/sessions/replayed/events?stream=step"))
        #expect(!stepOnly.types.contains("text_delta") && stepOnly.types.contains("text"), "\(stepOnly.types)")

        try await agent.llm.script(["text": "a b c d e f g h", "token_delay_ms": 80])
        let running = Task { try await agent.query("two", session: "replayed") }
        _ = try await agent.llm.waitForRequests(timeout: 10) { $0.count == 2 }
        let followed = try QueryStream(try await agent.client.stream("/sessions/replayed/events?after=\(first.seqs.last!)"))
        let live = try await running.value
        #expect(Set(live.seqs).isSubset(of: Set(followed.seqs)), "the follower saw the running query to its end: \(followed.types)")
        #expect(Array(followed.types.suffix(2)) == ["final", "usage"] && followed.raw.frames.last?.text == ": done")
        let bad = try await agent.client.get("/sessions/replayed/events?after=x")
        #expect(bad.status == 422)
        // The largest seq a client may send replays nothing (it once overflowed and crashed the responder).
        for headers in [[], [("Last-Event-ID", String(Int64.max))]] {
            let path = headers.isEmpty ? "/sessions/replayed/events?after=\(Int64.max)" : "/sessions/replayed/events"
            let beyond = try await agent.client.stream(path, headers: headers, timeout: 10)
            #expect(beyond.status == 200 && beyond.events.isEmpty && beyond.frames.last?.text == ": done", "\(beyond.frames.map(\.text))")
        }
        #expect(agent.responder.process.isRunning, "\(agent.logs)")
    }

    /// Nothing spent is a known cost: 0, not null (null is for calls to an unpriced model).
    static let zeroUsage: JSONValue = [
        "total_tokens": 0, "total_prompt_tokens": 0, "total_prompt_cached_tokens": 0, "total_completion_tokens": 0,
        "total_cost": 0, "by_model": [:],
    ]
}
