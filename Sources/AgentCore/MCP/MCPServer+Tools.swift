import Logging
import MCP

extension MCPServer {
    /// Refetches the tool list on `notifications/tools/list_changed`; one refresh at a time, and
    /// one more if another notification came meanwhile.
    func refreshTools() {
        let connection = state.withLock { state -> MCPConnection? in
            guard state.phase == .up, let connection = state.connection else { return nil }
            if state.refreshing {
                state.refreshAgain = true
                return nil
            }
            state.refreshing = true
            return connection
        }
        guard let connection else { return }
        Task {
            repeat {
                do {
                    let tools = try await connection.listTools(within: spec.startupTimeout).map(Self.info)
                    state.withLock { state in
                        if state.connection === connection { state.tools = tools }
                    }
                    logger.info("MCP server tool list refreshed", metadata: ["tools": "\(tools.count)"])
                } catch {
                    logger.warning("MCP server tool list refresh failed", metadata: ["reason": "\(error)"])
                }
            } while state.withLock { state in
                if state.refreshAgain {
                    state.refreshAgain = false
                    return true
                }
                state.refreshing = false
                return false
            }
        }
    }

    static func info(_ tool: MCP.Tool) -> MCPToolInfo {
        MCPToolInfo(name: tool.name, title: tool.title, description: tool.description ?? "",
                    inputSchema: MCPResultRenderer.json(tool.inputSchema) ?? ["type": "object"])
    }
}
