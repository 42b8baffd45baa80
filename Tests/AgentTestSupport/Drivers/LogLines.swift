import AgentCore
import Foundation

/// The responder's logfmt lines, parsed into fields (`ts`, `level`, `logger`, `msg`, metadata).
/// Quoted values are JSON string literals (LineLogHandler writes them so).
public enum LogLines {
    public static func parse(_ log: String) -> [[String: String]] {
        log.split(separator: "\n").compactMap { fields(String($0)) }
    }

    /// The access-log lines (`logger=agent-fcgi.access`).
    public static func access(_ log: String) -> [[String: String]] {
        parse(log).filter { $0["logger"] == "agent-fcgi.access" }
    }

    public static func fields(_ line: String) -> [String: String]? {
        var result: [String: String] = [:]
        var rest = Substring(line)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " }
            guard let equals = rest.firstIndex(of: "=") else { return result.isEmpty ? nil : result }
            let key = String(rest[..<equals])
            rest = rest[rest.index(after: equals)...]
            if rest.first == "\"" {
                var end = rest.index(after: rest.startIndex)
                var escaped = false
                while end < rest.endIndex, escaped || rest[end] != "\"" {
                    escaped = !escaped && rest[end] == "\\"
                    end = rest.index(after: end)
                }
                guard end < rest.endIndex else { return nil }
                let literal = String(rest[...end])
                result[key] = (try? JSONValue.parse(Data(literal.utf8)))?.stringValue ?? literal
                rest = rest[rest.index(after: end)...]
            } else {
                let value = rest.prefix { $0 != " " }
                result[key] = String(value)
                rest = rest.dropFirst(value.count)
            }
        }
        return result
    }
}
