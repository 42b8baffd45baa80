import CEpoll
import Glibc

/// Counts occurrences of a byte string in a stream that arrives in pieces: the last
/// `marker.count - 1` bytes are kept so an occurrence split across two reads is still seen once.
struct MarkerScanner {
    let marker: [UInt8]
    private var tail: [UInt8] = []

    init(_ marker: String) { self.marker = Array(marker.utf8) }

    /// Occurrences that end inside `bytes`.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard !marker.isEmpty, let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        var found = 0
        if !tail.isEmpty {
            // Only occurrences that start in the tail and end in the new bytes.
            let seam = tail + bytes.prefix(marker.count - 1)
            var index = 0
            while index < tail.count, index + marker.count <= seam.count {
                if seam[index..<(index + marker.count)].elementsEqual(marker) { found += 1 }
                index += 1
            }
        }
        marker.withUnsafeBytes { needle in
            var cursor = UnsafeRawPointer(base)
            var remaining = bytes.count
            while remaining >= needle.count, let hit = lc_memmem(cursor, remaining, needle.baseAddress, needle.count) {
                found += 1
                let consumed = UnsafeRawPointer(hit) - cursor + needle.count
                cursor += consumed
                remaining -= consumed
            }
        }
        let keep = min(marker.count - 1, bytes.count)
        if keep == marker.count - 1 {
            tail = Array(bytes.suffix(keep))
        } else {
            tail = Array((tail + bytes).suffix(marker.count - 1))
        }
        return found
    }
}
