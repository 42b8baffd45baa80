import AgentCore

extension Dictionary where Key == String, Value == JSONValue {
    /// A required string field of a JSON body; FastAPI's 422 when missing or not a string.
    func requiredString(_ name: String) throws(HTTPError) -> String {
        guard let value = self[name] else {
            throw .unprocessable([.missing(["body", .string(name)], input: .object(self))])
        }
        guard let text = value.stringValue else {
            throw .unprocessable([.stringType(["body", .string(name)], input: value)])
        }
        return text
    }

    /// An optional string field: absent or null is nil; anything else but a string is a 422.
    func optionalString(_ name: String) throws(HTTPError) -> String? {
        guard let value = self[name], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw .unprocessable([.stringType(["body", .string(name)], input: value)])
        }
        return text
    }
}
