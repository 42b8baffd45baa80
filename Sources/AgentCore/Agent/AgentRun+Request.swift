import Foundation

extension AgentRun {
    /// A model request with this query's tools, options and response format.
    ///
    /// With no tool to offer but tool calls in the history, every tool is declared and none may
    /// be called: providers refuse a history with tool calls when a request declares no tools.
    func request(_ messages: [ChatMessage], toolChoice: ToolChoice) -> ChatRequest {
        var declared = tools
        var choice = toolChoice
        if tools.isEmpty {
            choice = .auto
            if history.contains(where: { !$0.toolCalls.isEmpty }) {
                declared = allTools
                choice = .none
            }
        }
        return ChatRequest(messages: messages, tools: declared.map(\.definition), toolChoice: declared.isEmpty ? .auto : choice,
                           options: chatOptions, responseFormat: responseFormat)
    }

    /// The final answer held to the query's `response_format`: returned as checked (a code fence
    /// around it removed); on a mismatch the model is asked once more, told what was wrong, with
    /// no tool to call; a second mismatch ends the query in an error naming `response_format`.
    /// The failed attempt and the correction are in that one request only, not in the history.
    func conformingAnswer(_ answer: String) async throws -> String {
        guard let format = responseFormat else { return answer }
        let mismatch: ResponseFormat.Mismatch
        switch format.check(answer) {
        case .success(let checked): return checked
        case .failure(let problem): mismatch = problem
        }
        await emit(.hidden(content: "response_format: the answer did not match (\(mismatch)); asking the model once more"))
        let correction = """
            Your answer does not match the required response format: \(mismatch). \
            Answer again with only the JSON, matching the schema exactly.
            """
        let retry = try await callModel(streaming: true, allowOverflowRecovery: false) { [self] in
            request(ModelContext.messages(for: history, tools: allTools) + [.assistant(answer), .user(correction)],
                    toolChoice: .none)
        }
        await emitTurnSummary(retry)
        switch format.check(retry.text) {
        case .success(let checked):
            return checked
        case .failure(let again):
            throw RunStop.responseFormat("response_format: the answer does not match, even when asked again: \(again)")
        }
    }
}
