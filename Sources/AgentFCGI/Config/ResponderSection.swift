import Foundation

enum ResponderSection {
    static func read(_ source: ConfigSource) throws -> ResponderSettings {
        let listener: ResponderSettings.Listener
        if let listen = source.nonEmptyString("server.listen") {
            listener = try tcpListener(listen, allowNonLoopback: try source.bool("server.allow_non_loopback", default: false),
                                       source: source)
        } else if let socket = source.nonEmptyString("server.socket") {
            listener = .unixSocket(path: socket, group: source.nonEmptyString("server.socket_group"))
        } else {
            listener = .inheritedStandardInput
        }
        var settings = ResponderSettings(listener: listener)
        settings.workers = try source.int("server.workers", default: settings.workers, range: 1...20_000)
        settings.spareWorkers = try source.int("server.spare_workers", default: settings.spareWorkers, range: 0...20_000)
        settings.acceptors = try source.int("server.acceptors", default: settings.acceptors, range: 0...20_000)
        settings.drainSeconds = try source.double("server.drain_seconds", default: settings.drainSeconds, range: 0...3600)
        settings.heartbeatSeconds = try source.double("server.heartbeat_seconds", default: settings.heartbeatSeconds,
                                                      range: 0.05...3600)
        settings.maxBodyBytes = try source.int("server.max_body_bytes", default: settings.maxBodyBytes, range: 0...(1 << 30))
        settings.basePath = ResponderSettings.normalizedBasePath(source.string("server.base_path", default: ""))
        settings.writeTimeoutSeconds = try source.double("server.write_timeout_seconds",
                                                         default: settings.writeTimeoutSeconds, range: 0.1...3600)
        settings.readTimeoutSeconds = try source.double("server.read_timeout_seconds",
                                                        default: settings.readTimeoutSeconds, range: 0.1...3600)
        settings.maxParamsBytes = try source.int("server.max_params_bytes", default: settings.maxParamsBytes,
                                                 range: 1024...(16 << 20))
        settings.slowRequestSeconds = try source.double("server.slow_request_seconds",
                                                        default: settings.slowRequestSeconds, range: 0...86_400)
        return settings
    }

    static func tcpListener(_ listen: String, allowNonLoopback: Bool, source: ConfigSource) throws -> ResponderSettings.Listener {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw source.error("server.listen", "expected HOST:PORT, got \(listen.debugDescription)")
        }
        let host = String(listen[..<colon])
        guard host == "localhost" || host.hasPrefix("127.") || allowNonLoopback else {
            throw source.error("server.listen", "\(listen) is not loopback; the FastCGI port must be reachable by the web "
                               + "server alone (set server.allow_non_loopback: true to insist)")
        }
        return .tcp(host: host, port: port)
    }
}
