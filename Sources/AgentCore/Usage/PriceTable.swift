import Foundation

public struct PriceTableError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Model prices, loaded from a JSON data file (`conf/prices.json`) that operators may extend.
///
/// File shape: `{"taken": "<date>", "models": {"<model>": {"input": $, "cached_input": $, "output": $}}}`,
/// dollars per million tokens; `cached_input` is optional. Keys starting with `_` are comments.
///
/// Name matching: an exact key wins; otherwise the longest key that is a prefix of the name and is
/// followed by `-` (so dated snapshots like `gpt-4o-2024-08-06` or `claude-sonnet-4-5-20250929`
/// find `gpt-4o` and `claude-sonnet-4-5`); a provider prefix such as `openai/` is ignored. A name
/// that matches nothing has no price, and its cost is `nil`, never 0. Because of the prefix rule,
/// list each family member separately (`gpt-4o-mini` next to `gpt-4o`), or the longer name would
/// be billed at the shorter one's price.
public struct PriceTable: Sendable, Hashable {
    public private(set) var prices: [String: ModelPrice]
    /// When the prices were taken from the providers' pages, as the file says.
    public private(set) var taken: String?

    public init(prices: [String: ModelPrice] = [:], taken: String? = nil) {
        self.prices = prices
        self.taken = taken
    }

    public static let empty = PriceTable()

    public init(json: JSONValue) throws {
        guard let models = json["models"]?.objectValue else {
            throw PriceTableError(message: "price table: missing object \"models\"")
        }
        var prices: [String: ModelPrice] = [:]
        for (name, entry) in models where !name.hasPrefix("_") {
            guard let input = entry["input"]?.doubleValue, let output = entry["output"]?.doubleValue else {
                throw PriceTableError(message: "price table: model \"\(name)\" needs numeric \"input\" and \"output\"")
            }
            let cached = entry["cached_input"]
            if let cached, !cached.isNull, cached.doubleValue == nil {
                throw PriceTableError(message: "price table: model \"\(name)\": \"cached_input\" must be a number")
            }
            guard input >= 0, output >= 0, (cached?.doubleValue ?? 0) >= 0 else {
                throw PriceTableError(message: "price table: model \"\(name)\" has a negative price")
            }
            prices[name.lowercased()] = ModelPrice(input: input, cachedInput: cached?.doubleValue, output: output)
        }
        self.init(prices: prices, taken: json["taken"]?.stringValue)
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PriceTableError(message: "price table \(url.path): cannot read: \(error.localizedDescription)")
        }
        do {
            try self.init(json: JSONValue.parse(data))
        } catch let error as PriceTableError {
            throw PriceTableError(message: "\(url.path): \(error.message)")
        } catch {
            throw PriceTableError(message: "price table \(url.path): \(error)")
        }
    }

    /// This table with `other`'s entries added; `other` wins where both name a model
    /// (the operator's file over the shipped one).
    public func merging(_ other: PriceTable) -> PriceTable {
        PriceTable(prices: prices.merging(other.prices) { _, theirs in theirs }, taken: other.taken ?? taken)
    }

    public func price(for model: String) -> ModelPrice? {
        var name = model.lowercased()
        if let price = prices[name] { return price }
        if let slash = name.lastIndex(of: "/") {
            name = String(name[name.index(after: slash)...])
            if let price = prices[name] { return price }
        }
        var best: (key: String, price: ModelPrice)?
        for (key, price) in prices where name.hasPrefix(key + "-") {
            if key.count > (best?.key.count ?? -1) { best = (key, price) }
        }
        return best?.price
    }

    /// nil when the model has no price.
    public func cost(model: String, usage: TokenUsage) -> Double? {
        price(for: model)?.cost(of: usage)
    }
}
