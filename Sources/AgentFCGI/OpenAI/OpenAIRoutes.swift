import AgentCore
import Foundation

/// The agent behind the OpenAI API, so any OpenAI client or chat UI can talk to it:
/// `GET /v1/models` lists `agent` (the configured agent on its default model) and `agent:<name>`
/// for each allowed model; `POST /v1/chat/completions` runs one query, answering as a chat
/// completion or, with `stream: true`, as `chat.completion.chunk` frames ending in `[DONE]`.
///
/// A call with `X-Session-Id` adds only its last user message to that session (created under
/// that id, from the call's messages, when unknown), with the history, usage, resume and owner
/// scoping of `/agent/query`; without it the call starts a new session from its messages. The
/// answer carries the session in `X-Session-Id` either way. Errors are in OpenAI's shape.
struct OpenAIRoutes {
    let service: AgentService
    /// `created` of the listed models: when this responder started serving them.
    let startedAt = Int(Date().timeIntervalSince1970)

    static let prefix = "/v1/"

    func register(on router: inout Router) {
        let service = self.service
        let created = startedAt
        router.renderErrors(under: Self.prefix, with: OpenAIErrorBody.response)
        router.get("/v1/models") { _ in
            let names = service.profile.allowedModels
            let ids = [ChatCompletionRequest.agentModel] + names.map { ChatCompletionRequest.modelPrefix + $0 }
            let models = ids.map { id -> JSONValue in
                .object(["id": .string(id), "object": "model", "created": .number(Double(created)), "owned_by": "agent-fcgi"])
            }
            return .json(fields: [("object", "list"), ("data", .array(models))])
        }
        router.post("/v1/chat/completions") { request in
            let completion = try ChatCompletionRequest(request, allowedModels: service.profile.allowedModels)
            let sessionId = try Self.sessionHeader(request)
            let subscription = try await mappingSessionErrors {
                try await service.submitQuery(sessionId: sessionId, owner: request.remoteUser, input: completion.input,
                                              seed: completion.seed)
            }
            let headers = [("X-Session-Id", subscription.sessionId), ("X-Query-Id", subscription.queryId)]
            if completion.stream {
                let stream = EventStream()
                stream.onEnd { _ in subscription.clientGone() }
                Task { await ChatCompletionStream(subscription: subscription, request: completion).relay(to: stream) }
                return .eventStream(stream, headers: headers)
            }
            let result = await subscription.result()
            // As /agent/query: refused, rolled back or cancelled by DELETE/clear (see AgentRoutes).
            if let failure = result.failure { throw failure.httpError }
            if case .error(let message, let code) = result.terminal {
                throw HTTPError.internalError(message).withCode(code.rawValue)
            }
            let answer = ChatCompletionJSON(subscription: subscription, modelId: completion.modelId)
            var response = HTTPResponse.json(serialized: answer.completion(result), status: 200)
            response.headers += headers
            response.sessionId = subscription.sessionId
            return response
        }
    }

    /// `X-Session-Id`, when sent: the session to continue (or create under that id).
    static func sessionHeader(_ request: HTTPRequest) throws(HTTPError) -> String? {
        guard let id = request.header("x-session-id")?.trimmingCharacters(in: .whitespaces), !id.isEmpty else { return nil }
        guard SessionID.isValid(id) else {
            throw .unprocessable([.patternMismatch(["header", "X-Session-Id"], pattern: SessionID.pattern, input: id)])
        }
        return id
    }
}
