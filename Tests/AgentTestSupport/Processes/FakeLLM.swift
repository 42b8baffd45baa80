import AgentCore
import Foundation

/// Tests/Fixtures/fake-llm/fake_llm.py as a child process on a free loopback port: the scripted
/// model every test target points its code at (the responder through `OPENAI_BASE_URL` =
/// `openAIBaseURL`, AgentCore's clients through `baseURL`). Scripted and inspected through its
/// control endpoints (Tests/Fixtures/fake-llm/README.md). Stopped by `stop()` or deinit.
///
/// Threading: `init` blocks while the script starts (it polls for the port); from async code use
/// `start()` or `with`, which start it on a thread of their own. Control calls run on their own
/// thread (HTTPTestClient), never on AgentCore's curl thread, so they cannot disturb what a test
/// measures there.
public final class FakeLLM: Sendable {
    public let process: ManagedProcess
    public let port: UInt16
    /// Where its log lives; removed by `stop()` when the fake made it itself.
    public let directory: String
    private let ownsDirectory: Bool
    private let control: HTTPTestClient

    public static let script = TestEnvironment.fixture("fake-llm/fake_llm.py")

    /// The server root (Anthropic's base URL form).
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// The base URL the responder and OpenAI clients use (`OPENAI_BASE_URL`).
    public var openAIBaseURL: String { baseURL + "/v1" }

    /// - Parameter directory: where its log goes (a stack's directory); nil: a temp directory of its own.
    public init(directory: String? = nil) throws {
        guard let python = TestEnvironment.executable("python3") else { throw TestFailure("python3 is not installed") }
        let ownsDirectory = directory == nil
        let directory = try directory ?? TestEnvironment.makeTemporaryDirectory(prefix: "fake-llm")
        self.directory = directory
        self.ownsDirectory = ownsDirectory
        do {
            process = try ManagedProcess(python, ["-u", Self.script, "--port", "0"], logPath: directory + "/fake-llm.log")
        } catch {
            if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
            throw error
        }
        // Its first output line is the port it bound.
        var found: UInt16?
        let process = self.process
        _ = TestEnvironment.waitUntil(timeout: 15) {
            let firstLine = process.log.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            found = UInt16(firstLine.trimmingCharacters(in: .whitespaces))
            return found != nil || !process.isRunning
        }
        guard let found else {
            process.stop(gracePeriod: 1)
            if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
            throw TestFailure("fake_llm.py did not print its port; log:\n\(process.log)")
        }
        port = found
        control = HTTPTestClient(port: found)
    }

    /// Starts one on a thread of its own (starting polls, which must not hold a pool thread).
    public static func start(directory: String? = nil) async throws -> FakeLLM {
        try await HTTPTestClient.onThread { try FakeLLM(directory: directory) }
    }

    /// Runs `body` with a fresh fake that is stopped however the body ends (stopping waits for
    /// the exit, so it too runs on a thread of its own).
    public static func with<T>(_ body: (FakeLLM) async throws -> T) async throws -> T {
        let llm = try await start()
        do {
            let result = try await body(llm)
            _ = try? await HTTPTestClient.onThread { llm.stop() }
            return result
        } catch {
            _ = try? await HTTPTestClient.onThread { llm.stop() }
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Idempotent.
    public func stop() {
        process.stop(gracePeriod: 1)
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The last part of its log, for failure messages.
    public var log: String { String(process.log.suffix(3000)) }

    /// Queues responses, one per model request, consumed in order.
    public func script(_ responses: JSONValue...) async throws {
        try await script(responses)
    }

    public func script(_ responses: [JSONValue]) async throws {
        _ = try await call("POST", "/_control/script", body: .array(responses))
    }

    /// Forgets the script and the recorded requests.
    public func reset() async throws {
        _ = try await call("POST", "/_control/reset", body: [:])
    }

    /// Every model request so far (path, headers, body, closed_early, completed), in order.
    public func requests() async throws -> [JSONValue] {
        try await call("GET", "/_control/requests", body: nil).arrayValue ?? []
    }

    /// `{"in_flight", "max_in_flight", "requests", "queued"}`.
    public func stats() async throws -> JSONValue {
        try await call("GET", "/_control/stats", body: nil)
    }

    /// Polls the recorded requests until `condition` holds or `timeout` seconds pass; returns
    /// the last ones seen either way.
    public func waitForRequests(timeout: Double = 10, _ condition: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            let recorded = try await requests()
            if condition(recorded) || ContinuousClock.now > deadline { return recorded }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Polls until at least `count` requests were recorded; throws after `timeout` seconds.
    public func waitForRequests(_ count: Int, timeout: Double = 20) async throws -> [JSONValue] {
        let recorded = try await waitForRequests(timeout: timeout) { $0.count >= count }
        guard recorded.count >= count else { throw TestFailure("fake LLM saw \(recorded.count) requests, waited for \(count)") }
        return recorded
    }

    /// The system message of the model request at `index` (negative counts from the end).
    public func systemPrompt(ofRequest index: Int) async throws -> String? {
        let all = try await requests()
        let position = index < 0 ? all.count + index : index
        guard all.indices.contains(position) else { return nil }
        let messages = all[position]["body"]?["messages"]?.arrayValue ?? []
        return messages.first { $0["role"]?.stringValue == "system" }?["content"]?.stringValue
    }

    /// One control call (`/_control/…`); any other status than 200 is a TestFailure.
    public func call(_ method: String, _ path: String, body: JSONValue?) async throws -> JSONValue {
        let response = try await control.request(method, path, headers: [("Content-Type", "application/json")],
                                                 body: body.map { Data($0.serialized().utf8) }, timeout: 10)
        guard response.status == 200 else {
            throw TestFailure("fake LLM \(method) \(path) answered \(response.status): \(response.text)")
        }
        return try response.json()
    }
}
