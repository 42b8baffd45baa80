import Foundation

/// Built-in: the current date and time, in UTC or a named IANA time zone.
public struct CurrentTimeTool: Tool {
    private let now: @Sendable () -> Date

    /// `now` is injectable so tests can pin the clock.
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "current_time",
            description: "Get the current date and time as ISO 8601 with the UTC offset, the time zone name and the weekday.",
            parameters: [
                "type": "object",
                "properties": ["timezone": ["type": "string",
                                            "description": "IANA time zone name such as \"Europe/Berlin\"; UTC when omitted"]],
                "additionalProperties": false,
            ])
    }

    public var displayName: String { "Current time" }

    public func call(arguments: JSONValue, context: ToolContext) async throws -> ToolOutput {
        let name = arguments["timezone"]?.stringValue ?? "UTC"
        guard let zone = TimeZone(identifier: name) else {
            return .error("unknown time zone \"\(name)\"; use an IANA name such as \"America/New_York\" or \"UTC\"")
        }
        return ToolOutput(content: Self.describe(now(), in: zone, named: name))
    }

    /// `name` is shown as asked for: Foundation reports "UTC" as "GMT".
    static func describe(_ date: Date, in zone: TimeZone, named name: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxxxx"
        let stamp = formatter.string(from: date)
        formatter.dateFormat = "EEEE"
        return "\(stamp) \(name) (\(formatter.string(from: date)))"
    }
}
