/// AgentCore: everything that is not FastCGI — LLM clients, the agent loop, tools, usage and
/// prices, sessions, the snapshot store. It never imports CFCGI.
public enum AgentCoreInfo {
    public static let version = "0.1.0"
}
