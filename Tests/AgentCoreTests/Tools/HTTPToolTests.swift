import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

/// The operator-defined HTTP tool against a real loopback server that echoes what it received.
@Suite struct HTTPToolTests {
    static let context = ToolContext(sessionId: "s", owner: nil, queryId: "q", toolCallId: "c")

    /// Runs Tests/Fixtures/tools/echo_http.py for one test; killed however the body ends.
    static func withEchoServer<T>(_ body: (String) async throws -> T) async throws -> T {
        let script = TestEnvironment.fixture("tools/echo_http.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer { kill(process.processIdentifier, SIGKILL) }
        let line = await readFirstLine(of: output.fileHandleForReading)
        let port = try #require(Int(line), "echo_http.py printed \(line.debugDescription)")
        return try await body("http://127.0.0.1:\(port)")
    }

    @Test func placeholdersAreEscapedAndTheRestIsTheJSONBody() async throws {
        try await Self.withEchoServer { base in
            let spec = try HTTPToolSpec(json: [
                "name": "lookup", "description": "d", "method": "POST", "url": .string(base + "/items/{name}?q={query}"),
                "headers": ["X-Token: ${ECHO_TOKEN}"],
            ], environment: ["ECHO_TOKEN": "t0k"])
            let output = try await HTTPTool(spec: spec).call(
                arguments: ["name": "a b/c", "query": "x&y=z", "count": 3], context: Self.context)
            #expect(!output.isError)
            let echo = try JSONValue.parse(output.content)
            #expect(echo["method"] == "POST")
            #expect(echo["path"] == "/items/a%20b%2Fc?q=x%26y%3Dz")
            #expect(try JSONValue.parse(echo["body"]?.stringValue ?? "") == ["count": 3])
            #expect(echo["headers"]?["x-token"] == "t0k")
            #expect(echo["headers"]?["content-type"] == "application/json")
        }
    }

    /// Issue 12 #9: a model-chosen `.` or `..` is a segment like any other: `POST /items/{id}`
    /// never becomes `POST /` or `POST /items/`, and nothing on the way normalises the path.
    @Test func dotSegmentsInArgumentsStayInsideTheTemplatePath() async throws {
        try await Self.withEchoServer { base in
            let spec = try HTTPToolSpec(json: ["name": "item", "description": "d", "method": "POST",
                                               "url": .string(base + "/items/{id}")])
            for (id, path) in [("..", "/items/%2E%2E"), (".", "/items/%2E"), ("...", "/items/%2E%2E%2E"),
                               ("../..", "/items/..%2F.."), ("v1.2", "/items/v1.2")] {
                let output = try await HTTPTool(spec: spec).call(arguments: ["id": .string(id)], context: Self.context)
                let echo = try JSONValue.parse(output.content)
                #expect(echo["method"] == "POST")
                #expect(echo["path"]?.stringValue == path, "id \(id.debugDescription) was sent as \(String(describing: echo["path"]))")
            }
            // The operator's own template is sent as written, dot-segments included (PATH_AS_IS).
            let literal = HTTPToolSpec(name: "raw", description: "d", urlTemplate: base + "/a/./b/../c")
            let echo = try JSONValue.parse(try await HTTPTool(spec: literal).call(arguments: [:], context: Self.context).content)
            #expect(echo["path"] == "/a/./b/../c")
        }
    }

    @Test func nonSuccessStatusIsAnErrorResultTheModelSees() async throws {
        try await Self.withEchoServer { base in
            let spec = HTTPToolSpec(name: "fail", description: "d", urlTemplate: base + "/x?status=503")
            let output = try await HTTPTool(spec: spec).call(arguments: [:], context: Self.context)
            #expect(output.isError)
            #expect(output.content.hasPrefix("HTTP 503 from 127.0.0.1:"), "\(output.content)")
        }
    }

    @Test func responsesPastTheCapAreCutWithANote() async throws {
        try await Self.withEchoServer { base in
            let spec = HTTPToolSpec(name: "big", description: "d", urlTemplate: base + "/x?size=100000", responseCap: 1000)
            let output = try await HTTPTool(spec: spec).call(arguments: [:], context: Self.context)
            #expect(!output.isError)
            #expect(output.content.hasSuffix("[response cut at 1000 bytes]"))
            #expect(output.content.utf8.count < 1100)
        }
    }

    @Test func badSpecsAreRefused() {
        #expect(throws: ToolRegistryError.self) { try HTTPToolSpec(json: ["name": "x", "description": "d", "url": "ftp://h/"]) }
        #expect(throws: ToolRegistryError.self) {
            try HTTPToolSpec(json: ["name": "x", "description": "d", "url": "http://h/", "method": "TRACE"])
        }
        #expect(throws: ToolRegistryError.self) {
            try HTTPToolSpec(json: ["name": "x", "description": "d", "url": "http://h/", "headers": ["no colon"]])
        }
    }
}
