import Foundation

/// Turns provider HTTP answers and transport failures into `LLMError`, the same way for every provider.
enum ProviderErrorMapper {
    /// Phrases providers use when the prompt does not fit (OpenAI, Azure, vLLM, llama.cpp, Anthropic, Ollama).
    private static let overflowPhrases = [
        "maximum context length", "context_length_exceeded", "context length", "prompt is too long",
        "context window", "too many tokens", "exceeds the context", "exceed_context_size", "input is too long",
        "reduce the length",
    ]

    static func isContextOverflow(_ message: String) -> Bool {
        let lowered = message.lowercased()
        return overflowPhrases.contains { lowered.contains($0) }
    }

    /// The error for a non-2xx answer. `body` is the (capped) response body.
    static func error(status: Int, headers: [HTTPHeader], body: [UInt8], host: String, now: Date = Date()) -> LLMError {
        let message = "\(host): " + errorMessage(body)
        switch status {
        case 401, 403: return .authentication(status: status, message: message)
        case 413: return .contextOverflow(message: message)
        case 429: return .rateLimited(retryAfter: retryAfter(headers, now: now), message: message)
        case 408: return .timeout(message: message)
        case 500...599: return .server(status: status, message: message)
        default:
            if isContextOverflow(message) { return .contextOverflow(message: message) }
            return .badRequest(status: status, message: message)
        }
    }

    /// An error object sent inside a stream (OpenAI `{"error":…}`, Anthropic `event: error`).
    static func streamError(_ error: JSONValue, host: String) -> LLMError {
        let message = "\(host): " + (error["message"]?.stringValue ?? error.serialized())
        let type = error["type"]?.stringValue ?? error["code"]?.stringValue ?? ""
        if isContextOverflow(message) || isContextOverflow(type) { return .contextOverflow(message: message) }
        switch type {
        case "rate_limit_error", "rate_limit_exceeded": return .rateLimited(retryAfter: nil, message: message)
        case "authentication_error", "permission_error": return .authentication(status: 401, message: message)
        case "invalid_request_error": return .badRequest(status: 400, message: message)
        case "overloaded_error": return .server(status: 529, message: message)
        default: return .server(status: error["code"]?.intValue ?? 500, message: message)
        }
    }

    static func error(transport: Error) -> LLMError {
        if let error = transport as? LLMError { return error }
        if transport is CancellationError { return .cancelled }
        guard let error = transport as? HTTPClientError else { return .connection(message: "\(transport)") }
        switch error.kind {
        case .timeout: return .timeout(message: error.description)
        case .cancelled: return .cancelled
        case .bodyTooLarge: return .badResponse(message: error.description)
        case .connect, .tls, .transfer, .invalidRequest: return .connection(message: error.description)
        }
    }

    /// The readable part of an error body: `error.message` of a JSON error, else the text, capped.
    static func errorMessage(_ body: [UInt8]) -> String {
        if let json = try? JSONValue.parse(body) {
            if let message = json["error"]?["message"]?.stringValue ?? json["error"]?.stringValue ?? json["message"]?.stringValue {
                if let code = json["error"]?["code"]?.stringValue ?? json["error"]?["type"]?.stringValue {
                    return "\(message) [\(code)]"
                }
                return message
            }
        }
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : text
    }

    /// `retry-after-ms` (OpenAI), else `Retry-After` as seconds or an HTTP date.
    static func retryAfter(_ headers: [HTTPHeader], now: Date) -> Double? {
        if let millis = headers["retry-after-ms"].flatMap(Double.init), millis >= 0 { return millis / 1000 }
        guard let value = headers["retry-after"]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
