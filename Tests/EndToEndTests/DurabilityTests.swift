import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Durability: crash recovery and resumable streams.
///
/// Issue 6 end to end: the real responder behind nginx, the fake LLM, the SQLite store on disk,
/// and real `kill -9`s.
@Suite struct DurabilityTests {
    /// A calculator call; with `delayMs`, the fake LLM waits that long before answering it.
    static func toolStep(_ id: String, _ expression: String, delayMs: Int? = nil) -> JSONValue {
        var step: [String: JSONValue] = ["tool_calls": [["name": "calculator", "arguments": ["expression": .string(expression)],
                                                          "id": .string(id)]]]
        if let delayMs { step["delay_ms"] = .number(Double(delayMs)) }
        return .object(step)
    }

    static func slowText(words: Int, delayMs: Int) -> JSONValue {
        ["text": .string((1...words).map { "w\($0)" }.joined(separator: " ")), "token_delay_ms": .number(Double(delayMs))]
    }

    static func query(_ message: String, session: String) -> JSONValue {
        ["message": .string(message), "session_id": .string(session)]
    }

    /// Kill -9 mid-query: history is the last completed step, the log ends interrupted+usage, the session goes on.
    @Test func killMidQuery() async throws {
        let stack = try TestStack()
        defer { stack.stop() }
        try await stack.llm.script([Self.toolStep("call_1", "2+3"), Self.toolStep("call_2", "3*4"),
                                    Self.slowText(words: 60, delayMs: 150)])
        // The responder dies while the client is still reading, three tokens into the third step.
        let seen = try await stack.readStream("POST", "/agent/query-stream-delta", body: Self.query("compute", session: "crash-1"),
                                              until: { $0.events.filter { $0.data?.contains(#""type":"text_delta""#) == true }.count >= 3 },
                                              whileOpen: { try stack.killResponder() })
        #expect(seen.status == 200)
        #expect(!seen.endsWithDone && !seen.events.contains { $0.data?.contains(#""type":"final""#) == true },
                "the client's stream was cut: \(seen.frames.map(\.text).suffix(3))")
        let seenSeqs = seen.seqs
        let maxSeen = try #require(seenSeqs.max())
        #expect(seenSeqs == seenSeqs.sorted() && Set(seenSeqs).count == seenSeqs.count)

        try stack.startResponder()
        #expect(try stack.lastStartUpWork()["recovered"] == 1)

        // History: the two completed tool steps, every call answered; not the half-streamed text.
        let messages = try await stack.getJSON("/sessions/crash-1/messages")["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["role"]?.stringValue ?? "?" } == ["user", "assistant", "tool", "assistant", "tool"],
                "\(messages)")
        let callIds = messages.flatMap { $0["tool_calls"]?.arrayValue ?? [] }.compactMap { $0["id"]?.stringValue }
        let answered = messages.compactMap { $0["tool_call_id"]?.stringValue }
        #expect(callIds == ["call_1", "call_2"] && answered == callIds)
        #expect(messages.last?["content"]?.stringValue == "12")

        // The log: what was committed, then final{interrupted}, then usage, then `: done`.
        let log = try await stack.eventLog("crash-1")
        let objects = try log.eventObjects()
        #expect(log.endsWithDone, "\(log.frames.map(\.text))")
        #expect(objects.suffix(2).map { $0["type"]?.stringValue } == ["final", "usage"])
        #expect(objects.dropLast().last?["status"] == "interrupted")
        #expect(objects.last?["usage"]?["total_tokens"]?.intValue ?? 0 > 0, "usage as of the last committed step")
        #expect(log.seqs == log.seqs.sorted() && Set(log.seqs).count == log.seqs.count)
        // The interrupted final is numbered above anything the client saw before the crash.
        let finalSeq = try #require(log.seqs.dropLast().last)
        #expect(finalSeq > maxSeen, "final seq \(finalSeq) must be above the \(maxSeen) the client saw")
        // What was committed is exactly what was streamed under those seqs.
        let stored = Dictionary(uniqueKeysWithValues: log.events.compactMap { frame in frame.id.map { ($0, frame.data) } })
        for frame in seen.events {
            guard let id = frame.id, let data = stored[id] else { continue }
            #expect(data == frame.data, "seq \(id) differs between the live stream and the store")
        }
        #expect(objects.contains { $0["type"] == "step_complete" && $0["step_id"] == "call_2" })

        // A client that saw up to `maxSeen` resumes after the restart and gets just the end.
        let resumed = try await stack.eventLog("crash-1", query: "stream=delta", headers: [("Last-Event-ID", String(maxSeen))])
        #expect(try resumed.eventObjects().map { $0["type"]?.stringValue } == ["final", "usage"])
        #expect(resumed.endsWithDone)

        // The session works again, with the recovered history, and seq continues upward.
        let requestsBefore = try await stack.llm.requests().count
        try await stack.llm.script([["text": "after the crash"]])
        let answer = try await stack.postJSON("/agent/query", Self.query("again", session: "crash-1"))
        #expect(answer.status == 200, "\(answer.text)")
        #expect(try answer.json()["response"] == "after the crash")
        let sent = try await stack.llm.requests()
        #expect(sent.count == requestsBefore + 1)
        let sentRoles = sent.last?["body"]?["messages"]?.arrayValue?.compactMap { $0["role"]?.stringValue } ?? []
        #expect(sentRoles.filter { $0 != "system" } == ["user", "assistant", "tool", "assistant", "tool", "user"],
                "the model gets the recovered history: \(sentRoles)")
        let after = try await stack.eventLog("crash-1", query: "after=\(log.seqs.last ?? 0)")
        let newObjects = try after.eventObjects()
        #expect(!after.seqs.isEmpty && after.seqs.allSatisfy { $0 > log.seqs.last ?? 0 })
        #expect(newObjects.suffix(2).map { $0["type"]?.stringValue } == ["final", "usage"])
        #expect(newObjects.dropLast().last?["status"] == "completed")
    }

    /// A dropped stream resumes with exactly the missing events: live, after the end, after a restart.
    @Test func resumeDroppedStream() async throws {
        let stack = try TestStack()
        defer { stack.stop() }
        try await stack.llm.script([Self.toolStep("call_1", "1+1"), Self.slowText(words: 40, delayMs: 120)])
        let seen = try await stack.readStream("POST", "/agent/query-stream-delta", body: Self.query("go", session: "resume-1")) {
            $0.events.filter { $0.data?.contains(#""type":"text_delta""#) == true }.count >= 3
        }
        let lastSeen = try #require(seen.events.last?.id)

        // Live: reconnect while the query still streams its text.
        let live = try await stack.eventLog("resume-1", query: "stream=delta", headers: [("Last-Event-ID", String(lastSeen))])
        #expect(live.endsWithDone, "\(live.frames.map(\.text))")
        let liveTypes = try live.eventObjects().map { $0["type"]?.stringValue ?? "?" }
        #expect(liveTypes.first == "text_delta", "the query was still running when the client came back: \(liveTypes)")

        // The truth, once it finished: the delta-kind log of the whole query.
        let full = try await stack.eventLog("resume-1", query: "after=0&stream=delta")
        #expect(full.endsWithDone)
        #expect(try full.eventObjects().suffix(2).map { $0["type"]?.stringValue } == ["final", "usage"])
        let fullFrames = full.events.map { "\($0.id ?? -1) \($0.data ?? "")" }
        let seenFrames = seen.events.map { "\($0.id ?? -1) \($0.data ?? "")" }
        let liveFrames = live.events.map { "\($0.id ?? -1) \($0.data ?? "")" }
        #expect(seenFrames + liveFrames == fullFrames, "no gap, no duplicate: seen \(seen.seqs), resumed \(live.seqs), log \(full.seqs)")

        // After the end, by header and by query parameter.
        let middle = full.seqs[full.seqs.count / 2]
        let expected = Array(fullFrames.drop { Int($0.prefix { $0 != " " })! <= middle })
        let byHeader = try await stack.eventLog("resume-1", query: "stream=delta", headers: [("Last-Event-ID", String(middle))])
        let byQuery = try await stack.eventLog("resume-1", query: "after=\(middle)&stream=delta")
        #expect(byHeader.events.map { "\($0.id ?? -1) \($0.data ?? "")" } == expected && byHeader.endsWithDone)
        #expect(byQuery.events.map { "\($0.id ?? -1) \($0.data ?? "")" } == expected && byQuery.endsWithDone)

        // After a restart the same requests answer the same from the store alone.
        try stack.restartResponder()
        let restartedHeader = try await stack.eventLog("resume-1", query: "stream=delta",
                                                       headers: [("Last-Event-ID", String(middle))])
        let restartedQuery = try await stack.eventLog("resume-1", query: "after=\(middle)&stream=delta")
        #expect(restartedHeader.events.map { "\($0.id ?? -1) \($0.data ?? "")" } == expected && restartedHeader.endsWithDone)
        #expect(restartedQuery.events.map { "\($0.id ?? -1) \($0.data ?? "")" } == expected && restartedQuery.endsWithDone)
        let restartedFull = try await stack.eventLog("resume-1", query: "after=0&stream=delta")
        #expect(restartedFull.events.map { "\($0.id ?? -1) \($0.data ?? "")" } == fullFrames)
        // The step kind filters stored events the same way as live ones.
        let steps = try await stack.eventLog("resume-1", query: "after=0&stream=step")
        #expect(try steps.eventObjects().allSatisfy { $0["type"] != "text_delta" })
        #expect(try steps.eventObjects().contains { $0["type"] == "text" })
    }
}
