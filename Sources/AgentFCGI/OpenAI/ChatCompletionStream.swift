import AgentCore

/// Relays one query's events as `chat.completion.chunk` frames (`data: {…}` without `id:`),
/// then `data: [DONE]`.
///
/// The client sees the agent's text only; tool activity stays server-side. Text streams as the
/// model writes it, so what the agent says before using a tool is part of the stream (a blank
/// line separates it from what follows). With a `response_format` the answer is sent whole once
/// it has been checked, since a mismatch is asked again and streamed text cannot be taken back.
/// A failed query ends with an `{"error":{…}}` frame, which OpenAI clients raise.
struct ChatCompletionStream: Sendable {
    let subscription: QuerySubscription
    let request: ChatCompletionRequest

    func relay(to stream: EventStream) async {
        let json = ChatCompletionJSON(subscription: subscription, modelId: request.modelId)
        let usageField = request.includeUsage
        let holdsAnswer = request.input.options.responseFormat != nil
        var open = await stream.send(data: json.chunk(delta: ["role": "assistant", "content": ""], withUsageField: usageField))
        var wroteText = false
        var afterTool = false
        var finishReason: String?
        var failure: String?
        for await stamped in subscription.events where open {
            switch stamped.event {
            case .textDelta(let delta) where !holdsAnswer:
                let text = (afterTool && wroteText ? "\n\n" : "") + delta
                afterTool = false
                wroteText = true
                open = await stream.send(data: json.chunk(delta: ["content": .string(text)], withUsageField: usageField))
            case .stepStart:
                afterTool = true
            case .final(let content, _):
                finishReason = ChatCompletionJSON.finishReason(stamped.event)
                if holdsAnswer, !content.isEmpty {
                    open = await stream.send(data: json.chunk(delta: ["content": .string(content)], withUsageField: usageField))
                }
            case .error(let message, let code):
                failure = JSONValue.serializeObject([("error", .object([
                    "message": .string(message), "type": "server_error", "param": .null, "code": .string(code.rawValue),
                ]))])
            default:
                break
            }
        }
        guard open else { return }
        let result = await subscription.result()
        if let failure {
            await stream.send(data: failure)
        } else {
            await stream.send(data: json.chunk(delta: [:], finishReason: finishReason ?? "stop", withUsageField: usageField))
            if usageField { await stream.send(data: json.usageChunk(result)) }
        }
        await stream.send(data: "[DONE]")
        stream.finish()
    }
}
