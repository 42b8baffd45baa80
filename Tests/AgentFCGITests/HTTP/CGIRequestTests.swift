import Foundation
import Testing
@testable import AgentFCGI

/// FastCGI params to HTTPRequest.
@Suite struct CGIRequestTests {
    private let params = [
        "REQUEST_METHOD": "post",
        "REQUEST_URI": "/agent-api/sessions/a%20b/clear?x=1&name=J%C3%BCrgen+M&x=2&flag",
        "DOCUMENT_URI": "/agent-api/sessions/a b/clear",
        "QUERY_STRING": "x=1&name=J%C3%BCrgen+M&x=2&flag",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "2",
        "HTTP_LAST_EVENT_ID": "42",
        "HTTP_X_FORWARDED_FOR": "10.0.0.1",
        "REMOTE_USER": "alice",
        "REMOTE_ADDR": "127.0.0.1",
    ]

    /// Method, path, query, headers and user are copied out and decoded.
    @Test func parsesParams() {
        let request = HTTPRequest(cgiParams: params, body: Data("{}".utf8), basePath: "/agent-api")
        #expect(request.method == "POST")
        #expect(request.path == "/sessions/a b/clear")
        #expect(request.rawQuery == "x=1&name=J%C3%BCrgen+M&x=2&flag")
        #expect(request.query("name") == "Jürgen M")
        #expect(request.query("x") == "2", "the last value wins, as in Starlette")
        #expect(request.query("flag") == "")
        #expect(request.queryItems.count == 4)
        #expect(request.headers["last-event-id"] == "42")
        #expect(request.header("X-Forwarded-For") == "10.0.0.1")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["remote-addr"] == nil, "only HTTP_* and CONTENT_* are headers")
        #expect(request.remoteUser == "alice")
        #expect(request.body == Data("{}".utf8))
    }

    /// Base path stripping keeps paths outside the prefix as they are.
    @Test func basePath() {
        #expect(HTTPRequest.strip(basePath: "/agent-api", from: "/agent-api") == "/")
        #expect(HTTPRequest.strip(basePath: "/agent-api", from: "/agent-api/health") == "/health")
        #expect(HTTPRequest.strip(basePath: "/agent-api", from: "/agent-apix/health") == "/agent-apix/health")
        #expect(HTTPRequest.strip(basePath: "", from: "/health") == "/health")
        #expect(ResponderSettings.normalizedBasePath("agent-api/") == "/agent-api")
        #expect(ResponderSettings.normalizedBasePath("/") == "")
    }

    /// Without REQUEST_URI the path falls back to DOCUMENT_URI; empty REMOTE_USER is no user.
    @Test func fallbacks() {
        let request = HTTPRequest(cgiParams: ["DOCUMENT_URI": "/ping", "REMOTE_USER": ""], body: Data(), basePath: "")
        #expect(request.method == "GET")
        #expect(request.path == "/ping")
        #expect(request.remoteUser == nil)
    }

    /// Malformed percent escapes are kept literally.
    @Test func malformedEscapes() {
        #expect(QueryString.decode("100%", plusIsSpace: true) == "100%")
        #expect(QueryString.decode("%zz%4", plusIsSpace: true) == "%zz%4")
        #expect(QueryString.decode("a+b%2B", plusIsSpace: false) == "a+b+")
    }
}

/// Response header safety.
@Suite struct HeaderSafetyTests {
    /// Line breaks in header names or values cannot start a new header.
    @Test func lineBreaksAreNeutralised() {
        #expect(FastCGIWorker.headerSafe("abc") == "abc")
        #expect(FastCGIWorker.headerSafe("a\r\nSet-Cookie: x") == "a Set-Cookie: x")
        #expect(FastCGIWorker.headerSafe("a\nb\rc") == "a b c")
    }
}
