import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// OpenAI front door on the wire.
///
/// `/v1/chat/completions` on the wire, through real nginx: stream frames in their edge cases,
/// sessions chosen by `X-Session-Id`, and owner scoping.
@Suite struct OpenAIFrontDoorTests {
    static let user: JSONValue = ["role": "user", "content": "Go."]

    /// The `data:` payloads of a streamed answer, `[DONE]` included, chunks decoded.
    static func frames(_ agent: TestStack, _ body: JSONValue, headers: [(String, String)] = []) async throws
        -> (raw: [String], chunks: [JSONValue], stream: HTTPTestStream) {
        let stream = try await agent.stream("/v1/chat/completions", body, headers: headers)
        let raw = stream.events.compactMap(\.data)
        let chunks = try raw.filter { $0 != "[DONE]" }.map { try JSONValue.parse(Data($0.utf8)) }
        return (raw, chunks, stream)
    }

    static func content(_ chunks: [JSONValue]) -> [String] {
        chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.filter { !$0.isEmpty }
    }

    /// Text written before a tool call streams too, set apart from the answer; frames end with [DONE].
    @Test func narrationBeforeToolsIsSeparated() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(["text": "Let me check.", "tool_calls": [["name": "calculator", "arguments": ["expression": "6*7"]]]],
                                   ["text": "It is 42."])
        let (raw, chunks, stream) = try await Self.frames(agent, ["model": "agent", "stream": true, "messages": [Self.user]])
        #expect(stream.status == 200 && stream.headers["content-type"] == "text/event-stream; charset=utf-8")
        #expect(Self.content(chunks).joined() == "Let me check.\n\nIt is 42.", "\(raw)")
        #expect(raw.last == "[DONE]" && stream.events.allSatisfy { $0.id == nil }, "no id lines, [DONE] last")
        #expect(chunks.first?["choices"]?[0]?["delta"]?["role"] == "assistant")
        #expect(chunks.last?["choices"]?[0]?["finish_reason"] == "stop")
        #expect(chunks.allSatisfy { $0["object"] == "chat.completion.chunk" && $0["usage"] == nil }, "no usage unless asked")
        #expect(!raw.contains { $0.contains("tool_calls") }, "tool activity stays on the server")
    }

    /// With a response_format the stream carries the checked answer once, after a retry too.
    @Test func responseFormatAnswerIsSentWhole() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(["text": "Sure: it is 42"], ["text": #"{"answer": 42}"#])
        let (raw, chunks, _) = try await Self.frames(agent, ["model": "agent", "stream": true, "messages": [Self.user],
                                                            "response_format": ["type": "json_object"]])
        #expect(Self.content(chunks) == [#"{"answer": 42}"#], "\(raw)")
        let sent = try await agent.llm.requests().first?["body"]?["response_format"]
        #expect(sent == ["type": "json_object"], "response_format passes through")
    }

    /// A query that fails mid-stream ends with an OpenAI error frame, then [DONE].
    @Test func failureEndsWithAnErrorFrame() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(["status": 400, "error": "context too long for this model"])
        let (raw, chunks, _) = try await Self.frames(agent, ["model": "agent", "stream": true, "messages": [Self.user],
                                                            "stream_options": ["include_usage": true]])
        #expect(raw.last == "[DONE]")
        let error = try #require(chunks.last?["error"], "\(raw)")
        #expect(error["type"] == "server_error" && error["code"] == "llm_error")
        #expect(error["message"]?.stringValue?.contains("context too long") == true)
        #expect(!chunks.contains { $0["choices"]?[0]?["finish_reason"] == "stop" })
    }

    /// Sampling options pass through to the provider.
    @Test func samplingPassesThrough() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let answer = try await agent.postJSON("/v1/chat/completions", ["model": "agent", "messages": [Self.user], "max_tokens": 77,
                                                                       "temperature": 0.3, "top_p": 0.5, "stop": "END"])
        #expect(answer.status == 200, "\(answer.text)")
        let body = try #require(try await agent.llm.requests().first?["body"])
        #expect(body["max_tokens"] == 77 && body["temperature"] == 0.3 && body["top_p"] == 0.5 && body["stop"] == ["END"], "\(body)")
    }

    /// An unknown X-Session-Id creates that session from the messages; later calls add their last message only.
    @Test func chosenSessionIdIsCreatedThenContinued() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let first = try await agent.postJSON("/v1/chat/completions", ["model": "agent", "messages": [
            ["role": "developer", "content": "Answer in French."], ["role": "user", "content": "Hello"],
            ["role": "assistant", "content": "Bonjour"], ["role": "user", "content": [["type": "text", "text": "How are you?"]]],
        ]], headers: [("X-Session-Id", "chat-7")])
        #expect(first.status == 200 && first.headers["x-session-id"] == "chat-7", "\(first.text)")
        let second = try await agent.postJSON("/v1/chat/completions", ["model": "agent", "messages": [
            ["role": "user", "content": "ignored earlier turn"], ["role": "user", "content": "And you?"],
        ]], headers: [("X-Session-Id", "chat-7")])
        #expect(try second.json()["choices"]?[0]?["message"]?["content"] == "echo: And you?")
        let history = try await agent.client.get("/sessions/chat-7/messages").json()
        let texts = history["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue } ?? []
        #expect(texts == ["Hello", "Bonjour", "How are you?", "echo: How are you?", "And you?", "echo: And you?"], "\(texts)")
        let prompt = try await agent.llm.systemPrompt(ofRequest: -1)
        #expect(prompt == "Answer in French.", "the developer message became the session's system prompt")
    }

    /// Another principal's X-Session-Id is a 404 in OpenAI's shape.
    @Test func sessionsStayTheirOwners() async throws {
        let authDirectory = try TestEnvironment.makeTemporaryDirectory(prefix: "agent-fcgi-auth")
        defer { try? FileManager.default.removeItem(atPath: authDirectory) }
        let auth = try await HTTPTestClient.onThread { try OwnerScopingTests.makeAuth(in: authDirectory) }
        let agent = try await TestStack.start(model: .fakeSingleAttempt, basicAuthFile: auth)
        defer { agent.stop() }
        let alice = OwnerScopingTests.basic("alice"), bob = OwnerScopingTests.basic("bob")
        let created = try await agent.postJSON("/v1/chat/completions", ["model": "agent", "messages": [Self.user]], headers: alice)
        let session = try #require(created.headers["x-session-id"], "\(created.text)")
        let stolen = try await agent.postJSON("/v1/chat/completions", ["model": "agent", "messages": [Self.user]],
                                              headers: bob + [("X-Session-Id", session)])
        #expect(stolen.status == 404)
        #expect(try stolen.json()["error"]?["message"] == .string("Session \(session) not found"), "\(stolen.text)")
        #expect(try await agent.client.get("/sessions/\(session)", headers: alice).status == 200)
    }
}
