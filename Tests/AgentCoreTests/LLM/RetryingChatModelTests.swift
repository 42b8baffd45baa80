import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

@Suite struct RetryingChatModelTests {
    static let request = ChatRequest(messages: [.user("hi")])
    // Short waits between attempts; a budget no loaded test machine runs out of (the budget has tests of its own).
    static let quick = RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.2, totalBudget: 600, jitter: 0.1)

    @Test func rateLimitThenSuccessHonoursRetryAfter() async throws {
        try await FakeLLM.with { server in
            try await server.script(["status": 429, "headers": ["Retry-After": "1"], "error": "slow down"], ["text": "after wait"])
            let model = try server.openAI(retry: Self.quick)
            let start = ContinuousClock.now
            let completion = try await model.complete(Self.request)
            #expect(completion.text == "after wait")
            #expect(ContinuousClock.now - start >= .milliseconds(950), "waited for Retry-After before retrying")
            #expect(try await server.requests().count == 2)
        }
    }

    @Test func serverErrorThenSuccess() async throws {
        try await FakeLLM.with { server in
            try await server.script(["status": 500, "error": "boom"], ["status": 503, "error": "busy"], ["text": "third time"])
            let completion = try await server.openAI(retry: Self.quick).complete(Self.request)
            #expect(completion.text == "third time")
            #expect(try await server.requests().count == 3)
        }
    }

    @Test func authenticationIsNotRetried() async throws {
        try await FakeLLM.with { server in
            try await server.script(["status": 401, "error": "bad key"], ["text": "never"])
            await #expect(throws: LLMError.self) { try await server.openAI(retry: Self.quick).complete(Self.request) }
            #expect(try await server.requests().count == 1)
        }
    }

    @Test func attemptsAreBounded() async throws {
        try await FakeLLM.with { server in
            try await server.script(["status": 500], ["status": 500], ["status": 500], ["text": "too late"])
            let result = await collectDeltas(try server.openAI(retry: Self.quick).stream(Self.request))
            guard case .server(500, _)? = result.error as? LLMError else {
                Issue.record("expected server(500), got \(String(describing: result.error))")
                return
            }
            #expect(try await server.requests().count == 3)
        }
    }

    @Test func brokenStreamAfterOutputIsNotRetried() async throws {
        try await FakeLLM.with { server in
            try await server.script(["text": "alpha beta gamma delta", "cut_after": 3], ["text": "duplicate"])
            let result = await collectDeltas(try server.openAI(retry: Self.quick).stream(Self.request))
            #expect(result.error != nil)
            #expect(!result.deltas.contains(.text("duplicate")))
            #expect(try await server.requests().count == 1)
        }
    }

    @Test func retryAfterLongerThanBudgetGivesUp() {
        let policy = RetryPolicy(maxAttempts: 5, totalBudget: 10)
        #expect(policy.delay(after: .rateLimited(retryAfter: 60, message: ""), attempt: 1, elapsed: 0) == nil)
        #expect(policy.delay(after: .rateLimited(retryAfter: 2, message: ""), attempt: 1, elapsed: 0) == 2)
        #expect(policy.delay(after: .badRequest(status: 400, message: ""), attempt: 1, elapsed: 0) == nil)
        let backoff = RetryPolicy(baseDelay: 1, maxDelay: 3, jitter: 0).delay(after: .server(status: 500, message: ""),
                                                                             attempt: 3, elapsed: 0)
        #expect(backoff == 3, "exponential backoff is capped at maxDelay")
    }
}

@Suite struct ProviderErrorMapperTests {
    @Test(arguments: [(401, "authentication"), (403, "authentication"), (413, "contextOverflow"), (429, "rateLimited"),
                      (500, "server"), (529, "server"), (404, "badRequest")])
    func statusMapsToKind(_ status: Int, _ kind: String) {
        let error = ProviderErrorMapper.error(status: status, headers: [], body: Array(#"{"error":{"message":"m"}}"#.utf8), host: "h")
        #expect(String(describing: error).isEmpty == false)
        #expect("\(error)".contains("m"))
        #expect(Mirror(reflecting: error).children.first?.label == kind, "HTTP \(status) → \(error)")
    }

    @Test(arguments: ["This model's maximum context length is 4096 tokens", "context_length_exceeded",
                      "prompt is too long: 300000 tokens", "the request exceeds the available context size (exceed_context_size_error)"])
    func contextMessagesOn400AreOverflow(_ message: String) {
        let body = Array(JSONValue.object(["error": ["message": .string(message)]]).serialized().utf8)
        guard case .contextOverflow = ProviderErrorMapper.error(status: 400, headers: [], body: body, host: "h") else {
            Issue.record("\(message) was not mapped to contextOverflow")
            return
        }
    }

    @Test func retryAfterAsSecondsOrHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_445_412_480) // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(ProviderErrorMapper.retryAfter([HTTPHeader("Retry-After", "7")], now: now) == 7)
        #expect(ProviderErrorMapper.retryAfter([HTTPHeader("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")], now: now) == 30)
        #expect(ProviderErrorMapper.retryAfter([HTTPHeader("retry-after-ms", "1500")], now: now) == 1.5)
        #expect(ProviderErrorMapper.retryAfter([HTTPHeader("Retry-After", "soon")], now: now) == nil)
    }
}

@Suite struct ModelConfigurationTests {
    @Test func descriptionNeverShowsTheKey() {
        let config = ModelSettings(provider: .openai, model: "gpt", apiKey: .literal("sk-secret-123"),
                                        extraHeaders: ["X-Token": "hidden-456"])
        #expect(!config.description.contains("sk-secret-123"))
        #expect(!config.description.contains("hidden-456"))
        #expect(config.description.contains("gpt"))
    }

    @Test func keyFromFileIsTrimmedAndMissingEnvIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("llm-key-\(UUID().uuidString)").path
        try "  key-from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try ModelSettings(provider: .anthropic, model: "c", apiKey: .file(path)).resolveAPIKey() == "key-from-file")
        #expect(throws: ModelSettingsError.self) {
            try ModelSettings(provider: .openai, model: "m", apiKey: .environment("AGENT_FCGI_SURELY_UNSET_\(UUID().uuidString.prefix(8))")).resolveAPIKey()
        }
    }

    @Test func azureStyleURLAndKeyHeader() async throws {
        try await FakeLLM.with { server in
            let config = ModelSettings(provider: .openai, baseURL: server.baseURL + "/openai/deployments/dep1", model: "gpt-4o",
                                            apiKey: .literal("az-key"), apiKeyHeader: "api-key", apiVersion: "2024-10-21",
                                            extraHeaders: ["X-Extra": "1"], retry: .none)
            _ = try await ChatModelFactory.make(config).complete(ChatRequest(messages: [.user("hi")]))
            let sent = try #require(try await server.requests().first)
            #expect(sent["path"] == "/openai/deployments/dep1/chat/completions?api-version=2024-10-21")
            #expect(sent["headers"]?["api-key"] == "az-key")
            #expect(sent["headers"]?["authorization"] == nil)
            #expect(sent["headers"]?["x-extra"] == "1")
        }
    }
}
