import Foundation

/// Looking at the SQLite store behind the responder (durability tests).
extension TestStack {
    /// The last `snapshot store ready` line's counters (statements, rows_read, full_scan_steps, recovered).
    public func lastStartUpWork() throws -> [String: Int] {
        let log = responderLog
        guard let line = log.split(separator: "\n").last(where: { $0.contains("snapshot store ready") }) else {
            throw TestFailure("no start-up line in the responder log:\n\(log)")
        }
        var work: [String: Int] = [:]
        for key in ["statements", "rows_read", "full_scan_steps", "recovered"] {
            guard let range = line.range(of: "\(key)="),
                  let value = Int(line[range.upperBound...].prefix { $0.isNumber }) else {
                throw TestFailure("no \(key) in \(line)")
            }
            work[key] = value
        }
        return work
    }

    /// Runs the sqlite3 shell on the store (the responder should not be running).
    public func sqlite(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.executable("sqlite3") ?? "/usr/bin/sqlite3")
        process.arguments = [storePath]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(sql.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestFailure("sqlite3 failed: \(text)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
