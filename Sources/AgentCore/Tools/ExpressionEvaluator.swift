import Foundation

public struct ExpressionError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

/// Evaluates arithmetic text by recursive descent; nothing is ever handed to an interpreter.
///
/// Grammar (lowest precedence first; `^`/`**` bind tighter than unary minus, so `-2^2` is -4,
/// and are right-associative, so `2^3^2` is 512):
/// ```
/// sum     := product (("+" | "-") product)*
/// product := unary (("*" | "/" | "×" | "÷" | "%") unary)*
/// unary   := ("-" | "+") unary | power
/// power   := primary (("^" | "**") unary)?
/// primary := number | constant | function "(" sum ("," sum)* ")" | "(" sum ")"
/// ```
/// Functions: sqrt abs sin cos tan log (base 10) ln exp floor ceil round min max. Constants: pi e.
public struct ExpressionEvaluator {
    private enum Token: Equatable {
        case number(Double)
        case name(String)
        case op(String)
        case open, close, comma
    }

    private let tokens: [Token]
    private var position = 0

    public static func evaluate(_ text: String) throws -> Double {
        var evaluator = ExpressionEvaluator(tokens: try tokenize(text))
        guard !evaluator.tokens.isEmpty else { throw ExpressionError(message: "empty expression") }
        let value = try evaluator.sum()
        if evaluator.position < evaluator.tokens.count {
            throw ExpressionError(message: "unexpected \(describe(evaluator.tokens[evaluator.position])) after a complete expression")
        }
        guard value.isFinite else { throw ExpressionError(message: "the result is not a finite number") }
        return value
    }

    /// Integral results without a decimal point (`5`), others with up to 15 significant digits.
    public static func format(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 {
            return String(Int64(value))
        }
        return String(format: "%.15g", value)
    }

    private init(tokens: [Token]) {
        self.tokens = tokens
    }

    private mutating func sum() throws -> Double {
        var value = try product()
        while case .op(let op)? = peek(), op == "+" || op == "-" {
            position += 1
            let rhs = try product()
            value = op == "+" ? value + rhs : value - rhs
        }
        return value
    }

    private mutating func product() throws -> Double {
        var value = try unary()
        while case .op(let op)? = peek(), ["*", "/", "%"].contains(op) {
            position += 1
            let rhs = try unary()
            switch op {
            case "*": value *= rhs
            case "/":
                guard rhs != 0 else { throw ExpressionError(message: "division by zero") }
                value /= rhs
            default:
                guard rhs != 0 else { throw ExpressionError(message: "modulo by zero") }
                value = fmod(value, rhs)
            }
        }
        return value
    }

    private mutating func unary() throws -> Double {
        if case .op(let op)? = peek(), op == "-" || op == "+" {
            position += 1
            let value = try unary()
            return op == "-" ? -value : value
        }
        return try power()
    }

    private mutating func power() throws -> Double {
        let base = try primary()
        if case .op("^")? = peek() {
            position += 1
            let exponent = try unary()
            let value = pow(base, exponent)
            guard !value.isNaN else { throw ExpressionError(message: "\(Self.format(base))^\(Self.format(exponent)) is not a real number") }
            return value
        }
        return base
    }

    private mutating func primary() throws -> Double {
        guard let token = peek() else { throw ExpressionError(message: "the expression ends too early") }
        position += 1
        switch token {
        case .number(let value):
            return value
        case .open:
            let value = try sum()
            try expect(.close, "a closing parenthesis")
            return value
        case .name(let name):
            if case .open? = peek() {
                position += 1
                var arguments = [try sum()]
                while case .comma? = peek() {
                    position += 1
                    arguments.append(try sum())
                }
                try expect(.close, "a closing parenthesis after the arguments of \(name)")
                return try Self.apply(name, arguments)
            }
            switch name {
            case "pi", "π": return Double.pi
            case "e": return M_E
            default: throw ExpressionError(message: "unknown name \"\(name)\" (constants: pi, e)")
            }
        default:
            throw ExpressionError(message: "unexpected \(Self.describe(token))")
        }
    }

    private static func apply(_ name: String, _ arguments: [Double]) throws -> Double {
        if name == "min" || name == "max" {
            return name == "min" ? arguments.min()! : arguments.max()!
        }
        guard arguments.count == 1 else {
            throw ExpressionError(message: "\(name) takes one argument, got \(arguments.count)")
        }
        let x = arguments[0]
        switch name {
        case "sqrt":
            guard x >= 0 else { throw ExpressionError(message: "sqrt of a negative number") }
            return x.squareRoot()
        case "abs": return abs(x)
        case "sin": return sin(x)
        case "cos": return cos(x)
        case "tan": return tan(x)
        case "log", "ln":
            guard x > 0 else { throw ExpressionError(message: "\(name) of a number that is not positive") }
            return name == "ln" ? Foundation.log(x) : log10(x)
        case "exp": return exp(x)
        case "floor": return floor(x)
        case "ceil": return ceil(x)
        case "round": return x.rounded()
        default:
            throw ExpressionError(message: "unknown function \"\(name)\" (known: sqrt, abs, sin, cos, tan, log, ln, exp, floor, ceil, round, min, max)")
        }
    }

    private func peek() -> Token? {
        position < tokens.count ? tokens[position] : nil
    }

    private mutating func expect(_ token: Token, _ what: String) throws {
        guard peek() == token else {
            throw ExpressionError(message: "expected \(what), found \(peek().map(Self.describe) ?? "the end")")
        }
        position += 1
    }

    private static func describe(_ token: Token) -> String {
        switch token {
        case .number(let value): return "number \(format(value))"
        case .name(let name): return "\"\(name)\""
        case .op(let op): return "\"\(op)\""
        case .open: return "\"(\""
        case .close: return "\")\""
        case .comma: return "\",\""
        }
    }

    private static func tokenize(_ text: String) throws -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text)
        var index = 0
        while index < chars.count {
            let char = chars[index]
            if char.isWhitespace {
                index += 1
            } else if char.isASCII, char.isNumber || char == "." {
                var end = index
                while end < chars.count, chars[end].isASCII, chars[end].isNumber || chars[end] == "." { end += 1 }
                // Exponent notation: 1e3, 2.5E-4.
                if end < chars.count, chars[end] == "e" || chars[end] == "E" {
                    var probe = end + 1
                    if probe < chars.count, chars[probe] == "+" || chars[probe] == "-" { probe += 1 }
                    if probe < chars.count, chars[probe].isASCII, chars[probe].isNumber {
                        end = probe
                        while end < chars.count, chars[end].isASCII, chars[end].isNumber { end += 1 }
                    }
                }
                let literal = String(chars[index..<end])
                guard let value = Double(literal) else { throw ExpressionError(message: "bad number \"\(literal)\"") }
                tokens.append(.number(value))
                index = end
            } else if char.isLetter || char == "_" {
                var end = index
                while end < chars.count, chars[end].isLetter || chars[end].isNumber || chars[end] == "_" { end += 1 }
                tokens.append(.name(String(chars[index..<end]).lowercased()))
                index = end
            } else {
                index += 1
                switch char {
                case "+": tokens.append(.op("+"))
                case "-", "−", "–": tokens.append(.op("-"))
                case "*" where index < chars.count && chars[index] == "*":
                    index += 1
                    tokens.append(.op("^"))
                case "*", "×", "·": tokens.append(.op("*"))
                case "/", "÷": tokens.append(.op("/"))
                case "%": tokens.append(.op("%"))
                case "^": tokens.append(.op("^"))
                case "(": tokens.append(.open)
                case ")": tokens.append(.close)
                case ",": tokens.append(.comma)
                default: throw ExpressionError(message: "unexpected character \"\(char)\"")
                }
            }
        }
        return tokens
    }
}
