/// The name a model sees for an MCP tool: `PREFIX__TOOL`, made to fit what every provider accepts
/// (`^[a-zA-Z0-9_-]{1,64}$`) the same way every time, so a conversation stored yesterday still
/// names the tools of today.
///
/// Characters outside the set become `_`. A name longer than 64 keeps its first 55 characters and
/// ends with `_` and 8 hex digits of a hash of the full unsanitised name, so two long names that
/// share a beginning stay apart. Sanitising can still map two names onto one (`a.b`, `a_b`):
/// `MCPToolCatalog` reports that as a configuration error naming both.
public enum MCPToolName {
    public static let maxLength = 64
    public static let separator = "__"

    public static func exposed(prefix: String, tool: String) -> String {
        let raw = prefix + separator + tool
        var name = String(String.UnicodeScalarView(raw.unicodeScalars.map { isAllowed($0) ? $0 : "_" }))
        if name.count > maxLength {
            name = String(name.prefix(maxLength - 9)) + "_" + hexHash(raw)
        }
        return name
    }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-": return true
        default: return false
        }
    }

    /// FNV-1a, 32 bits, over the UTF-8 bytes: stable across runs and platforms (unlike `hashValue`).
    static func hexHash(_ text: String) -> String {
        var hash: UInt32 = 0x811C_9DC5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
