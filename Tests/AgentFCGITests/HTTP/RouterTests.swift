import AgentCore
import Foundation
import Testing
@testable import AgentFCGI

/// Router.
@Suite struct RouterTests {
    private func makeRouter() -> Router {
        var router = Router()
        router.get("/sessions") { _ in .text("list") }
        router.post("/sessions") { _ in .text("create") }
        router.get("/sessions/{id}") { request in .text("get \(request.pathParameter("id") ?? "?")") }
        router.delete("/sessions/{id}") { request in .text("delete \(request.pathParameter("id") ?? "?")") }
        router.post("/sessions/{id}/clear") { request in .text("clear \(request.pathParameter("id") ?? "?")") }
        router.get("/boom") { _ in throw HTTPError.unavailable("Too busy", retryAfterSeconds: 7) }
        router.get("/crash") { _ in throw CocoaError(.fileNoSuchFile) }
        return router
    }

    private func body(_ response: HTTPResponse) -> String {
        guard case .bytes(let data) = response.body else { return "<stream>" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Literal and parameterised routes match with their parameters.
    @Test func matchesRoutes() async {
        let router = makeRouter()
        #expect(body(await router.respond(to: HTTPRequest(method: "GET", path: "/sessions"))) == "list")
        #expect(body(await router.respond(to: HTTPRequest(method: "POST", path: "/sessions"))) == "create")
        #expect(body(await router.respond(to: HTTPRequest(method: "GET", path: "/sessions/abc-1"))) == "get abc-1")
        #expect(body(await router.respond(to: HTTPRequest(method: "DELETE", path: "/sessions/x"))) == "delete x")
        #expect(body(await router.respond(to: HTTPRequest(method: "POST", path: "/sessions/x/clear"))) == "clear x")
    }

    /// Unknown paths are 404 Not Found, including a trailing slash and an empty parameter.
    @Test func notFound() async {
        let router = makeRouter()
        for path in ["/nope", "/sessions/x/clear/more", "/sessions//clear", "/sessions/x/"] {
            let response = await router.respond(to: HTTPRequest(method: "GET", path: path))
            #expect(response.status == 404, "\(path)")
            #expect(body(response) == #"{"detail":"Not Found"}"#)
        }
    }

    /// A known path with the wrong method is 405 with every allowed method in Allow.
    @Test func methodNotAllowed() async {
        let router = makeRouter()
        let response = await router.respond(to: HTTPRequest(method: "PUT", path: "/sessions/abc"))
        #expect(response.status == 405)
        #expect(body(response) == #"{"detail":"Method Not Allowed"}"#)
        #expect(response.header("allow") == "GET, HEAD, DELETE")
        let clear = await router.respond(to: HTTPRequest(method: "GET", path: "/sessions/abc/clear"))
        #expect(clear.header("Allow") == "POST")
    }

    /// HEAD is answered by the GET route.
    @Test func headUsesGet() async {
        let response = await makeRouter().respond(to: HTTPRequest(method: "HEAD", path: "/sessions"))
        #expect(response.status == 200)
    }

    /// A thrown HTTPError becomes its response, headers included; other errors are 500 with the message.
    @Test func errorsBecomeResponses() async throws {
        let router = makeRouter()
        let busy = await router.respond(to: HTTPRequest(method: "GET", path: "/boom"))
        #expect(busy.status == 503)
        #expect(body(busy) == #"{"detail":"Too busy"}"#)
        #expect(busy.header("Retry-After") == "7")
        let crash = await router.respond(to: HTTPRequest(method: "GET", path: "/crash"))
        #expect(crash.status == 500)
        #expect(try JSONValue.parse(Data(body(crash).utf8))["detail"]?.stringValue?.isEmpty == false)
    }

    /// The response carries the route it was matched to, so metrics and logs do not match the path again.
    @Test func responseCarriesItsRoute() async {
        let router = makeRouter()
        let found = await router.respond(to: HTTPRequest(method: "GET", path: "/sessions/abc"))
        #expect(found.route == .init(template: "/sessions/{id}", parameters: ["id": "abc"]))
        let thrown = await router.respond(to: HTTPRequest(method: "GET", path: "/boom"))
        #expect(thrown.status == 503 && thrown.route?.template == "/boom", "a handler's error keeps its route")
        let wrongMethod = await router.respond(to: HTTPRequest(method: "PUT", path: "/sessions/abc"))
        #expect(wrongMethod.status == 405 && wrongMethod.route?.template == "/sessions/{id}")
        let unknown = await router.respond(to: HTTPRequest(method: "GET", path: "/nope"))
        #expect(unknown.status == 404 && unknown.route == nil)
    }
}
