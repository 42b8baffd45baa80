import Foundation

/// Command line of the load client. Every run is bounded by `--streams` and `--timeout`.
struct Options {
    var port: UInt16 = 0
    var method = "POST"
    /// `{i}` becomes the stream's index here too (GET /sessions/bench-{i}).
    var path = "/"
    /// Request body; `{i}` becomes the stream's index (for per-stream session ids).
    var body = ""
    var streams = 1
    var concurrency = 0
    /// A token is one occurrence of this byte string in the response (e.g. `text_delta`).
    var marker = ""
    /// A response counts as complete only if this appears (e.g. `: done` or `[DONE]`).
    var endMarker = ""
    /// Expected gap between tokens; token k's lateness is arrival - send - k * delay.
    var delayMs = 0.0
    var timeoutSeconds = 60.0
    /// Connection starts are spread evenly over this many milliseconds.
    var rampMs = 0.0

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw UsageError("missing value after \(flag)") }
            switch flag {
            case "--port": options.port = try number(value, flag)
            case "--path": options.path = value
            case "--method": options.method = value
            case "--body": options.body = value
            case "--streams": options.streams = try number(value, flag)
            case "--concurrency": options.concurrency = try number(value, flag)
            case "--marker": options.marker = value
            case "--end-marker": options.endMarker = value
            case "--delay-ms": options.delayMs = try number(value, flag)
            case "--timeout": options.timeoutSeconds = try number(value, flag)
            case "--ramp-ms": options.rampMs = try number(value, flag)
            default: throw UsageError("unknown flag \(flag)")
            }
        }
        guard options.port != 0 else { throw UsageError("--port is required") }
        guard options.streams > 0 else { throw UsageError("--streams must be > 0") }
        if options.concurrency <= 0 { options.concurrency = options.streams }
        return options
    }

    private static func number<T: LosslessStringConvertible>(_ text: String, _ flag: String) throws -> T {
        guard let value = T(text) else { throw UsageError("\(flag) wants a number, got \(text)") }
        return value
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
