import Foundation
import Logging
import MCP
import Synchronization

/// MCP's stdio transport for the SDK's `Client`, over our own supervised child process
/// (`MCPChildProcess`) instead of the SDK's, which reads pipes by polling on the cooperative pool.
///
/// Threading: an actor. The process thread yields messages into the receive stream (its
/// continuation is thread-safe) and reports the exit through `onClose`; nothing here blocks.
actor MCPStdioTransport: Transport {
    nonisolated let logger: Logger
    private let argv: [String]
    private let environment: [String: String]
    private let workingDirectory: String?
    private let stream: AsyncThrowingStream<Data, Error>
    private let continuation: AsyncThrowingStream<Data, Error>.Continuation
    private let onClose: @Sendable (String) -> Void
    private let exit = MCPExitSignal()
    private var child: MCPChildProcess?

    init(argv: [String], environment: [String: String], workingDirectory: String?, logger: Logger,
         onClose: @escaping @Sendable (String) -> Void) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.logger = logger
        self.onClose = onClose
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, bufferingPolicy: .unbounded)
    }

    /// The child process id, for tests that kill the server behind our back.
    var pid: Int32? { child?.pid }

    func connect() async throws {
        let continuation = self.continuation, logger = self.logger, onClose = self.onClose, exit = self.exit
        child = try MCPChildProcess(argv: argv, environment: environment, workingDirectory: workingDirectory,
                                    stopGrace: .seconds(1), handlers: .init(
            message: { continuation.yield(Data($0)) },
            // The server's own log: its text only at debug, as with command tools.
            stderrLine: { logger.debug("MCP server stderr", metadata: ["stderr": "\($0)"]) },
            exited: { reason in
                exit.fire()
                continuation.finish(throwing: MCPTransportClosed(reason: "the server process \(reason)"))
                onClose("the server process \(reason)")
            }))
    }

    /// Stops the process (stdin closed, then SIGTERM, then SIGKILL to its group) and waits for it.
    func disconnect() async {
        guard let child else { return }
        child.stop()
        await exit.wait()
    }

    func send(_ data: Data) async throws {
        guard let child, !exit.fired else {
            throw MCPTransportClosed(reason: "the server process is not running")
        }
        child.send(Array(data))
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, Error> {
        stream
    }
}
