import AgentCore

/// The scalar fields of a chat completion body: streaming and the sampling options that pass
/// through to the model. `n` other than 1 is refused (the agent gives one answer).
struct ChatCompletionSampling: Sendable {
    var stream = false
    var includeUsage = false
    var maxTokens: Int?
    var temperature: Double?
    var topP: Double?
    var stop: [String]?
    var issues: [ValidationIssue] = []

    init(_ body: [String: JSONValue]) {
        stream = flag(body["stream"], at: ["body", "stream"]) ?? false
        if let options = body["stream_options"], !options.isNull {
            if options.objectValue != nil {
                includeUsage = flag(options["include_usage"], at: ["body", "stream_options", "include_usage"]) ?? false
            } else {
                issues.append(.objectType(["body", "stream_options"], input: options))
            }
        }
        // `max_completion_tokens` is OpenAI's newer name; either one limits the answer.
        maxTokens = integer(body["max_completion_tokens"], at: ["body", "max_completion_tokens"], range: 1...10_000_000)
            ?? integer(body["max_tokens"], at: ["body", "max_tokens"], range: 1...10_000_000)
        temperature = number(body["temperature"], at: ["body", "temperature"], range: 0...2)
        topP = number(body["top_p"], at: ["body", "top_p"], range: 0...1)
        if let n = integer(body["n"], at: ["body", "n"], range: 1...128), n != 1 {
            issues.append(.lessThanOrEqual(["body", "n"], bound: 1, input: .number(Double(n))))
        }
        switch body["stop"] {
        case nil, .null?: break
        case .string(let text)?: stop = [text]
        case .array(let items)?:
            let texts = items.compactMap(\.stringValue)
            if texts.count == items.count { stop = texts } else { issues.append(.listType(["body", "stop"], input: .array(items))) }
        case let other?: issues.append(.stringType(["body", "stop"], input: other))
        }
    }

    private mutating func flag(_ value: JSONValue?, at loc: [JSONValue]) -> Bool? {
        guard let value, !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            issues.append(.boolType(loc, input: value))
            return nil
        }
        return flag
    }

    private mutating func integer(_ value: JSONValue?, at loc: [JSONValue], range: ClosedRange<Int>) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.intValue else {
            issues.append(.intType(loc, input: value))
            return nil
        }
        return bounded(number, Double(number), range: Double(range.lowerBound)...Double(range.upperBound), at: loc, input: value)
    }

    private mutating func number(_ value: JSONValue?, at loc: [JSONValue], range: ClosedRange<Double>) -> Double? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.doubleValue else {
            issues.append(.numberType(loc, input: value))
            return nil
        }
        return bounded(number, number, range: range, at: loc, input: value)
    }

    private mutating func bounded<T>(_ value: T, _ number: Double, range: ClosedRange<Double>, at loc: [JSONValue],
                                     input: JSONValue) -> T? {
        if number < range.lowerBound {
            issues.append(ValidationIssue(type: "greater_than_equal", loc: loc,
                                          msg: "Input should be greater than or equal to \(Self.text(range.lowerBound))",
                                          input: input, ctx: ["ge": .number(range.lowerBound)]))
            return nil
        }
        if number > range.upperBound {
            issues.append(ValidationIssue(type: "less_than_equal", loc: loc,
                                          msg: "Input should be less than or equal to \(Self.text(range.upperBound))",
                                          input: input, ctx: ["le": .number(range.upperBound)]))
            return nil
        }
        return value
    }

    private static func text(_ number: Double) -> String { JSONValue.number(number).serialized() }
}
