import AgentCore
import Foundation

/// Compact one-line renderings of tool calls, results and usage for the terminal.
enum ChatFormatting {
    /// `2+3` for a single argument, `a=1, b="x"` for several, cut to `limit` characters.
    static func arguments(_ args: JSONValue?, limit: Int = 60) -> String {
        guard let args else { return "" }
        let text: String
        if let raw = args["_raw"]?.stringValue {
            text = raw
        } else if let object = args.objectValue {
            if object.count == 1, let value = object.first?.value {
                text = value.stringValue ?? value.serialized()
            } else {
                text = object.keys.sorted().map { "\($0)=\(object[$0]!.serialized())" }.joined(separator: ", ")
            }
        } else {
            text = args.serialized()
        }
        return oneLine(text, limit: limit)
    }

    /// Newlines folded, cut to `limit` characters with an ellipsis.
    static func oneLine(_ text: String, limit: Int = 80) -> String {
        let folded = text.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ")
            .trimmingCharacters(in: .whitespaces)
        return folded.count > limit ? String(folded.prefix(limit - 1)) + "…" : folded
    }

    /// `123 tokens (100 in, 20 cached, 23 out) · $0.000123`, from an API Usage object.
    static func usage(_ usage: JSONValue) -> String {
        let total = usage["total_tokens"]?.intValue ?? 0
        let prompt = usage["total_prompt_tokens"]?.intValue ?? 0
        let cached = usage["total_prompt_cached_tokens"]?.intValue ?? 0
        let completion = usage["total_completion_tokens"]?.intValue ?? 0
        var text = "\(total) tokens (\(prompt) in"
        if cached > 0 { text += ", \(cached) cached" }
        text += ", \(completion) out) · " + cost(usage["total_cost"])
        return text
    }

    /// One line per model of a Usage object's `by_model`.
    static func usageByModel(_ usage: JSONValue) -> [String] {
        guard let models = usage["by_model"]?.objectValue else { return [] }
        return models.keys.sorted().map { name in
            let model = models[name]!
            let calls = model["invocations"]?.intValue ?? 0
            return "\(name): \(model["total_tokens"]?.intValue ?? 0) tokens in \(calls) call\(calls == 1 ? "" : "s") "
                + "(\(model["prompt_tokens"]?.intValue ?? 0) in, \(model["completion_tokens"]?.intValue ?? 0) out) · "
                + cost(model["cost"])
        }
    }

    /// `$0.000123`, or `cost unknown` when the model has no price (the API's null).
    static func cost(_ value: JSONValue?) -> String {
        guard let cost = value?.doubleValue else { return "cost unknown" }
        return "$" + String(format: "%.6f", cost)
    }
}
