import AgentCore
import AgentTestSupport
import Foundation
import Testing

/// Query option validation.
///
/// Every 422 of the query options, worded as pydantic v2 words them, and the same mistakes on
/// the OpenAI front door as OpenAI's 400 `invalid_request_error`. No model is called for any.
@Suite struct QueryValidationTests {
    struct Case: Sendable, CustomStringConvertible {
        var body: JSONValue
        var type: String
        var loc: JSONValue
        var description: String { "\(loc.serialized()) \(type)" }
    }

    static let png = "data:image/png;base64,iVBORw0KGgo="

    static func parts(_ part: JSONValue) -> JSONValue { ["message": [part]] }

    static let cases: [Case] = [
        Case(body: ["message": "x", "model": "not-allowed"], type: "literal_error", loc: ["body", "model"]),
        Case(body: ["message": "x", "model": 4], type: "string_type", loc: ["body", "model"]),
        Case(body: ["message": "x", "response_format": "json"], type: "model_attributes_type", loc: ["body", "response_format"]),
        Case(body: ["message": "x", "response_format": [:]], type: "union_tag_not_found", loc: ["body", "response_format"]),
        Case(body: ["message": "x", "response_format": ["type": "xml"]], type: "union_tag_invalid", loc: ["body", "response_format"]),
        Case(body: ["message": "x", "response_format": ["type": "json_schema"]], type: "missing",
             loc: ["body", "response_format", "json_schema"]),
        Case(body: ["message": "x", "response_format": ["type": "json_schema", "json_schema": ["schema": [:]]]],
             type: "missing", loc: ["body", "response_format", "json_schema", "name"]),
        Case(body: ["message": "x", "response_format": ["type": "json_schema", "json_schema": ["name": "a b", "schema": [:]]]],
             type: "string_pattern_mismatch", loc: ["body", "response_format", "json_schema", "name"]),
        Case(body: ["message": "x", "response_format": ["type": "json_schema", "json_schema": ["name": "a"]]],
             type: "missing", loc: ["body", "response_format", "json_schema", "schema"]),
        Case(body: ["message": "x", "response_format": ["type": "json_schema", "json_schema": ["name": "a", "schema": "{}"]]],
             type: "dict_type", loc: ["body", "response_format", "json_schema", "schema"]),
        Case(body: ["message": "x", "response_format": ["type": "json_schema",
                                                        "json_schema": ["name": "a", "schema": [:], "strict": "yes"]]],
             type: "bool_type", loc: ["body", "response_format", "json_schema", "strict"]),
        Case(body: ["message": "x", "tools": "calculator"], type: "list_type", loc: ["body", "tools"]),
        Case(body: ["message": "x", "tools": ["calculator", "rm_rf"]], type: "literal_error", loc: ["body", "tools", 1]),
        Case(body: ["message": "x", "tools": [1]], type: "string_type", loc: ["body", "tools", 0]),
        Case(body: ["message": []], type: "too_short", loc: ["body", "message"]),
        Case(body: ["message": 5], type: "string_type", loc: ["body", "message"]),
        Case(body: parts("hello"), type: "model_attributes_type", loc: ["body", "message", 0]),
        Case(body: parts(["text": "hi"]), type: "union_tag_not_found", loc: ["body", "message", 0]),
        Case(body: parts(["type": "input_audio"]), type: "union_tag_invalid", loc: ["body", "message", 0]),
        Case(body: parts(["type": "text"]), type: "missing", loc: ["body", "message", 0, "text"]),
        Case(body: parts(["type": "text", "text": 3]), type: "string_type", loc: ["body", "message", 0, "text"]),
        Case(body: parts(["type": "image_url"]), type: "missing", loc: ["body", "message", 0, "image_url"]),
        Case(body: parts(["type": "image_url", "image_url": [:]]), type: "missing", loc: ["body", "message", 0, "image_url", "url"]),
        Case(body: parts(["type": "image_url", "image_url": ["url": "http://example.org/a.png"]]), type: "value_error",
             loc: ["body", "message", 0, "image_url", "url"]),
        Case(body: parts(["type": "image_url", "image_url": ["url": "data:image/bmp;base64,Qk0="]]), type: "value_error",
             loc: ["body", "message", 0, "image_url", "url"]),
        Case(body: parts(["type": "image_url", "image_url": ["url": "data:image/png;base64,%%%"]]), type: "value_error",
             loc: ["body", "message", 0, "image_url", "url"]),
        Case(body: parts(["type": "image_url", "image_url": ["url": .string(png), "detail": "ultra"]]), type: "literal_error",
             loc: ["body", "message", 0, "image_url", "detail"]),
    ]

    /// Each malformed query option is a 422 at its field, on every query endpoint.
    @Test func everyMistakeIsA422AtItsField() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        for item in Self.cases {
            for path in ["/agent/query", "/agent/query-stream", "/agent/query-stream-delta"] {
                let answer = try await agent.postJSON(path, item.body)
                #expect(answer.status == 422, "\(path) \(item): \(answer.status) \(answer.text)")
                let first = try answer.json()["detail"]?[0]
                #expect(first?["type"]?.stringValue == item.type && first?["loc"] == item.loc, "\(path) \(item): \(answer.text)")
                #expect(first?["msg"]?.stringValue?.isEmpty == false)
            }
        }
        let session = try await agent.postJSON("/sessions", ["model": "gpt-5"])
        #expect(session.status == 422)
        #expect(try session.json()["detail"] == [["type": "literal_error", "loc": ["body", "model"],
                                                  "msg": "Input should be 'fake-model'", "input": "gpt-5",
                                                  "ctx": ["expected": "'fake-model'"]]], "\(session.text)")
        #expect(try await agent.llm.requests().isEmpty, "no model call for a refused query")
    }

    /// A body with several mistakes lists them all.
    @Test func allMistakesOfABodyAreListed() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        let answer = try await agent.postJSON("/agent/query", ["message": [["type": "text"]], "model": "x",
                                                               "tools": ["nope"], "response_format": ["type": "yaml"]])
        let locs = try answer.json()["detail"]?.arrayValue?.compactMap { $0["loc"] } ?? []
        #expect(locs == [["body", "message", 0, "text"], ["body", "model"], ["body", "response_format"], ["body", "tools", 0]],
                "\(answer.text)")
    }

    /// On /v1 the same mistakes are OpenAI's 400 invalid_request_error naming the field.
    @Test func openAIFrontDoorErrors() async throws {
        let agent = try await TestStack.start(model: .fakeSingleAttempt)
        defer { agent.stop() }
        func error(_ response: HTTPTestResponse) throws -> JSONValue {
            #expect(response.headers["content-type"] == "application/json")
            return try #require(try response.json()["error"], "\(response.text)")
        }
        let badPart = try await agent.postJSON("/v1/chat/completions", [
            "model": "agent", "messages": [["role": "user", "content": [["type": "image_url", "image_url": ["url": "ftp://x"]]]]]])
        #expect(badPart.status == 400)
        let badPartError = try error(badPart)
        #expect(badPartError["type"] == "invalid_request_error" && badPartError["param"] == "messages.0.content.0.image_url.url")
        #expect(badPartError["code"] == "value_error")

        for (body, param) in [(["model": "agent"] as JSONValue, "messages"),
                              (["model": "agent", "messages": []], "messages"),
                              (["model": "agent", "messages": [["role": "user", "content": "hi"], ["role": "assistant", "content": "yo"]]],
                               "messages.1.role"),
                              (["model": "agent", "messages": [["role": "robot", "content": "hi"]]], "messages.0.role"),
                              (["model": "agent", "messages": [["role": "user", "content": "hi"]], "temperature": 3], "temperature"),
                              (["model": "agent", "messages": [["role": "user", "content": "hi"]], "n": 2], "n"),
                              (["model": "agent", "messages": [["role": "user", "content": "hi"]], "stream": "yes"], "stream"),
                              (["model": "agent", "messages": [["role": "user", "content": "hi"]],
                                "response_format": ["type": "json_schema"]], "response_format.json_schema")] {
            let answer = try await agent.postJSON("/v1/chat/completions", body)
            #expect(answer.status == 400, "\(body.serialized()): \(answer.text)")
            #expect(try error(answer)["param"]?.stringValue == param, "\(body.serialized()): \(answer.text)")
        }
        let unknownModel = try await agent.postJSON("/v1/chat/completions", ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]])
        #expect(unknownModel.status == 404)
        #expect(try error(unknownModel)["code"] == "model_not_found")
        let badSession = try await agent.postJSON("/v1/chat/completions", ["model": "agent", "messages": [["role": "user", "content": "hi"]]],
                                                  headers: [("X-Session-Id", "no spaces allowed")])
        #expect(badSession.status == 400)
        #expect(try error(badSession)["param"] == "X-Session-Id")
        let unknownPath = try await agent.client.get("/v1/embeddings")
        #expect(unknownPath.status == 404)
        #expect(try error(unknownPath)["message"] == "Not Found")
        let wrongMethod = try await agent.client.get("/v1/chat/completions")
        #expect(wrongMethod.status == 405)
        #expect(try error(wrongMethod)["code"] == "method_not_allowed")
        #expect(wrongMethod.headers["allow"] == "POST")
        let notJSON = try await agent.client.request("POST", "/v1/chat/completions", headers: [("Content-Type", "application/json")],
                                                     body: Data("{".utf8))
        #expect(notJSON.status == 400)
        #expect(try error(notJSON)["code"] == "json_invalid")
        #expect(try await agent.llm.requests().isEmpty, "no model call for a refused request")
    }
}
