/// A path template such as `/sessions/{id}/events`. `{name}` matches exactly one non-empty segment.
public struct RoutePattern: Sendable, Equatable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]
    public let description: String

    public init(_ template: String) {
        description = template
        segments = RoutePattern.split(template).map { part in
            if part.hasPrefix("{"), part.hasSuffix("}"), part.count > 2 {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(part)
        }
    }

    /// The parameter values when `path` matches, nil otherwise.
    public func match(_ path: String) -> [String: String]? {
        let parts = RoutePattern.split(path)
        guard parts.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard literal == part else { return nil }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                parameters[name] = part
            }
        }
        return parameters
    }

    // "/a/b/" and "/a/b" are different routes in FastAPI; keep the trailing empty segment so they stay so.
    private static func split(_ path: String) -> [String] {
        let trimmed = path.hasPrefix("/") ? path.dropFirst() : Substring(path)
        return trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }
}
