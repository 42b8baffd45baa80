import Foundation

/// The cluster's nginx: conf/nginx-fastcgi.conf and conf/nginx-standalone.conf as shipped,
/// rewritten only where a cluster needs it (its servers, one port per responder, one worker).
extension ResponderCluster {
    /// The lines of conf/nginx-fastcgi.conf's commented multi-responder block, uncommented as
    /// an operator would (a `# # ...` line stays a comment).
    public static func uncommentedClusterBlock(_ text: String) throws -> String {
        let lines = text.components(separatedBy: "\n")
        guard let first = lines.firstIndex(where: { $0.hasPrefix("# map $uri $agent_session_in_path") }),
              let last = lines.firstIndex(where: { $0.hasPrefix("# fastcgi_next_upstream_tries") }), first < last else {
            throw TestFailure("conf/nginx-fastcgi.conf has no commented multi-responder block")
        }
        var result = lines
        for index in first...last where result[index].hasPrefix("# ") {
            result[index] = String(result[index].dropFirst(2))
        }
        return result.joined(separator: "\n")
    }

    /// conf/nginx-fastcgi.conf, templated for `sockets[0]`, then: the upstream lists every
    /// responder (or, with `.sessionHash`, the commented block is on with its servers replaced
    /// by ours), and one copy of the server block per responder listens on `ports[i]`.
    public static func conf(port: UInt16, ports: [UInt16], sockets: [String], routing: Routing) throws -> String {
        let source = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("conf/nginx-fastcgi.conf"),
                                encoding: .utf8)
        let web = TestEnvironment.packageRoot.appendingPathComponent("web").path
        let templated = source.replacingOccurrences(of: "@PORT@", with: String(port))
            .replacingOccurrences(of: "@SOCKET@", with: sockets[0]).replacingOccurrences(of: "@WEBROOT@", with: web)
        guard let serverStart = templated.range(of: "\nserver {") else { throw TestFailure("no server block in the conf") }
        let head = String(templated[..<serverStart.lowerBound])
        let serverBlock = String(templated[serverStart.lowerBound...])
        let single = "    server unix:\(sockets[0]);"
        let ourServers = sockets.map { "    server unix:\($0);" }.joined(separator: "\n")
        var output: String
        switch routing {
        case .roundRobin:
            guard head.contains(single) else { throw TestFailure("conf/nginx-fastcgi.conf has no line \(single)") }
            output = head.replacingOccurrences(of: single, with: ourServers) + serverBlock
        case .sessionHash:
            var cluster = try uncommentedClusterBlock(head)
            // The example servers (a socket and two TCP hosts) become ours.
            cluster = try replaceServers(in: cluster, upstream: "agent_fcgi_cluster", with: ourServers)
            output = cluster + serverBlock.replacingOccurrences(of: "fastcgi_pass agent_fcgi;", with: "fastcgi_pass agent_fcgi_cluster;")
        }
        for (index, (socket, own)) in zip(sockets, ports).enumerated() {
            output += "\nupstream agent_fcgi_\(index) {\n    server unix:\(socket);\n}\n"
            output += serverBlock.replacingOccurrences(of: "listen 127.0.0.1:\(port);", with: "listen 127.0.0.1:\(own);")
                .replacingOccurrences(of: "fastcgi_pass agent_fcgi;", with: "fastcgi_pass agent_fcgi_\(index);")
        }
        return output
    }

    /// Replaces the `server` lines of `upstream name { ... }` with `servers`.
    static func replaceServers(in text: String, upstream name: String, with servers: String) throws -> String {
        var lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "upstream \(name) {"),
              let end = lines[start...].firstIndex(of: "}") else { throw TestFailure("no upstream \(name) in the conf") }
        let kept = lines[(start + 1)..<end].filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("server ") }
        lines.replaceSubrange((start + 1)..<end, with: kept + [servers])
        return lines.joined(separator: "\n")
    }

    /// nginx-standalone.conf around `conf`, with an access log of the upstream each request went
    /// to, and one worker process: round robin is per worker, so with one it is one sequence.
    public static func writeNginxConf(directory: String, conf: String) throws {
        for file in ["fastcgi_params", "mime.types"] where !FileManager.default.fileExists(atPath: "\(directory)/\(file)") {
            try FileManager.default.copyItem(atPath: "/etc/nginx/\(file)", toPath: "\(directory)/\(file)")
        }
        try conf.write(toFile: "\(directory)/nginx-fastcgi.conf", atomically: true, encoding: .utf8)
        let extra = "log_format upstreams '$request_uri [$http_x_session_id] $upstream_addr'; "
            + "access_log \(directory)/upstream.log upstreams;"
        let main = "\(directory)/nginx.conf"
        try TestEnvironment.template("nginx-standalone.conf", to: main,
                                     values: ["STATE": directory, "HTTP_EXTRA": extra, "USER": getuid() == 0 ? "user root;" : ""])
        let standalone = try String(contentsOfFile: main, encoding: .utf8)
        guard standalone.contains("worker_processes 2;") else { throw TestFailure("nginx-standalone.conf changed its worker_processes") }
        try standalone.replacingOccurrences(of: "worker_processes 2;", with: "worker_processes 1;")
            .write(toFile: main, atomically: true, encoding: .utf8)
    }

    public static func nginxBinary() throws -> String {
        guard let nginx = TestEnvironment.executable("nginx") else { throw TestFailure("nginx is not installed (make test installs it)") }
        return nginx
    }

    static func startNginx(directory: String, conf: String, ports: [UInt16]) throws -> ManagedProcess {
        try writeNginxConf(directory: directory, conf: conf)
        let process = try ManagedProcess(try nginxBinary(), ["-p", directory, "-c", "\(directory)/nginx.conf"],
                                         logPath: "\(directory)/nginx.log")
        guard TestEnvironment.waitUntil(timeout: 15, {
            ports.allSatisfy { TestEnvironment.isListening(port: $0, pid: process.pid) } || !process.isRunning
        }), process.isRunning else {
            process.stop()
            throw TestFailure("nginx did not start on 127.0.0.1 ports \(ports); log:\n\(process.log)")
        }
        return process
    }
}
