import Foundation

/// A responder behind a real web server, in its own temp directory, on its own port. Everything
/// it started is stopped and removed by `stop()` or, at the latest, when it is deallocated.
final class TestStack: Sendable {
    let directory: String
    let responder: ResponderProcess
    let webServer: WebServerInstance
    let client: HTTPTestClient

    /// - Parameters:
    ///   - responderArguments: extra agent-fcgi flags (e.g. `["--workers", "16"]`).
    ///   - responderEnvironment: extra environment for agent-fcgi.
    ///   - nginxHTTPExtra: directives for nginx's `http {}` block (limit_req_zone, …).
    ///   - basicAuthFile: an htpasswd file: nginx runs with the conf's basic-auth block on.
    init(_ kind: WebServerInstance.Kind = .nginx, responderArguments: [String] = [],
         responderEnvironment: [String: String] = [:], nginxHTTPExtra: String = "", basicAuthFile: String? = nil) throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        self.directory = directory
        do {
            responder = try ResponderProcess(directory: directory, arguments: responderArguments, environment: responderEnvironment)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            webServer = try Self.startWebServer(kind, directory: directory, socketPath: responder.socketPath,
                                                httpExtra: nginxHTTPExtra, basicAuthFile: basicAuthFile)
        } catch {
            responder.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        client = HTTPTestClient(port: webServer.port)
    }

    /// Parallel tests pick free ports independently; on the rare collision, pick again.
    private static func startWebServer(_ kind: WebServerInstance.Kind, directory: String, socketPath: String,
                                       httpExtra: String, basicAuthFile: String?) throws -> WebServerInstance {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try WebServerInstance(kind, directory: directory, socketPath: socketPath, httpExtra: httpExtra,
                                             basicAuthFile: basicAuthFile)
            } catch let failure as TestFailure where attempt < 3 && failure.description.contains("in use") {
                for file in ["fastcgi_params", "mime.types"] { try? FileManager.default.removeItem(atPath: "\(directory)/\(file)") }
            }
        }
    }

    deinit {
        stop()
    }

    /// Idempotent.
    func stop() {
        webServer.stop()
        responder.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The responder's and web server's logs, for failure messages.
    var logs: String {
        "--- responder ---\n\(responder.process.log)\n--- \(webServer.kind) ---\n\(webServer.process.log)"
    }
}
