import Foundation
import Logging

/// Async request handler. Runs on the cooperative pool: it must never block (no libfcgi, no
/// blocking I/O); throw `HTTPError` for error responses.
public typealias HTTPHandler = @Sendable (HTTPRequest) async throws -> HTTPResponse

/// Method + path → handler, with FastAPI's 404/405 behaviour. Built once at start-up
/// (a value type), then shared read-only by every worker.
public struct Router: Sendable {
    struct Route: Sendable {
        let method: String
        let pattern: RoutePattern
        let handler: HTTPHandler
    }

    /// The route a path falls under, for metrics and logs: its template (never the raw path,
    /// which would make one metric series per session id) and the parameter values.
    public struct RouteMatch: Sendable, Equatable {
        public let template: String
        public let parameters: [String: String]
    }

    /// The metric label of requests no route knows: a fixed value keeps the label set bounded.
    public static let unmatchedRoute = "unmatched"

    public enum Resolution: Sendable {
        case matched(HTTPHandler, RouteMatch)
        /// The path is a route's, the method is not: `route` is the first route with the path.
        case methodNotAllowed(allow: [String], route: RouteMatch)
        case notFound
    }

    private var routes: [Route] = []
    /// Error bodies by path prefix, for route groups whose clients expect another error shape
    /// than FastAPI's (the OpenAI front door); every other path keeps `HTTPError.response`.
    private var errorRenderers: [(prefix: String, render: @Sendable (HTTPError) -> HTTPResponse)] = []
    private let logger = Logger(label: "agent-fcgi.router")

    public init() {}

    /// Registers `handler` for `method` on `template`. A GET route also answers HEAD, as in Starlette.
    public mutating func add(_ method: String, _ template: String, _ handler: @escaping HTTPHandler) {
        routes.append(Route(method: method.uppercased(), pattern: RoutePattern(template), handler: handler))
    }

    public mutating func get(_ template: String, _ handler: @escaping HTTPHandler) { add("GET", template, handler) }
    public mutating func post(_ template: String, _ handler: @escaping HTTPHandler) { add("POST", template, handler) }
    public mutating func put(_ template: String, _ handler: @escaping HTTPHandler) { add("PUT", template, handler) }
    public mutating func delete(_ template: String, _ handler: @escaping HTTPHandler) { add("DELETE", template, handler) }

    /// Errors of paths under `prefix` (router 404/405 and body limits included) are rendered by `render`.
    public mutating func renderErrors(under prefix: String, with render: @escaping @Sendable (HTTPError) -> HTTPResponse) {
        errorRenderers.append((prefix, render))
    }

    /// The response for `error` on `path`, in the shape that path's clients expect.
    public func errorResponse(_ error: HTTPError, for path: String) -> HTTPResponse {
        if let renderer = errorRenderers.first(where: { path.hasPrefix($0.prefix) }) { return renderer.render(error) }
        return error.response
    }

    /// The one place a path is matched against the routes; `respond` hands the match on with the
    /// response, so metrics and the access log do not match it again.
    public func resolve(method: String, path: String) -> Resolution {
        var allowed: [String] = []
        var samePath: RouteMatch?
        for route in routes {
            guard let parameters = route.pattern.match(path) else { continue }
            let found = RouteMatch(template: route.pattern.description, parameters: parameters)
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .matched(route.handler, found)
            }
            if samePath == nil { samePath = found }
            for name in route.method == "GET" ? ["GET", "HEAD"] : [route.method] where !allowed.contains(name) {
                allowed.append(name)
            }
        }
        guard let samePath else { return .notFound }
        return .methodNotAllowed(allow: allowed, route: samePath)
    }

    /// The route for `method` on `path`, or, for a wrong method, the first route with that path
    /// (a 405 is still "this route"); nil when no route has the path.
    public func match(method: String, path: String) -> RouteMatch? {
        switch resolve(method: method, path: path) {
        case .matched(_, let found), .methodNotAllowed(_, let found): return found
        case .notFound: return nil
        }
    }

    /// Routes and runs the request; every error becomes a response here and nowhere else. The
    /// response carries the route it was matched to (`HTTPResponse.route`).
    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        switch resolve(method: request.method, path: request.path) {
        case .notFound:
            return errorResponse(.notFound(), for: request.path)
        case .methodNotAllowed(let allow, let route):
            var response = errorResponse(.methodNotAllowed(allow: allow), for: request.path)
            response.route = route
            return response
        case .matched(let handler, let route):
            var routed = request
            routed.pathParameters = route.parameters
            var response: HTTPResponse
            do {
                response = try await handler(routed)
            } catch let error as HTTPError {
                response = errorResponse(error, for: request.path)
            } catch {
                logger.error("handler failed", metadata: ["method": "\(request.method)", "path": "\(request.path)",
                                                          "error": "\(error)"])
                response = errorResponse(.internalError(String(describing: error)), for: request.path)
            }
            response.route = route
            return response
        }
    }
}
