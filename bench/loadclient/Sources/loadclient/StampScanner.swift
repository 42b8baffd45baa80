import CEpoll

/// Finds the fake LLM's send stamps, "~T<microseconds>~", in a byte stream that arrives in
/// pieces; a stamp cut by a read boundary is carried over to the next piece.
struct StampScanner {
    private var pending: [UInt8] = []
    private static let tilde = UInt8(ascii: "~"), tee = UInt8(ascii: "T")

    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt64] {
        if pending.isEmpty { return scanWindow(bytes) }
        let window = pending + bytes
        pending = []
        return window.withUnsafeBufferPointer { scanWindow($0) }
    }

    private mutating func scanWindow(_ window: UnsafeBufferPointer<UInt8>) -> [UInt64] {
        var stamps: [UInt64] = []
        var index = 0
        let count = window.count
        while index < count {
            guard window[index] == Self.tilde else { index += 1; continue }
            if index + 1 == count { pending = [Self.tilde]; break }
            guard window[index + 1] == Self.tee else { index += 1; continue }
            var cursor = index + 2
            var value: UInt64 = 0
            while cursor < count, window[cursor] >= 48, window[cursor] <= 57 {
                value = value &* 10 &+ UInt64(window[cursor] - 48)
                cursor += 1
            }
            if cursor == count {
                if count - index < 32 { pending = Array(window[index..<count]) }
                break
            }
            if window[cursor] == Self.tilde && cursor > index + 2 { stamps.append(value) }
            index = cursor
        }
        return stamps
    }
}
