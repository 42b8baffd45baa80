import Foundation

/// Why a query stops before a normal answer; each maps to exactly one terminal event.
enum RunStop: Error {
    /// The query task was cancelled; `partialText` is what the model had streamed of its answer.
    case cancelled(partialText: String)
    /// The model failed after retries.
    case llm(String)
    case budget(String)
    /// The answer did not match the query's `response_format`, even when asked once more.
    case responseFormat(String)
    /// A checkpoint could not be stored, or something else of ours broke.
    case internalError(String)

    /// The tool-result text for calls this stop left unanswered.
    var unansweredReason: String {
        switch self {
        case .cancelled: return "cancelled"
        default: return "interrupted"
        }
    }
}
