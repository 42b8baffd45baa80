import Foundation

/// What one query asks for beyond its message. Every field is optional: nil keeps what the
/// session and the configuration say.
public struct QueryOptions: Sendable, Hashable, Codable {
    /// One of the operator's allowed models (`model.allowed`); nil: the session's, else the default.
    public var model: String?
    public var responseFormat: ResponseFormat?
    /// Names of configured tools offered to this query only; `[]` offers none, nil all.
    public var tools: [String]?
    /// Sampling overrides for this query (the OpenAI front door passes the client's through).
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var stop: [String]?

    public init(model: String? = nil, responseFormat: ResponseFormat? = nil, tools: [String]? = nil,
                maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil, stop: [String]? = nil) {
        self.model = model
        self.responseFormat = responseFormat
        self.tools = tools
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.stop = stop
    }

    /// The configured options with this query's overrides applied.
    func applied(to options: ChatOptions) -> ChatOptions {
        var options = options
        if let maxTokens { options.maxTokens = maxTokens }
        if let temperature { options.temperature = temperature }
        if let topP { options.topP = topP }
        if let stop { options.stop = stop }
        return options
    }

    /// Stored with a paused turn's calls (`PendingApproval.queryOptions`).
    enum CodingKeys: String, CodingKey {
        case model, responseFormat = "response_format", tools, maxTokens = "max_tokens", temperature, topP = "top_p", stop
    }
}
