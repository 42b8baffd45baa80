import AgentCore

print("agent-fcgi \(AgentCoreInfo.version)")
