import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Query streams.
///
/// The query streams of API.md §1.1, §1.2 and §4 (1–2) through real web servers, with a scripted model.
@Suite struct QueryStreamTests {
    static let calculatorCall: JSONValue = ["tool_calls": [["name": "calculator", "arguments": ["expression": "2+3"]]]]

    /// Frames are 'id: N' + 'data: <one-line JSON>', headers as the contract says, ': done' last.
    @Test func framingIsByteExact() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        // Line breaks and non-ASCII in the content must not break the one-line data framing.
        try await agent.llm.script(["text": "Hello\nworld\r\n\u{00FC}n\u{00EF}c\u{00F6}de \u{2028}end"])
        let stream = try await agent.query("hi")
        #expect(stream.first("final")?["content"] == "Hello\nworld\r\n\u{00FC}n\u{00EF}c\u{00F6}de \u{2028}end")
        #expect(stream.raw.headers["content-type"] == "text/event-stream; charset=utf-8")
        #expect(stream.raw.headers["cache-control"] == "no-cache, no-transform")
        #expect(stream.raw.headers["x-accel-buffering"] == nil, "nginx consumes X-Accel-Buffering")
        for frame in stream.raw.frames {
            if frame.isComment { continue }
            let lines = frame.text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 2 && lines[0].hasPrefix("id: ") && lines[1].hasPrefix("data: {"), "\(frame.text.debugDescription)")
        }
        #expect(stream.raw.frames.last?.text == ": done")
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)")
        let final = try #require(stream.first("final"))
        let keys = try #require(final.objectValue?.keys)
        #expect(Set(keys) == ["type", "timestamp", "session_id", "query_id", "seq", "content", "status"])
        #expect(stream.raw.events.first?.data?.hasPrefix(#"{"type":"#) == true, "type comes first")
    }

    /// Text only: the step stream has text then final; the delta stream text_deltas then final.
    @Test func textOnlyConversation() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(["text": "one two three"], ["text": "four five six"])
        let step = try await agent.query("hi", session: "text-only")
        #expect(step.contractViolations.isEmpty, "\(step.contractViolations)")
        #expect(step.types == ["text", "final", "usage"])
        #expect(step.first("text")?["content"] == "one two three")
        #expect(step.first("final")?["content"] == "one two three" && step.first("final")?["status"] == "completed")

        let delta = try await agent.query("again", session: "text-only", delta: true)
        #expect(delta.contractViolations.isEmpty, "\(delta.contractViolations)")
        #expect(!delta.types.contains("text") && !delta.types.contains("thinking"), "\(delta.types)")
        #expect(delta.all("text_delta").compactMap { $0["delta"]?.stringValue }.joined() == "four five six")
        #expect(delta.all("text_delta").count >= 3, "one delta per streamed word: \(delta.types)")
        #expect(Array(delta.types.suffix(2)) == ["final", "usage"])
        #expect(delta.seqs.first! > step.seqs.last!, "seq increases across queries: \(step.seqs) then \(delta.seqs)")
        #expect(delta.first("usage")?["usage"]?["by_model"]?["fake-model"]?["invocations"] == 2, "usage is the whole session's")
    }

    /// A tool call: step_start, tool_call, tool_result, step_complete, then the answer.
    @Test(arguments: [false, true]) func toolCallConversation(delta: Bool) async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(Self.calculatorCall, ["text": "The answer is 5."])
        let stream = try await agent.query("what is 2+3?", delta: delta)
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)")
        let steps = stream.types.filter { ["step_start", "tool_call", "tool_result", "step_complete"].contains($0) }
        #expect(steps == ["step_start", "tool_call", "tool_result", "step_complete"])
        let start = try #require(stream.first("step_start"))
        let call = try #require(stream.first("tool_call"))
        let result = try #require(stream.first("tool_result"))
        let complete = try #require(stream.first("step_complete"))
        #expect(start["title"] == "calculator" && start["step_number"] == 1 && start["step_id"] == call["tool_call_id"])
        #expect(call["tool"] == "calculator" && call["args"] == ["expression": "2+3"] && call["display_name"]?.stringValue != nil)
        #expect(result["result"]?.stringValue?.contains("5") == true && result["is_error"] == false, "\(result)")
        #expect(result["screenshot_base64"] == .null)
        #expect(complete["status"] == "completed" && complete["duration_ms"]?.intValue != nil)
        #expect(stream.first("final")?["content"] == "The answer is 5.")
        if !delta { #expect(stream.types == ["step_start", "tool_call", "tool_result", "step_complete", "text", "final", "usage"]) }
        let toolMessage = try await agent.llm.requests().last?["body"]?["messages"]?.arrayValue?.last
        #expect(toolMessage?["role"] == "tool", "the model saw the result: \(String(describing: toolMessage))")
    }

    /// Several steps over several model turns number their steps across the query.
    @Test func multiStepConversation() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(
            ["text": "Let me compute.", "tool_calls": [["name": "calculator", "arguments": ["expression": "6*7"]],
                                                       ["name": "current_time", "arguments": [:]]]],
            ["tool_calls": [["name": "calculator", "arguments": "{not json"]]],
            ["text": "Done: 42."])
        let stream = try await agent.query("compute things")
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)")
        #expect(stream.all("step_start").compactMap { $0["step_number"]?.intValue } == [1, 2, 3])
        // §1.2: per tool call, its four events together, even when calls of one turn run in parallel.
        let stepEvents = stream.events.filter { ["step_start", "tool_call", "tool_result", "step_complete"].contains($0["type"]?.stringValue ?? "") }
        let groups = stride(from: 0, to: stepEvents.count, by: 4).map { Array(stepEvents[$0..<min($0 + 4, stepEvents.count)]) }
        for group in groups {
            #expect(group.map { $0["type"]?.stringValue ?? "" } == ["step_start", "tool_call", "tool_result", "step_complete"], "\(stream.types)")
            #expect(Set(group.map { $0["step_id"] ?? $0["tool_call_id"] ?? .null }).count == 1, "one call's events: \(group)")
        }
        #expect(stream.all("tool_result").count == 3)
        let raw = stream.all("tool_call").last
        #expect(raw?["args"] == ["_raw": "{not json"], "unparsable arguments are passed as _raw: \(String(describing: raw))")
        #expect(stream.all("tool_result").last?["is_error"] == true)
        #expect(stream.all("step_complete").compactMap { $0["status"]?.stringValue } == ["completed", "completed", "error"])
        #expect(stream.first("final")?["content"] == "Done: 42.")
        #expect(stream.first("text")?["content"] == "Let me compute.")
        #expect(stream.types.firstIndex(of: "text")! < stream.types.firstIndex(of: "step_start")!, "a turn's text precedes its tool calls: \(stream.types)")
        #expect(stream.all("text").last?["content"] == "Done: 42." && stream.types.suffix(3) == ["text", "final", "usage"])
    }

    /// A model failing mid-query ends the stream with error, usage, ': done', and history stays valid.
    @Test func modelErrorMidway() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(Self.calculatorCall, ["status": 500, "error": "boom"])
        let stream = try await agent.query("fail later", session: "broken")
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)")
        #expect(stream.first("error")?["code"] == "llm_error", "\(stream.events)")
        #expect(stream.first("final") == nil)
        #expect(stream.all("step_complete").count == 1)

        try await agent.llm.script(["text": "cut off mid", "cut_after": 2])
        let cut = try await agent.query("cut", session: "broken", delta: true)
        #expect(cut.contractViolations.isEmpty, "\(cut.contractViolations)")
        #expect(cut.first("error") != nil)

        let next = try await agent.query("recover", session: "broken")
        #expect(next.first("final")?["content"] == "echo: recover", "\(next.events)")
        let messages = try #require(try await agent.llm.requests().last?["body"]?["messages"]?.arrayValue)
        let callIds = messages.flatMap { $0["tool_calls"]?.arrayValue ?? [] }.compactMap { $0["id"]?.stringValue }
        let answered = Set(messages.compactMap { $0["tool_call_id"]?.stringValue })
        #expect(Set(callIds).isSubset(of: answered), "every tool call in history has a result: \(messages)")
        #expect(next.seqs.first! > cut.seqs.last! && cut.seqs.first! > stream.seqs.last!)
    }

    /// Reasoning is 'thinking' on the step stream and thinking_start/delta/end on the delta stream.
    @Test func reasoningConversation() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        try await agent.llm.script(["reasoning": "let me think", "text": "Answer."],
                                   ["reasoning": "think again", "text": "Answer two."],
                                   ["text": "<think>inline thought</think>Visible."])
        let step = try await agent.query("q1", session: "thinker")
        #expect(step.contractViolations.isEmpty, "\(step.contractViolations)")
        #expect(step.types == ["thinking", "text", "final", "usage"])
        #expect(step.first("thinking")?["content"] == "let me think")

        let delta = try await agent.query("q2", session: "thinker", delta: true)
        #expect(delta.contractViolations.isEmpty, "\(delta.contractViolations)")
        let thinking = delta.types.filter { $0.hasPrefix("thinking") }
        #expect(thinking.first == "thinking_start" && thinking.last == "thinking_end" && thinking.contains("thinking_delta"), "\(delta.types)")
        let ids = Set(delta.events.filter { $0["type"]?.stringValue?.hasPrefix("thinking") == true }.compactMap { $0["think_id"]?.stringValue })
        #expect(ids.count == 1, "one think_id for the block: \(ids)")
        #expect(delta.all("thinking_delta").compactMap { $0["delta"]?.stringValue }.joined() == "think again")
        #expect(delta.types.lastIndex(of: "thinking_end")! < delta.types.firstIndex(of: "text_delta")!)

        let inline = try await agent.query("q3", session: "thinker")
        #expect(inline.first("thinking")?["content"] == "inline thought", "\(inline.events)")
        #expect(inline.first("final")?["content"] == "Visible.")
    }

    /// A query stream waiting on a slow model gets ': ping' heartbeats.
    @Test func heartbeatsWhileTheModelThinks() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, arguments: ["--heartbeat-seconds", "0.3"])
        defer { agent.stop() }
        try await agent.llm.script(["text": "late answer", "delay_ms": 1200])
        let stream = try await agent.query("wait")
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)")
        let pings = stream.raw.frames.prefix { !$0.isComment || $0.text == ": ping" }.filter { $0.text == ": ping" }
        #expect(pings.count >= 2, "frames: \(stream.raw.frames.map(\.text))")
    }

    /// Token deltas arrive spread over time.
    @Test(arguments: WebServerInstance.Kind.allCases) func deltasArriveIncrementally(kind: WebServerInstance.Kind) async throws {
        let agent = try await TestStack.start(kind, model: .fakeSingleAttempt)
        defer { agent.stop() }
        let text = (1...12).map { "w\($0)" }.joined(separator: " ")
        try await agent.llm.script(["text": .string(text), "token_delay_ms": 200])
        let stream = try await agent.query("slowly", delta: true)
        #expect(stream.contractViolations.isEmpty, "\(stream.contractViolations)\n\(agent.logs)")
        let arrivals = zip(stream.raw.events, stream.events).filter { $0.1["type"] == "text_delta" }.map(\.0.arrivedAt)
        #expect(arrivals.count >= 12)
        // 11 gaps of 200 ms (2.2 s) separate the first and last word; a buffering hop would deliver
        // them together. The bounds leave room for this test process itself being held up for over
        // a second on a loaded machine (its reads then find several words waiting at once).
        #expect((arrivals.last ?? 0) - (arrivals.first ?? 0) >= 0.6, "\(kind) arrivals: \(arrivals)")
        #expect(Set(arrivals.map { ($0 * 10).rounded() }).count >= 4, "\(kind) arrivals: \(arrivals)")
    }

    /// A client gone mid-stream under 'continue': the turn completes and is in history.
    @Test func disconnectContinues() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let text = (1...10).map { "t\($0)" }.joined(separator: " ")
        try await agent.llm.script(["text": .string(text), "token_delay_ms": 50])
        let partial = try await Self.hangUpAfterFirstDelta(agent, session: "walk-away")
        #expect(!partial.frames.contains { $0.text == ": done" })
        let done = try await agent.llm.waitForRequests(timeout: 10) { $0.first?["completed"] == true }
        #expect(done.first?["completed"] == true && done.first?["closed_early"] == false)
        var messages: JSONValue = .null
        for _ in 0..<100 {
            messages = try await agent.client.get("/sessions/walk-away/messages").json()
            if messages["total"] == 2 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(messages["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue } == ["go", text], "\(messages)")
        let events = try await agent.client.stream("/sessions/walk-away/events?after=0")
        let types = try events.events.map { try JSONValue.parse(Data(($0.data ?? "").utf8))["type"]?.stringValue ?? "" }
        #expect(Array(types.suffix(2)) == ["final", "usage"], "the stored event log has the whole turn: \(types)")
    }

    /// A client gone mid-stream under 'cancel': the model connection closes within a second, history stays valid.
    @Test func disconnectCancels() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt, environment: ["AGENT_FCGI_SESSIONS_ON_DISCONNECT": "cancel"])
        defer { agent.stop() }
        let text = (1...200).map { "t\($0)" }.joined(separator: " ")
        try await agent.llm.script(["text": .string(text), "token_delay_ms": 50])
        _ = try await Self.hangUpAfterFirstDelta(agent, session: "cancel-me")
        let seen = try await agent.llm.waitForRequests(timeout: 20) { $0.first?["closed_early"] == true }
        #expect(seen.first?["closed_early"] == true && seen.first?["completed"] == false,
                "the model request was not abandoned (the answer would take 10 s): \(seen)\n\(agent.logs)")
        // Within a second of the responder learning that its client is gone (when nginx tells it
        // depends on the machine's load; what follows is ours: session, agent, curl).
        let closedAt = try #require(seen.first?["closed_at"]?.doubleValue)
        let noticed = try #require(Self.clientGoneTime(agent.responder.process.log), "\(agent.logs)")
        #expect(closedAt - noticed.timeIntervalSince1970 < 1.0, "model connection closed \(closedAt - noticed.timeIntervalSince1970) s after the client was gone")
        var session: JSONValue = .null
        for _ in 0..<100 {
            session = try await agent.client.get("/sessions/cancel-me").json()
            if session["message_count"]?.intValue ?? 0 >= 1 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let next = try await agent.query("still there?", session: "cancel-me")
        #expect(next.contractViolations.isEmpty && next.first("final")?["content"] == "echo: still there?", "\(next.events)")
        let sent = try #require(try await agent.llm.requests().last?["body"]?["messages"]?.arrayValue)
        let contents = sent.compactMap { $0["content"]?.stringValue }
        #expect(contents.contains("go"), "the cancelled turn's message is kept: \(contents)")
        #expect(sent.last?["content"] == "still there?")
    }

    /// When the responder logged that the streaming client went away (its access-log line for
    /// the stream, written as the worker gives the request up).
    static func clientGoneTime(_ log: String) -> Date? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("end=client_gone") }),
              let stamp = line.split(separator: " ").first(where: { $0.hasPrefix("ts=") }) else { return nil }
        return Timestamp.parse(String(stamp.dropFirst(3)))
    }

    /// Starts a delta stream with message "go" and hangs up once the first text_delta arrived.
    static func hangUpAfterFirstDelta(_ agent: TestStack, session: String) async throws -> HTTPTestStream {
        let body: JSONValue = ["message": "go", "session_id": .string(session)]
        return try await agent.client.stream("/agent/query-stream-delta", method: "POST",
                                             headers: [("Content-Type", "application/json")],
                                             body: Data(body.serialized().utf8)) { stream in
            stream.events.contains { $0.data?.contains(#""type":"text_delta""#) == true }
        }
    }
}
