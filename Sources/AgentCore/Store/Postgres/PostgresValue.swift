/// A statement parameter. Every value goes to the server as a separate text-format parameter
/// of a prepared statement, never spliced into SQL text.
enum PostgresValue: Sendable, Hashable {
    case null
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)

    static func optionalText(_ value: String?) -> PostgresValue {
        value.map(PostgresValue.text) ?? .null
    }

    static func int(_ value: Int) -> PostgresValue {
        .int(Int64(value))
    }

    /// The text form the server parses (float8 input reads Swift's shortest round-tripping
    /// form exactly, so times survive bit for bit); nil for NULL.
    var textForm: String? {
        switch self {
        case .null: return nil
        case .text(let value): return value
        case .int(let value): return String(value)
        case .double(let value): return value.description
        case .bool(let value): return value ? "t" : "f"
        }
    }
}
