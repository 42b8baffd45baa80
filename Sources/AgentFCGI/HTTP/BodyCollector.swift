import Foundation

/// Accumulates a request body up to a cap. Past the cap it keeps counting (and dropping) bytes
/// so the web server's upload completes and it relays our 413 instead of a reset connection,
/// but only up to `discardLimit` more.
struct BodyCollector {
    enum Outcome: Equatable {
        case complete(Data)
        case tooLarge
    }

    let maxBytes: Int
    let discardLimit: Int
    private(set) var data = Data()
    private(set) var total = 0

    init(maxBytes: Int, discardLimit: Int = 64 << 20) {
        self.maxBytes = maxBytes
        self.discardLimit = discardLimit
    }

    /// Adds what was read; false when reading should stop (the discard limit was passed).
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        total += bytes.count
        if total <= maxBytes {
            data.append(contentsOf: bytes)
            return true
        }
        if !data.isEmpty { data = Data() }
        return total <= maxBytes + discardLimit
    }

    var outcome: Outcome {
        total > maxBytes ? .tooLarge : .complete(data)
    }
}
