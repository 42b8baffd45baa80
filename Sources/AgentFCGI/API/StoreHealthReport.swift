import AgentCore
import Foundation
import Synchronization

struct StoreHealthReport: Sendable {
    var writable: Bool
    var problem: String?
}
