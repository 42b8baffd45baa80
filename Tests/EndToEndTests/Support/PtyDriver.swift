import AgentCore
import Foundation

/// Runs `Tests/Fixtures/chat/drive_pty.py`: a command in a pseudo-terminal, typed at step by
/// step, with what it printed (and when) reported back as JSON. The checks stay in the tests.
///
/// Threading: the child is awaited through its termination handler, never on a pool thread.
struct PtyDriver {
    struct Step: Sendable {
        var name: String
        var send: String?
        var expect: String?
        var timeout: Double = 10
        var exit = false

        var json: JSONValue {
            var fields: [String: JSONValue] = ["name": .string(name), "timeout": .number(timeout), "exit": .bool(exit)]
            if let send { fields["send"] = .string(send) }
            if let expect { fields["expect"] = .string(expect) }
            return .object(fields)
        }
    }

    struct Outcome: Sendable {
        var status: Int32
        var report: JSONValue?
        var stdout: String
        var stderr: String

        var exitCode: Int? { report?["exit_code"]?.intValue }
        var failures: [String] { report?["failures"]?.arrayValue?.compactMap(\.stringValue) ?? ["no report"] }
        var transcript: String { report?["transcript"]?.stringValue ?? "" }

        func step(_ name: String) -> JSONValue? {
            report?["steps"]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }

        /// (seconds since the step began, text) for each read of the step's output.
        func chunks(of name: String) -> [(time: Double, text: String)] {
            (step(name)?["chunks"]?.arrayValue ?? []).compactMap { pair in
                guard let time = pair[0]?.doubleValue, let text = pair[1]?.stringValue else { return nil }
                return (time, text)
            }
        }

        var explanation: String { "drive_pty.py exited \(status)\nfailures: \(failures)\ntranscript:\n\(transcript)\nstderr:\n\(stderr)" }
    }

    static let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/chat/drive_pty.py").path

    static func run(_ command: [String], steps: [Step], workDirectory: String) async throws -> Outcome {
        let stepsPath = workDirectory + "/steps.json"
        try JSONValue.array(steps.map(\.json)).serialized().write(toFile: stepsPath, atomically: true, encoding: .utf8)
        let stdoutPath = workDirectory + "/drive_pty.stdout.json"
        let stderrPath = workDirectory + "/drive_pty.stderr.log"
        for path in [stdoutPath, stderrPath] where !FileManager.default.createFile(atPath: path, contents: nil) {
            throw TestFailure("cannot create \(path)")
        }
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--steps", stepsPath, "--"] + command
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let output = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return Outcome(status: status, report: try? JSONValue.parse(output), stdout: output, stderr: errors)
    }
}
