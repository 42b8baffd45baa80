import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Query options end to end.
///
/// Per-query options through real nginx to the fake LLM: the chosen model, `response_format`,
/// the tool subset, image parts (OpenAI and Anthropic) replayed on the next turn.
@Suite struct QueryOptionsEndToEndTests {
    static let allowed = ["AGENT_FCGI_MODEL_ALLOWED": "fake-model,other-model,big-model"]
    static let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    static let schema: JSONValue = ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"],
                                    "additionalProperties": false]
    static let format: JSONValue = ["type": "json_schema", "json_schema": ["name": "place", "schema": schema]]

    static func upstreamModels(_ agent: TestStack) async throws -> [String] {
        try await agent.llm.requests().compactMap { $0["body"]?["model"]?.stringValue }
    }

    /// The model reaching the provider: the default, the query's, the session's (also after eviction).
    @Test func chosenModelReachesTheProvider() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: Self.allowed.merging(["AGENT_FCGI_SESSIONS_MAX_SESSIONS": "1"]) { $1 })
        defer { agent.stop() }
        #expect(try await agent.postJSON("/agent/query", ["message": "a"]).status == 200, "\(agent.logs)")
        let chosen = try await agent.postJSON("/agent/query", ["message": "b", "model": "other-model"]).json()
        #expect(chosen["usage"]?["by_model"]?["other-model"]?["invocations"] == 1, "usage by model as today: \(chosen)")

        let created = try await agent.postJSON("/sessions", ["model": "big-model"]).json()
        let session = try #require(created["session_id"]?.stringValue)
        #expect(try await agent.postJSON("/agent/query", ["message": "c", "session_id": .string(session)]).status == 200)
        #expect(try await agent.postJSON("/agent/query", ["message": "d", "session_id": .string(session),
                                                          "model": "other-model"]).status == 200)
        // max_sessions 1: the session was evicted by the others and comes back from the store.
        #expect(try await agent.postJSON("/agent/query", ["message": "e"]).status == 200)
        #expect(try await agent.postJSON("/agent/query", ["message": "f", "session_id": .string(session)]).status == 200)
        #expect(try await Self.upstreamModels(agent)
                == ["fake-model", "other-model", "big-model", "other-model", "fake-model", "big-model"], "\(agent.logs)")
    }

    /// Response_format is forwarded and a valid answer is returned as the response.
    @Test func responseFormatForwardedAndValidAnswerAccepted() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(["text": #"{"city": "Paris"}"#])
        let answer = try await agent.postJSON("/agent/query", ["message": "Capital of France?", "response_format": Self.format])
        #expect(answer.status == 200, "\(answer.text)")
        #expect(try JSONValue.parse(try answer.json()["response"]?.stringValue ?? "") == ["city": "Paris"])
        let sent = try #require(try await agent.llm.requests().first?["body"])
        #expect(sent["response_format"] == Self.format)
    }

    /// An answer that does not match is asked once more, then the query fails naming response_format.
    @Test func invalidAnswerRetriedThenFailed() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(["text": "Paris."], ["text": #"{"city": "Paris"}"#], ["text": "Still prose."], ["text": #"{"town": 1}"#])
        let retried = try await agent.postJSON("/agent/query", ["message": "one", "response_format": Self.format])
        #expect(try retried.json()["response"] == #"{"city": "Paris"}"#, "\(retried.text)")
        let failed = try await agent.postJSON("/agent/query", ["message": "two", "response_format": Self.format])
        #expect(failed.status == 500)
        let detail = try failed.json()["detail"]?.stringValue ?? ""
        #expect(detail.hasPrefix("response_format") && detail.contains("missing required property \"city\""), "\(detail)")
        let requests = try await agent.llm.requests()
        #expect(requests.count == 4)
        let correction = requests[3]["body"]?["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
        #expect(correction.contains("does not match the required response format"), "\(correction)")
        #expect(requests[3]["body"]?["tool_choice"] == "none", "the retry answers; it does not use tools")
    }

    /// The stream of a query whose answer never matches ends in an error event naming response_format.
    @Test func invalidAnswerEndsTheStreamInError() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(["text": "no"], ["text": "still no"])
        let stream = try QueryStream(try await agent.stream("/agent/query-stream",
                                                            ["message": "x", "response_format": ["type": "json_object"]]))
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)")
        let error = try #require(stream.first("error"))
        #expect(error["code"] == "llm_error" && error["error"]?.stringValue?.hasPrefix("response_format") == true, "\(error)")
        #expect(stream.first("hidden")?["content"]?.stringValue?.hasPrefix("response_format") == true)
    }

    /// Tools offers the named tools only; [] offers none.
    @Test func toolSubset() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        #expect(try await agent.postJSON("/agent/query", ["message": "a", "tools": ["current_time"]]).status == 200)
        #expect(try await agent.postJSON("/agent/query", ["message": "b", "tools": []]).status == 200)
        #expect(try await agent.postJSON("/agent/query", ["message": "c"]).status == 200)
        let offered = try await agent.llm.requests().map { request in
            request["body"]?["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue } ?? []
        }
        #expect(offered == [["current_time"], [], ["calculator", "current_time"]])
    }

    /// Image parts reach an OpenAI-compatible provider as parts, are replayed next turn and listed as parts.
    @Test func imagePartsToOpenAI() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let parts: JSONValue = [["type": "text", "text": "What is this?"],
                                ["type": "image_url", "image_url": ["url": .string(Self.png), "detail": "low"]]]
        let first = try await agent.postJSON("/agent/query", ["message": parts, "session_id": "pictures"])
        #expect(first.status == 200, "\(first.text)\n\(agent.logs)")
        #expect(try first.json()["response"] == "echo: What is this?")
        #expect(try await agent.postJSON("/agent/query", ["message": "And again?", "session_id": "pictures"]).status == 200)
        let requests = try await agent.llm.requests()
        for request in requests {
            let user = request["body"]?["messages"]?.arrayValue?.first { $0["role"] == "user" }
            #expect(user?["content"] == parts, "every turn sends the image again: \(String(describing: user))")
        }
        let history = try await agent.client.get("/sessions/pictures/messages").json()
        let stored = try #require(history["messages"]?[0])
        #expect(stored["content"] == "What is this?" && stored["parts"] == parts, "\(stored)")
        #expect(history["messages"]?[2]?["parts"] == nil, "a text message has no parts")
    }

    /// Image parts reach Anthropic as image blocks and are replayed next turn.
    @Test func imagePartsToAnthropic() async throws {
        let llm = try FakeLLM()
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: [
            "AGENT_FCGI_MODEL_PROVIDER": "anthropic", "AGENT_FCGI_MODEL_BASE_URL": "http://127.0.0.1:\(llm.port)",
            "ANTHROPIC_API_KEY": "test-key"])
        defer { agent.stop(); llm.stop() }
        let parts: JSONValue = [["type": "image_url", "image_url": ["url": .string(Self.png)]],
                                ["type": "image_url", "image_url": ["url": "https://example.org/cat.jpg"]],
                                ["type": "text", "text": "Which is larger?"]]
        #expect(try await agent.postJSON("/agent/query", ["message": parts, "session_id": "a"]).status == 200, "\(agent.logs)")
        #expect(try await agent.postJSON("/agent/query", ["message": "Why?", "session_id": "a"]).status == 200)
        let requests = try await llm.requests()
        #expect(requests.count == 2 && requests.allSatisfy { $0["provider"] == "anthropic" })
        let data = String(Self.png.split(separator: ",")[1])
        let expected: JSONValue = [
            ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": .string(data)]],
            ["type": "image", "source": ["type": "url", "url": "https://example.org/cat.jpg"]],
            ["type": "text", "text": "Which is larger?"],
        ]
        for request in requests {
            #expect(request["body"]?["messages"]?[0]?["content"] == expected, "\(String(describing: request["body"]?["messages"]))")
        }
    }

    /// Max_body_bytes still bounds a request with images, in each endpoint's error shape.
    @Test func imagesAreBoundedByTheBodyLimit() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_SERVER_MAX_BODY_BYTES": "4096"])
        defer { agent.stop() }
        let big = "data:image/png;base64," + Data(repeating: 7, count: 6000).base64EncodedString()
        let parts: JSONValue = [["type": "image_url", "image_url": ["url": .string(big)]]]
        let query = try await agent.postJSON("/agent/query", ["message": parts])
        #expect(query.status == 413 && query.text == #"{"detail":"Request body too large"}"#)
        let completion = try await agent.postJSON("/v1/chat/completions", ["model": "agent", "messages": [["role": "user", "content": parts]]])
        #expect(completion.status == 413)
        #expect(try completion.json()["error"]?["code"] == "request_too_large", "\(completion.text)")
        #expect(try await agent.llm.requests().isEmpty)
    }
}
