import Foundation
import Testing

/// Runs `Tests/Fixtures/web/drive_page.py`, which drives the chat page (web/) in a headless
/// Chromium against a running stack, and decodes its JSON summary. The script's exit status
/// is 0 when every check passed, 1 when one failed, 2 when it could not run at all.
///
/// Threading: `run` awaits the child process through its termination handler, so no thread of
/// the cooperative pool blocks while Chromium works.
public struct WebPageDriver {
    public struct Options: Sendable {
        public var baseURL: String
        public var screenshot: URL?
        public var message = "What time is it?"
        public var expectText: String?
        public var expectTool: String?
        public var cancelMessage = "Write a long answer, please."
        public var cancelVia = "button"
        public var skipCancel = false
        public var pickModel: String?
        /// The first answer waits for approval of `expectTool`: click Approve and follow it.
        public var approve = false
        /// Open the page on this session, paused elsewhere, and approve its waiting call there.
        public var openSession: String?
        public var timeoutSeconds = 30.0
        public var loadTimeoutSeconds = 30.0

        public init(baseURL: String) {
            self.baseURL = baseURL
        }

        public var arguments: [String] {
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

    public struct ToolCard: Decodable, Sendable {
        public var tool: String?
        public var name: String?
        public var status: String
        public var durationMs: Int?
    }

    public struct Answer: Decodable, Sendable {
        public var state: String
        public var text: String
        public var newHighsWhileStreaming: Int
        public var toolCards: [ToolCard]
        public var thinkingBlocks: Int?
        public var usage: String
    }

    public struct ApprovalCard: Decodable, Sendable {
        public var tool: String?
        public var decision: String
        public var args: String?
    }

    /// What the approval step saw: the paused answer's cards, then the same cards after Approve.
    public struct Approval: Decodable, Sendable {
        public var stateBefore: String
        public var cardsBefore: [ApprovalCard]
        public var cardsAfter: [ApprovalCard]?
    }

    public struct Cancel: Decodable, Sendable {
        public var state: String?
        public var statusText: String?
        public var charsAtCancel: Int
    }

    public struct Report: Decodable, Sendable {
        public var ok: Bool
        public var failures: [String]
        public var sessionId: String?
        public var modelPickerHidden: Bool?
        public var modelsOffered: [String]?
        /// What the sidebar and the conversation header call the session after its first answer.
        public var sessionTitle: String?
        public var conversationTitle: String?
        public var answer: Answer?
        public var cancel: Cancel?
        public var approval: Approval?
        public var screenshot: String?
    }

    public struct Outcome: Sendable {
        public var status: Int32
        public var report: Report?
        public var stdout: String
        public var stderr: String

        /// Everything a failing expectation should show.
        public var explanation: String { "drive_page.py exited \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    public static let script = URL(fileURLWithPath: TestEnvironment.fixture("web/drive_page.py"))

    /// Skips the calling test where Debian's chromium is not installed.
    public static func requireChromium() throws {
        guard TestEnvironment.executable("chromium") != nil else {
            try Test.cancel("skipped: Debian's chromium is not installed (scripts/install-deps installs it)")
        }
    }

    /// Skips the calling test when the script found that Chromium cannot run here at all.
    public static func skipIfChromiumCannotRun(_ outcome: Outcome) throws {
        if outcome.status == 2, outcome.report?.failures.contains(where: { $0.contains("could not drive the page") }) == true {
            try Test.cancel("skipped: Chromium cannot run here: \(outcome.explanation)")
        }
    }

    /// Runs the script with `options`; `workDirectory` receives its output files.
    public static func run(_ options: Options, workDirectory: URL) async throws -> Outcome {
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
    public static func expectPassed(_ outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
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
    public static func attachScreenshot(of outcome: Outcome, named name: String = "web-page.png") {
        guard let path = outcome.report?.screenshot,
              let data = FileManager.default.contents(atPath: path) else { return }
        Attachment.record([UInt8](data), named: name)
    }
}
