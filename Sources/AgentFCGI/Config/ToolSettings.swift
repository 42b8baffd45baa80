import AgentCore
import Logging

struct ToolSettings: Sendable, Hashable {
    var builtIns: [String] = ["calculator", "current_time"]
    var commandTools: [CommandToolSpec] = []
    var httpTools: [HTTPToolSpec] = []
    var mcpServers: [MCPServerSpec] = []
}
