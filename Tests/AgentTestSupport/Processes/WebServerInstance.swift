import Foundation

/// nginx or lighttpd started from the project's conf files, templated into a temp directory.
public final class WebServerInstance: Sendable {
    public enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        case nginx, lighttpd
        public var description: String { rawValue }
    }

    public let kind: Kind
    public let port: UInt16
    public let process: ManagedProcess

    /// `httpExtra` goes into nginx's `http {}` block (e.g. `limit_req_zone`); lighttpd ignores it.
    /// `basicAuthFile` (nginx only) turns on the conf's commented basic-auth block with that
    /// htpasswd file, as docs/DEPLOYMENT.md tells an operator to.
    /// `spawnArguments` (lighttpd only) switches to the `bin-path` form: lighttpd starts the
    /// responder itself with these flags and the listening socket as fd 0.
    public init(_ kind: Kind, directory: String, socketPath: String, httpExtra: String = "", basicAuthFile: String? = nil,
         spawnArguments: [String]? = nil) throws {
        self.kind = kind
        port = try TestEnvironment.freePort()
        let values = ["PORT": String(port), "SOCKET": socketPath, "STATE": directory, "HTTP_EXTRA": httpExtra,
                      "WEBROOT": TestEnvironment.packageRoot.appendingPathComponent("web").path,
                      "BINARY": TestEnvironment.responderBinary, "USER": getuid() == 0 ? "user root;" : ""]
        switch kind {
        case .nginx:
            for file in ["fastcgi_params", "mime.types"] {
                try FileManager.default.copyItem(atPath: "/etc/nginx/\(file)", toPath: "\(directory)/\(file)")
            }
            try TestEnvironment.template("nginx-fastcgi.conf", to: "\(directory)/nginx-fastcgi.conf", values: values)
            if let basicAuthFile {
                try Self.enableBasicAuth("\(directory)/nginx-fastcgi.conf", userFile: basicAuthFile)
            }
            try TestEnvironment.template("nginx-standalone.conf", to: "\(directory)/nginx.conf", values: values)
            guard let nginx = TestEnvironment.executable("nginx") else { throw TestFailure("nginx is not installed (make test installs it)") }
            process = try ManagedProcess(nginx, ["-p", directory, "-c", "\(directory)/nginx.conf"], logPath: "\(directory)/nginx.log")
        case .lighttpd:
            try TestEnvironment.template("lighttpd.conf", to: "\(directory)/lighttpd.conf", values: values)
            if let spawnArguments {
                try Self.enableBinPath("\(directory)/lighttpd.conf", command: ([TestEnvironment.responderBinary] + spawnArguments).joined(separator: " "))
            }
            guard let lighttpd = TestEnvironment.executable("lighttpd") else { throw TestFailure("lighttpd is not installed (make test installs it)") }
            process = try ManagedProcess(lighttpd, ["-D", "-f", "\(directory)/lighttpd.conf"], logPath: "\(directory)/lighttpd.log")
        }
        let port = self.port
        let process = self.process
        guard TestEnvironment.waitUntil(timeout: 15, { TestEnvironment.isListening(port: port, pid: process.pid) || !process.isRunning }),
              process.isRunning else {
            process.stop()
            throw TestFailure("\(kind) did not start on 127.0.0.1:\(port); log:\n\(process.log)")
        }
    }

    /// Uncomments the basic-auth block of the templated nginx-fastcgi.conf (the three lines an
    /// operator uncomments) and points it at `userFile`. Fails if the conf no longer has them.
    public static func enableBasicAuth(_ path: String, userFile: String) throws {
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let edits = [("    # auth_basic           \"agent\";", "    auth_basic \"agent\";"),
                     ("    # auth_basic_user_file /etc/nginx/agent.htpasswd;", "    auth_basic_user_file \(userFile);"),
                     ("    # set $agent_user $remote_user;", "    set $agent_user $remote_user;")]
        for (commented, active) in edits {
            guard let range = text.range(of: commented) else { throw TestFailure("nginx-fastcgi.conf has no line \(commented)") }
            text.replaceSubrange(range, with: active)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Adds `bin-path` to the active (external socket) form of the templated lighttpd.conf.
    private static func enableBinPath(_ path: String, command: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let socketLine = "\n            \"socket\" =>"
        guard let range = text.range(of: socketLine) else { throw TestFailure("lighttpd.conf has no active socket line") }
        let spawn = "\n            \"bin-path\" => \"\(command)\", \"max-procs\" => 1,"
        try text.replacingCharacters(in: range, with: spawn + socketLine).write(toFile: path, atomically: true, encoding: .utf8)
    }

    public func stop() {
        // nginx: QUIT is its graceful stop; lighttpd takes TERM. stop() falls back to KILL.
        if kind == .nginx { process.signal(SIGQUIT) }
        process.stop(gracePeriod: 5)
    }
}
