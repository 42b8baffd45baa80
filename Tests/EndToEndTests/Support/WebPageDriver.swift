import Foundation
import Testing

/// Runs `Tests/Fixtures/web/drive_page.py`, which drives the chat page (web/) in a headless
/// Chromium against a running stack, and decodes its JSON summary. The script's exit status
/// is 0 when every check passed, 1 when one failed, 2 when it could not run at all.
///
/// Threading: `run` awaits the child process through its termination handler, so no thread of
/// the cooperative pool blocks while Chromium works.
struct WebPageDriver {
    struct Options: Sendable {
        var baseURL: String
        var screenshot: URL?
        var message = "What time is it?"
        var expectText: String?
        var expectTool: String?
        var cancelMessage = "Write a long answer, please."
        var cancelVia = "button"
        var skipCancel = false
        var pickModel: String?
        /// The first answer waits for approval of `expectTool`: click Approve and follow it.
        var approve = false
        /// Open the page on this session, paused elsewhere, and approve its waiting call there.
        var openSession: String?
        var timeoutSeconds = 30.0
        var loadTimeoutSeconds = 30.0

        var arguments: [String] {
            var arguments = ["--base-url", baseURL, "--message", message, "--cancel-message", cancelMessage,
                             "--cancel-via", cancelVia, "--timeout", String(timeoutSeconds),
                             "--load-timeout", String(loadTimeoutSeconds)]
            if let screenshot { arguments += ["--screenshot", screenshot.path] }
            if let expectText { arguments += ["--expect-text", expectText] }
            if let expectTool { arguments += ["--expect-tool", expectTool] } else { arguments.append("--no-tool") }
            if skipCancel { arguments.append("--skip-cancel") }
            if let pickModel { arguments += ["--pick-model", pickModel] }
            if approve { arguments.append("--approve") }
            if let openSession { arguments += ["--open-session", openSession] }
            return arguments
        }
    }

    struct ToolCard: Decodable, Sendable {
        var tool: String?
        var name: String?
        var status: String
        var durationMs: Int?
    }

    struct Answer: Decodable, Sendable {
        var state: String
        var text: String
        var newHighsWhileStreaming: Int
        var toolCards: [ToolCard]
        var thinkingBlocks: Int?
        var usage: String
    }

    struct ApprovalCard: Decodable, Sendable {
        var tool: String?
        var decision: String
        var args: String?
    }

    /// What the approval step saw: the paused answer's cards, then the same cards after Approve.
    struct Approval: Decodable, Sendable {
        var stateBefore: String
        var cardsBefore: [ApprovalCard]
        var cardsAfter: [ApprovalCard]?
    }

    struct Cancel: Decodable, Sendable {
        var state: String?
        var statusText: String?
        var charsAtCancel: Int
    }

    struct Report: Decodable, Sendable {
        var ok: Bool
        var failures: [String]
        var sessionId: String?
        var modelPickerHidden: Bool?
        var modelsOffered: [String]?
        /// What the sidebar and the conversation header call the session after its first answer.
        var sessionTitle: String?
        var conversationTitle: String?
        var answer: Answer?
        var cancel: Cancel?
        var approval: Approval?
        var screenshot: String?
    }

    struct Outcome: Sendable {
        var status: Int32
        var report: Report?
        var stdout: String
        var stderr: String

        /// Everything a failing expectation should show.
        var explanation: String { "drive_page.py exited \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/web/drive_page.py")

    /// Runs the script with `options`; `workDirectory` receives its output files.
    static func run(_ options: Options, workDirectory: URL) async throws -> Outcome {
        let result = try await PythonScript.run(script.path, options.arguments, workDirectory: workDirectory.path,
                                                name: "drive_page")
        let output = result.stdout
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let report = try? decoder.decode(Report.self, from: Data(output.utf8))
        return Outcome(status: result.status, report: report, stdout: output, stderr: result.stderr)
    }

    /// Records every failed check of `outcome` as an issue of the running test (or why the
    /// script could not run), and attaches the screenshot either way.
    static func expectPassed(_ outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        attachScreenshot(of: outcome)
        guard let report = outcome.report else {
            Issue.record("drive_page.py gave no report. \(outcome.explanation)", sourceLocation: sourceLocation)
            return
        }
        for failure in report.failures {
            Issue.record("web page: \(failure)", sourceLocation: sourceLocation)
        }
        if outcome.status != 0 && report.failures.isEmpty {
            Issue.record("drive_page.py exited \(outcome.status). \(outcome.explanation)", sourceLocation: sourceLocation)
        }
    }

    /// Attaches the screenshot to the running test, so it shows in the test output.
    static func attachScreenshot(of outcome: Outcome, named name: String = "web-page.png") {
        guard let path = outcome.report?.screenshot,
              let data = FileManager.default.contents(atPath: path) else { return }
        Attachment.record(data, named: name)
    }
}
