import AgentCore
import Foundation
import Yams

/// `model.allowed` and `model.context_windows`.
///
/// Model names hold dots (`gpt-4.1`, `llama3.1:8b`), which the layered reader takes for key
/// separators, so the `context_windows` mapping is read from the YAML file itself (it has no
/// environment form); `allowed` is an ordinary list (`AGENT_FCGI_MODEL_ALLOWED=a,b`).
enum ModelChoiceSection {
    static func read(_ source: ConfigSource, structure: YAMLStructure?, defaultModel: String) throws -> ModelChoices {
        var allowed = [defaultModel]
        for name in try source.stringArray("model.allowed") ?? [] {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw source.error("model.allowed", "a model name is empty") }
            if !allowed.contains(trimmed) { allowed.append(trimmed) }
        }
        var windows: [String: Int] = [:]
        for (name, text) in structure?.contextWindows ?? [] {
            let key = "model.context_windows.\(name)"
            guard allowed.contains(name) else {
                throw source.error(key, "\(name) is not in model.allowed (nor model.name), so no query can use it")
            }
            guard let tokens = Int(text.trimmingCharacters(in: .whitespaces)), (0...100_000_000).contains(tokens) else {
                throw source.error(key, "expected a whole number of tokens between 0 and 100000000, got \(text.debugDescription)")
            }
            windows[name] = tokens
        }
        return ModelChoices(allowed: allowed, contextWindows: windows)
    }
}
