import Foundation
import Synchronization

/// Hands out the ports of a range in turn, starting at an offset taken from the process id so
/// that two test processes on one machine start far apart.
public final class PortPool: Sendable {
    public let range: Range<UInt16>
    private let cursor: Mutex<Int>

    public init() {
        range = Self.rangeBelowEphemeralPorts()
        cursor = Mutex(Int(getpid()) * 97 % range.count)
    }

    public var count: Int { range.count }

    public func next() -> UInt16 {
        cursor.withLock { position in
            defer { position = (position + 1) % range.count }
            return range.lowerBound + UInt16(position)
        }
    }

    /// Up to 12,000 ports just below `ip_local_port_range` (32768 on Debian), never under 10000.
    private static func rangeBelowEphemeralPorts() -> Range<UInt16> {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: \.isWhitespace).first.flatMap { UInt16($0) } ?? 32768
        let upper = max(low, 11000)
        return max(10000, upper - 12000)..<upper
    }
}
