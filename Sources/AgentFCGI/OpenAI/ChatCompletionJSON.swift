import AgentCore
import Foundation

/// The JSON of one answer on the OpenAI front door: the whole completion, or its chunks.
struct ChatCompletionJSON: Sendable {
    let id: String
    let created: Int
    let modelId: String

    init(subscription: QuerySubscription, modelId: String) {
        id = "chatcmpl-" + subscription.queryId.replacingOccurrences(of: "q-", with: "")
        created = Int(Date().timeIntervalSince1970)
        self.modelId = modelId
    }

    func completion(_ result: QueryResult) -> String {
        let message: JSONValue = ["role": "assistant", "content": .string(result.terminal.responseText), "refusal": .null]
        return JSONValue.serializeObject([
            ("id", .string(id)), ("object", "chat.completion"), ("created", .number(Double(created))),
            ("model", .string(modelId)), ("system_fingerprint", .null),
            ("choices", [["index": 0, "message": message, "logprobs": .null,
                          "finish_reason": .string(Self.finishReason(result.terminal))]]),
            ("usage", Self.usage(of: result)),
        ])
    }

    /// One `chat.completion.chunk` with a choice delta; `usage: null` when the client asked for
    /// usage, as OpenAI sends it on every chunk but the last.
    func chunk(delta: JSONValue, finishReason: String? = nil, withUsageField: Bool) -> String {
        var fields = head
        fields.append(("choices", [["index": 0, "delta": delta, "logprobs": .null,
                                    "finish_reason": finishReason.map(JSONValue.string) ?? .null]]))
        if withUsageField { fields.append(("usage", .null)) }
        return JSONValue.serializeObject(fields)
    }

    /// The last chunk with `stream_options.include_usage`: no choices, the query's usage.
    func usageChunk(_ result: QueryResult) -> String {
        JSONValue.serializeObject(head + [("choices", []), ("usage", Self.usage(of: result))])
    }

    private var head: [(String, JSONValue)] {
        [("id", .string(id)), ("object", "chat.completion.chunk"), ("created", .number(Double(created))),
         ("model", .string(modelId)), ("system_fingerprint", .null)]
    }

    /// The tokens of this query's model calls (tools' rounds and any compaction included),
    /// not of the session so far.
    static func usage(of result: QueryResult) -> JSONValue {
        let prompt = max(0, result.usage.totalPromptTokens - result.startUsage.totalPromptTokens)
        let completion = max(0, result.usage.totalCompletionTokens - result.startUsage.totalCompletionTokens)
        let cached = max(0, result.usage.totalPromptCachedTokens - result.startUsage.totalPromptCachedTokens)
        return ["prompt_tokens": .number(Double(prompt)), "completion_tokens": .number(Double(completion)),
                "total_tokens": .number(Double(prompt + completion)),
                "prompt_tokens_details": ["cached_tokens": .number(Double(cached))]]
    }

    static func finishReason(_ terminal: AgentEvent) -> String {
        if case .final(_, .maxIterations) = terminal { return "length" }
        return "stop"
    }
}
