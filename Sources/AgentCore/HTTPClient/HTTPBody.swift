/// The body of an `HTTPClientResponse` as an async sequence of byte chunks.
///
/// Chunks are whatever arrived since the last read (never empty). When the last copy of the
/// body and its iterator is dropped before the end, the transfer is aborted.
public struct HTTPBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    final class Owner: Sendable {
        let transfer: TransferState.Consumer
        init(transfer: TransferState.Consumer) { self.transfer = transfer }
        deinit { transfer.cancel() }
    }

    private let owner: Owner

    init(transfer: TransferState.Consumer) {
        owner = Owner(transfer: transfer)
    }

    var host: String { owner.transfer.host }

    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let owner: Owner

        public mutating func next() async throws -> [UInt8]? {
            try await owner.transfer.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(owner: owner)
    }
}
