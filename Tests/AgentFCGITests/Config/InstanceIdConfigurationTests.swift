import AgentCore
import Foundation
import Testing
@testable import AgentFCGI

/// Instance id and lease configuration.
///
/// `server.instance_id` and `storage.lease_seconds`: the responder's name in the store's leases.
@Suite struct InstanceIdConfigurationTests {
    let storage = StorageConfigurationTests()

    /// The default instance id is hostname:pid; the lease lasts storage.lease_seconds.
    @Test func defaults() async throws {
        let settings = try await storage.load(nil).storage
        #expect(settings.instanceId == LeaseSettings.defaultOwner)
        #expect(settings.instanceId.hasSuffix(":\(getpid())") && settings.instanceId.count > "\(getpid())".count + 1)
        #expect(settings.lease == LeaseSettings(owner: settings.instanceId, duration: .seconds(15)))
    }

    /// Server.instance_id from the file or the environment, and a bad one is refused with the key named.
    @Test func fromFileAndEnvironment() async throws {
        let yaml = """
            server:
              instance_id: host-a
            storage:
              lease_seconds: 2.5
            """
        let fromFile = try await storage.load(yaml).storage
        #expect(fromFile.lease == LeaseSettings(owner: "host-a", duration: .milliseconds(2500)))
        let fromEnvironment = try await storage.load(yaml, environment: ["AGENT_FCGI_SERVER_INSTANCE_ID": "host-b"]).storage
        #expect(fromEnvironment.instanceId == "host-b")
        let bad = await storage.error(nil, environment: ["AGENT_FCGI_SERVER_INSTANCE_ID": "a\u{7}b"])
        #expect(bad?.description.contains("server.instance_id") == true, "\(String(describing: bad))")
        let long = await storage.error(nil, environment: ["AGENT_FCGI_SERVER_INSTANCE_ID": String(repeating: "x", count: 201)])
        #expect(long?.description.contains("at most 200") == true, "\(String(describing: long))")
    }
}
