import AgentCore
import Foundation
import Testing
@testable import AgentFCGI

/// FastAPI 422 and error shapes.
@Suite struct ValidationTests {
    private func body(_ error: HTTPError) -> String {
        guard case .bytes(let data) = error.response.body else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    private func thrown(_ work: () throws -> Void) -> HTTPError? {
        do { try work() } catch { return error as? HTTPError }
        return nil
    }

    /// Issues serialise in FastAPI's field order with pydantic's messages.
    @Test func issueShapes() {
        let missing = HTTPError.unprocessable([.missing(["body", "message"], input: [:])])
        #expect(missing.status == 422)
        #expect(body(missing) == #"{"detail":[{"type":"missing","loc":["body","message"],"msg":"Field required","input":{}}]}"#)
        let wrongType = HTTPError.unprocessable([.stringType(["body", "message"], input: 5)])
        #expect(body(wrongType) == #"{"detail":[{"type":"string_type","loc":["body","message"],"msg":"Input should be a valid string","input":5}]}"#)
        #expect(body(.bodyTooLarge) == #"{"detail":"Request body too large"}"#)
        #expect(HTTPError.bodyTooLarge.status == 413)
    }

    /// An empty body, broken JSON and a non-object body are 422 like FastAPI's.
    @Test func jsonBody() throws {
        let empty = thrown { _ = try HTTPRequest(method: "POST", path: "/", body: Data()).jsonObjectBody() }
        #expect(empty.map(body) == #"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#)

        let broken = try #require(thrown { _ = try HTTPRequest(method: "POST", path: "/", body: Data(#"{"a":"#.utf8)).jsonObjectBody() })
        let issue = try #require(broken.issues?.first)
        #expect(issue.type == "json_invalid")
        #expect(issue.msg == "JSON decode error")
        #expect(issue.loc.first == "body" && issue.loc.count == 2 && issue.loc[1].intValue != nil)
        #expect(issue.ctx?["error"]?.stringValue?.isEmpty == false)

        let array = thrown { _ = try HTTPRequest(method: "POST", path: "/", body: Data("[1]".utf8)).jsonObjectBody() }
        #expect(array?.issues?.first?.type == "model_attributes_type")

        let object = try HTTPRequest(method: "POST", path: "/", body: Data(#"{"message":"hi"}"#.utf8)).jsonObjectBody()
        #expect(object["message"] == "hi")
    }

    /// Integer query parameters: default, parse error, bounds.
    @Test func integerQuery() throws {
        let absent = HTTPRequest(method: "GET", path: "/")
        #expect(try absent.integerQuery("n", default: 3, range: 1...10) == 3)
        #expect(try HTTPRequest(method: "GET", path: "/", rawQuery: "n=7").integerQuery("n", default: 3, range: 1...10) == 7)
        let low = thrown { _ = try HTTPRequest(method: "GET", path: "/", rawQuery: "n=0").integerQuery("n", default: 3, range: 1...10) }
        #expect(low.map(body) == #"{"detail":[{"type":"greater_than_equal","loc":["query","n"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]}"#)
        let high = thrown { _ = try HTTPRequest(method: "GET", path: "/", rawQuery: "n=11").integerQuery("n", default: 3, range: 1...10) }
        #expect(high?.issues?.first?.type == "less_than_equal")
        let text = thrown { _ = try HTTPRequest(method: "GET", path: "/", rawQuery: "n=x").integerQuery("n", default: 3, range: 1...10) }
        #expect(text?.issues?.first?.type == "int_parsing")
    }
}
