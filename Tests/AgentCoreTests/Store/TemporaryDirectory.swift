import Foundation
import Testing
@testable import AgentCore

/// A unique directory under the system temp dir, removed when released.
final class TemporaryDirectory: Sendable {
    let path: String

    init(function: String = #function) throws {
        let name = "agent-fcgi-store-\(function.prefix(while: { $0 != "(" }))-\(UUID().uuidString)"
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var databasePath: String { (path as NSString).appendingPathComponent("store.sqlite") }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
