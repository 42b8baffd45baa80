import Foundation

/// The session-id rule, in one place: the routes, the OpenAI front door, error messages and the
/// chat client all use `isValid` and quote `pattern`.
public enum SessionID {
    /// docs/API.md §1, as 422 answers and openapi.yaml quote it. `isValid` is the same rule
    /// without a regex engine (it runs on every request).
    public static let pattern = "^[A-Za-z0-9._:-]{1,128}$"

    public static func isValid(_ id: String) -> Bool {
        let bytes = id.utf8
        guard (1...128).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    public static func generate() -> String {
        UUID.systemRandom().uuidString.lowercased()
    }
}
