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

    public enum Resolution: Sendable {
        case matched(HTTPHandler, parameters: [String: String])
        case methodNotAllowed(allow: [String])
        case notFound
    }

    private var routes: [Route] = []
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

    public func resolve(method: String, path: String) -> Resolution {
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.pattern.match(path) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .matched(route.handler, parameters: parameters)
            }
            for name in route.method == "GET" ? ["GET", "HEAD"] : [route.method] where !allowed.contains(name) {
                allowed.append(name)
            }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allow: allowed)
    }

    /// Routes and runs the request; every error becomes a response here and nowhere else.
    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        switch resolve(method: request.method, path: request.path) {
        case .notFound:
            return HTTPError.notFound().response
        case .methodNotAllowed(let allow):
            return HTTPError.methodNotAllowed(allow: allow).response
        case .matched(let handler, let parameters):
            var routed = request
            routed.pathParameters = parameters
            do {
                return try await handler(routed)
            } catch let error as HTTPError {
                return error.response
            } catch {
                logger.error("handler failed", metadata: ["method": "\(request.method)", "path": "\(request.path)",
                                                          "error": "\(error)"])
                return HTTPError.internalError(String(describing: error)).response
            }
        }
    }
}
