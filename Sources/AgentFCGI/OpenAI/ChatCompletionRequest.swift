import AgentCore

/// A `POST /v1/chat/completions` body, validated, as the agent will run it.
///
/// The conversation becomes a query on a session: the last message (the user's) is the query;
/// the earlier ones seed a session the call creates (system and developer messages become its
/// system prompt). The client's own `tools`/`functions` are ignored: the agent runs its tools
/// itself. Results of such client functions in the conversation are kept as text (the calls
/// themselves are not: the agent could not pair them with tools it does not have).
struct ChatCompletionRequest: Sendable {
    /// The model as the client named it (`agent`, `agent:<name>`), echoed in answers.
    var modelId: String
    var input: QueryInput
    var seed: SessionSeed
    var stream: Bool
    var includeUsage: Bool

    static let agentModel = "agent"
    static let modelPrefix = "agent:"

    init(_ request: HTTPRequest, allowedModels: [String]) throws(HTTPError) {
        let body = try request.jsonObjectBody()
        var issues: [ValidationIssue] = []
        var modelId = ""
        switch body["model"] {
        case nil: issues.append(.missing(["body", "model"], input: .object(body)))
        case .string(let name)?: modelId = name
        case let other?: issues.append(.stringType(["body", "model"], input: other))
        }
        let conversation = ChatCompletionMessages(body["messages"], body: .object(body))
        issues += conversation.issues
        let (format, formatIssues) = QueryFields.responseFormat(body["response_format"], at: ["body", "response_format"])
        issues += formatIssues
        let sampling = ChatCompletionSampling(body)
        issues += sampling.issues
        stream = sampling.stream
        includeUsage = sampling.includeUsage
        guard issues.isEmpty, let message = conversation.last else { throw .unprocessable(issues) }

        let chosen: String?
        if modelId == Self.agentModel {
            chosen = nil
        } else if modelId.hasPrefix(Self.modelPrefix), allowedModels.contains(String(modelId.dropFirst(Self.modelPrefix.count))) {
            chosen = String(modelId.dropFirst(Self.modelPrefix.count))
        } else {
            throw HTTPError(404, "The model `\(modelId)` does not exist here; GET /v1/models lists the agent's models "
                            + "(`agent`, or `agent:<name>` for each model the operator allows).").withCode("model_not_found")
        }
        self.modelId = modelId
        input = QueryInput(message: message, options: QueryOptions(
            model: chosen, responseFormat: format, maxTokens: sampling.maxTokens, temperature: sampling.temperature,
            topP: sampling.topP, stop: sampling.stop))
        seed = SessionSeed(systemPrompt: conversation.systemPrompt, model: chosen, history: conversation.history)
    }
}
