/// Builds the `ChatModel` a configuration describes, wrapped in its retry policy.
public enum ChatModelFactory {
    /// Reads the API key (may touch the file system) and returns the model. Throws
    /// `ModelSettingsError` when the key source is unusable.
    public static func make(_ configuration: ModelSettings, client: HTTPClient = .shared) throws -> any ChatModel {
        let base: any ChatModel
        switch configuration.provider {
        case .openai: base = try OpenAIChatModel(configuration: configuration, client: client)
        case .anthropic: base = try AnthropicChatModel(configuration: configuration, client: client)
        }
        return configuration.retry.maxAttempts > 1 ? RetryingChatModel(base: base, policy: configuration.retry) : base
    }
}
