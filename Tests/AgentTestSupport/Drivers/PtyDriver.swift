import AgentCore
import Foundation

/// Runs `Tests/Fixtures/chat/drive_pty.py`: a command in a pseudo-terminal, typed at step by
/// step, with what it printed (and when) reported back as JSON. The checks stay in the tests.
///
/// Threading: the child is awaited through its termination handler, never on a pool thread.
public struct PtyDriver {
    public struct Step: Sendable {
        public var name: String
        public var send: String?
        public var expect: String?
        public var timeout: Double = 10
        public var exit = false

        public init(name: String, send: String? = nil, expect: String? = nil, timeout: Double = 10, exit: Bool = false) {
            self.name = name
            self.send = send
            self.expect = expect
            self.timeout = timeout
            self.exit = exit
        }

        public var json: JSONValue {
            var fields: [String: JSONValue] = ["name": .string(name), "timeout": .number(timeout), "exit": .bool(exit)]
            if let send { fields["send"] = .string(send) }
            if let expect { fields["expect"] = .string(expect) }
            return .object(fields)
        }
    }

    public struct Outcome: Sendable {
        public var status: Int32
        public var report: JSONValue?
        public var stdout: String
        public var stderr: String

        public var exitCode: Int? { report?["exit_code"]?.intValue }
        public var failures: [String] { report?["failures"]?.arrayValue?.compactMap(\.stringValue) ?? ["no report"] }
        public var transcript: String { report?["transcript"]?.stringValue ?? "" }

        public func step(_ name: String) -> JSONValue? {
            report?["steps"]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }

        /// (seconds since the step began, text) for each read of the step's output.
        public func chunks(of name: String) -> [(time: Double, text: String)] {
            (step(name)?["chunks"]?.arrayValue ?? []).compactMap { pair in
                guard let time = pair[0]?.doubleValue, let text = pair[1]?.stringValue else { return nil }
                return (time, text)
            }
        }

        public var explanation: String { "drive_pty.py exited \(status)\nfailures: \(failures)\ntranscript:\n\(transcript)\nstderr:\n\(stderr)" }
    }

    public static let script = TestEnvironment.fixture("chat/drive_pty.py")

    public static func run(_ command: [String], steps: [Step], workDirectory: String) async throws -> Outcome {
        let stepsPath = workDirectory + "/steps.json"
        try JSONValue.array(steps.map(\.json)).serialized().write(toFile: stepsPath, atomically: true, encoding: .utf8)
        let result = try await PythonScript.run(script, ["--steps", stepsPath, "--"] + command,
                                                workDirectory: workDirectory, name: "drive_pty")
        return Outcome(status: result.status, report: try? JSONValue.parse(result.stdout), stdout: result.stdout,
                       stderr: result.stderr)
    }
}
