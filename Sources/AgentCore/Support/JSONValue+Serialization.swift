import Foundation

public struct JSONParseError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "invalid JSON: \(message)" }
}

extension JSONValue {
    /// Parses UTF-8 JSON text (RFC 8259). Top-level scalars are accepted.
    public static func parse(_ data: Data) throws -> JSONValue {
        try parse(Array(data))
    }

    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    /// Compact one-line JSON, object keys sorted.
    public func serialized() -> String {
        var output = ""
        write(to: &output)
        return output
    }

    public func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let value): JSONValue.writeNumber(value, to: &output)
        case .string(let value): JSONValue.writeString(value, to: &output)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                JSONValue.writeString(key, to: &output)
                output += ":"
                object[key]!.write(to: &output)
            }
            output += "}"
        }
    }

    /// Serializes an object with its fields in the given order (wire formats that are read by people).
    public static func serializeObject(_ fields: [(String, JSONValue)]) -> String {
        var output = "{"
        for (index, field) in fields.enumerated() {
            if index > 0 { output += "," }
            writeString(field.0, to: &output)
            output += ":"
            field.1.write(to: &output)
        }
        output += "}"
        return output
    }

    static func writeNumber(_ value: Double, to output: inout String) {
        if !value.isFinite {
            output += "null"
        } else if value.rounded() == value, abs(value) < 9.0e15 {
            output += String(Int64(value))
        } else {
            output += "\(value)"
        }
    }

    static func writeString(_ value: String, to output: inout String) {
        output += "\""
        // Most strings need no escaping: append them whole. DEL is 0x7F, the C1 controls (U+0085
        // NEXT LINE among them) start with 0xC2, U+2028/2029 with 0xE2.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0x7F
                                         || $0 == 0xC2 || $0 == 0xE2 }) {
            output += value
            output += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if JSONValue.needsEscape(scalar) {
                    output += String(format: "\\u%04x", scalar.value)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    /// Control characters and line breaks beyond what JSON requires: U+2028/2029 are legal JSON
    /// but break JavaScript line parsing in SSE consumers, and every C0/C1 control (U+0085 NEXT
    /// LINE, U+001C-1E among them) is a line break to some reader of logs (Python's
    /// `splitlines`, Unicode-aware tools), where it could forge a line.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029: return true
        default: return false
        }
    }
}
