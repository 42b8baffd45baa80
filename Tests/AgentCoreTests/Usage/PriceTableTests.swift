import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

@Suite struct PriceTableTests {
    static let shipped = TestEnvironment.packageRoot.appendingPathComponent("conf/prices.json")

    @Test func shippedTableLoadsWithItsDate() throws {
        let table = try PriceTable(contentsOf: Self.shipped)
        #expect(table.taken != nil)
        #expect(table.price(for: "gpt-4o") == ModelPrice(input: 2.5, cachedInput: 1.25, output: 10))
        for model in ["gpt-4o-mini", "gpt-4.1", "claude-sonnet-4-5", "claude-haiku-4-5", "deepseek-chat", "deepseek-reasoner"] {
            #expect(table.price(for: model) != nil, "\(model) has a price")
        }
    }

    @Test func datedAndPrefixedNamesFindTheirFamily() throws {
        let table = try PriceTable(contentsOf: Self.shipped)
        #expect(table.price(for: "gpt-4o-2024-08-06") == table.price(for: "gpt-4o"))
        #expect(table.price(for: "gpt-4o-mini-2024-07-18") == table.price(for: "gpt-4o-mini"), "the longest prefix wins")
        #expect(table.price(for: "claude-sonnet-4-5-20250929") == table.price(for: "claude-sonnet-4-5"))
        #expect(table.price(for: "openai/GPT-4o") == table.price(for: "gpt-4o"))
        #expect(table.price(for: "gpt-4omni") == nil, "a prefix must end at a dash")
        #expect(table.price(for: "llama-3-70b") == nil)
    }

    @Test func costCountsCachedPromptTokensAtTheCachedPrice() {
        let price = ModelPrice(input: 2, cachedInput: 0.5, output: 8)
        let usage = TokenUsage(promptTokens: 1_000_000, cachedPromptTokens: 400_000, completionTokens: 250_000)
        #expect(price.cost(of: usage) == 0.6 * 2 + 0.4 * 0.5 + 0.25 * 8)
        #expect(ModelPrice(input: 2, output: 8).cost(of: usage) == 2 + 0.25 * 8, "no cached price: cached tokens cost like input")
    }

    @Test func unknownModelHasNullCostNeverZero() {
        var usage = SessionUsage()
        usage.record(model: "mystery", tokens: TokenUsage(promptTokens: 10, completionTokens: 5), price: nil)
        #expect(usage.byModel["mystery"]?.cost == nil)
        #expect(usage.totalCost == nil)
        #expect(usage.json["total_cost"] == .null)
        usage.record(model: "known", tokens: TokenUsage(promptTokens: 1_000_000), price: ModelPrice(input: 1, output: 1))
        #expect(usage.byModel["known"]?.cost == 1)
        #expect(usage.totalCost == nil, "a partial sum would understate the bill")
        #expect(usage.byModel["mystery"]?.invocations == 1)
    }

    @Test func operatorFileExtendsAndOverrides() throws {
        let base = try PriceTable(json: ["taken": "2025-11", "models": ["a": ["input": 1, "output": 2], "b": ["input": 3, "output": 4]]])
        let extra = try PriceTable(json: ["models": ["b": ["input": 5, "cached_input": 1, "output": 6], "c": ["input": 7, "output": 8]]])
        let merged = base.merging(extra)
        #expect(merged.price(for: "a") == ModelPrice(input: 1, output: 2))
        #expect(merged.price(for: "b") == ModelPrice(input: 5, cachedInput: 1, output: 6))
        #expect(merged.price(for: "c") == ModelPrice(input: 7, output: 8))
        #expect(merged.taken == "2025-11")
    }

    @Test func malformedEntriesAreRejectedWithTheModelName() {
        #expect(throws: PriceTableError.self) { try PriceTable(json: ["models": ["x": ["input": "cheap", "output": 1]]]) }
        #expect(throws: PriceTableError.self) { try PriceTable(json: ["nothing": true]) }
        do {
            _ = try PriceTable(json: ["models": ["x": ["input": -1, "output": 1]]])
        } catch {
            #expect("\(error)".contains("\"x\""))
        }
    }

    @Test func budgetChecksTokensAndKnownCost() {
        var usage = SessionUsage()
        usage.record(model: "m", tokens: TokenUsage(promptTokens: 60, completionTokens: 40), price: ModelPrice(input: 1e4, output: 1e4))
        #expect(Budget(maxTotalTokens: 100).exhaustion(of: usage) == "session budget exhausted: 100 of 100 tokens used")
        #expect(Budget(maxTotalTokens: 101).exhaustion(of: usage) == nil)
        #expect(Budget(maxCost: 1).exhaustion(of: usage) != nil)
        #expect(Budget(maxCost: 2).exhaustion(of: usage) == nil)
    }
}
