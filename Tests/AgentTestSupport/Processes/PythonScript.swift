import Foundation

/// Runs a Python fixture script to completion with its stdout and stderr in files of
/// `workDirectory` (kept for failure messages), and waits without blocking a pool thread.
public enum PythonScript {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(_ script: String, _ arguments: [String], workDirectory: String, name: String) async throws -> Result {
        let stdoutPath = workDirectory + "/\(name).stdout"
        let stderrPath = workDirectory + "/\(name).stderr.log"
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
        process.arguments = ["python3", script] + arguments
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
        return Result(status: status, stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
    }
}
