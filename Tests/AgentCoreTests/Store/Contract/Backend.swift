import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

/// The `SessionStore` backends the store contract runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql

    var testDescription: String { rawValue }
}
