import Foundation

public struct ToolRegistryError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The tools an agent offers, in the order the model and `GET /tools` see them.
/// Any `Tool` fits (built-in, `CommandTool`, an HTTP tool); names are unique. Sources (MCP
/// servers) add tools whose list changes at run time, after these (`current`).
public struct ToolRegistry: Sendable {
    public private(set) var tools: [any Tool] = []
    public private(set) var sources: [any ToolSource] = []

    public init() {}

    public init(_ tools: [any Tool]) throws {
        for tool in tools { try register(tool) }
    }

    /// `calculator` and `current_time`: what a session has by default.
    public static func builtIn() -> ToolRegistry {
        var registry = ToolRegistry()
        registry.tools = [CalculatorTool(), CurrentTimeTool()]
        return registry
    }

    /// What a server configures: the built-ins (unless turned off), then the operator's command
    /// tools, then any other tools (HTTP tools) in the given order.
    public static func configured(builtIns: Bool = true, commandTools: [CommandToolSpec] = [],
                                  otherTools: [any Tool] = []) throws -> ToolRegistry {
        var registry = builtIns ? builtIn() : ToolRegistry()
        for spec in commandTools { try registry.register(CommandTool(spec: spec)) }
        for tool in otherTools { try registry.register(tool) }
        return registry
    }

    public mutating func register(_ tool: any Tool) throws {
        let name = tool.definition.name
        guard Self.isValidName(name) else {
            throw ToolRegistryError(message: "tool name \"\(name)\" must match ^[A-Za-z0-9_-]{1,64}$ (provider rule)")
        }
        guard self.tool(named: name) == nil else {
            throw ToolRegistryError(message: "a tool named \"\(name)\" is already registered")
        }
        tools.append(tool)
    }

    /// Drops the tool with this name (an operator disabling a built-in); false when absent.
    @discardableResult
    public mutating func remove(named name: String) -> Bool {
        let before = tools.count
        tools.removeAll { $0.definition.name == name }
        return tools.count != before
    }

    public mutating func add(source: any ToolSource) {
        sources.append(source)
    }

    /// The fixed tools, then what each source offers now.
    public var current: [any Tool] {
        guard !sources.isEmpty else { return tools }
        var offered = tools
        for source in sources {
            offered += source.tools(reserved: Set(offered.map(\.definition.name)))
        }
        return offered
    }

    public func tool(named name: String) -> (any Tool)? {
        tools.first { $0.definition.name == name }
    }

    public var names: [String] { tools.map(\.definition.name) }

    public var definitions: [ToolDefinition] { tools.map(\.definition) }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
    }
}
