@testable import AgentFCGI
import Foundation
import Testing

/// The read buffer a worker holds: made by a connection's first read and given back when the
/// connection closes (`FastCGIConnection.finish`, `closePeer`), so that idle workers, which
/// the kernel wakes in turn, do not each keep 16 KiB.
@Suite struct InputBufferTests {
    private func withSocketPair(_ body: (_ reader: Int32, _ writer: Int32) -> Void) {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        body(fds[0], fds[1])
    }

    @Test func theReadBufferIsMadeByAReadAndGivenBackOnceNothingIsUnread() {
        withSocketPair { reader, writer in
            var input = InputBuffer()
            #expect(input.reservedBytes == 0)
            #expect(write(writer, "head", 4) == 4)
            let result = input.receive(from: PeerSocket(fd: reader), until: .now() + 5, shouldAbandon: { false })
            guard case .bytes(4) = result else {
                Issue.record("expected 4 bytes, got \(result)")
                return
            }
            #expect(input.reservedBytes >= InputBuffer.readSize)
            // Unread bytes stay (a kept connection's next request may have begun); the scratch goes.
            input.releaseScratch()
            #expect(input.reservedBytes > 0 && input.reservedBytes < InputBuffer.readSize)
            input.clear()
            input.releaseScratch()
            #expect(input.reservedBytes == 0)
        }
    }
}
