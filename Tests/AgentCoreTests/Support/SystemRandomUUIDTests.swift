import Foundation
import Testing
@testable import AgentCore

/// Random UUIDs without a descriptor.
///
/// `UUID.systemRandom()` replaces Foundation's `UUID()` for ids (it returned one value for every
/// call once the process was out of descriptors; see its doc comment).
@Suite struct SystemRandomUUIDTests {
    /// Version 4, RFC 4122 variant, valid session ids, and no repeats.
    @Test func wellFormedAndDistinct() {
        var seen = Set<UUID>()
        for _ in 0..<10_000 {
            let uuid = UUID.systemRandom()
            #expect(seen.insert(uuid).inserted)
            let bytes = uuid.uuid
            #expect(bytes.6 >> 4 == 4, "version nibble")
            #expect(bytes.8 >> 6 == 0b10, "variant bits")
        }
        let id = SessionID.generate()
        #expect(SessionID.isValid(id))
        #expect(id == id.lowercased() && id.count == 36)
        #expect(UUID(uuidString: id) != nil)
    }
}
