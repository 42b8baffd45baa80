import Testing
@testable import AgentCore

/// Lifetime usage is what clears set aside plus what was used since: `SessionUsage.adding`.
@Suite struct SessionUsageTests {
    static func usage(_ entries: [(model: String, prompt: Int, completion: Int, price: ModelPrice?)]) -> SessionUsage {
        var usage = SessionUsage()
        for entry in entries {
            usage.record(model: entry.model, tokens: TokenUsage(promptTokens: entry.prompt, completionTokens: entry.completion),
                         price: entry.price)
        }
        return usage
    }

    @Test func addingSumsModelByModel() {
        let price = ModelPrice(input: 1_000_000, output: 2_000_000)
        let before = Self.usage([("a", 10, 5, price), ("b", 1, 1, nil)])
        let since = Self.usage([("a", 4, 1, price), ("c", 2, 2, price)])
        let lifetime = before.adding(since)
        #expect(lifetime.totalTokens == before.totalTokens + since.totalTokens)
        #expect(lifetime.byModel["a"]?.promptTokens == 14 && lifetime.byModel["a"]?.invocations == 2)
        #expect(lifetime.byModel["a"]?.cost == 26, "20 + 6 dollars")
        #expect(lifetime.byModel["b"] == before.byModel["b"] && lifetime.byModel["c"] == since.byModel["c"])
        #expect(lifetime.totalCost == nil, "model b has no price, so the total is unknown, never a partial sum")
    }

    @Test func aCostKnownOnOneSideOnlyIsUnknown() {
        let priced = Self.usage([("a", 10, 0, ModelPrice(input: 1, output: 1))])
        let unpriced = Self.usage([("a", 10, 0, nil)])
        #expect(priced.adding(unpriced).byModel["a"]?.cost == nil)
        #expect(unpriced.adding(priced).byModel["a"]?.cost == nil)
    }

    @Test func nothingAddedChangesNothing() {
        let usage = Self.usage([("a", 3, 4, nil)])
        #expect(usage.adding(SessionUsage()) == usage && SessionUsage().adding(usage) == usage)
    }
}
