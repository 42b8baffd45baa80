/// How log lines are written: `logfmt` for people and grep, `json` for log shippers.
enum LogFormat: String, Sendable, CaseIterable {
    case logfmt
    case json
}
