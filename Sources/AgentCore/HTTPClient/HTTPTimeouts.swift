/// Limits of one transfer. A stall is `stallSeconds` in a row with less than `stallBytesPerSecond`.
public struct HTTPTimeouts: Sendable, Hashable {
    public var connect: Double
    /// Whole-transfer deadline in seconds, body included; nil for none (a long stream).
    public var total: Double?
    public var stallSeconds: Int?
    public var stallBytesPerSecond: Int

    public init(connect: Double = 10, total: Double? = nil, stallSeconds: Int? = 60, stallBytesPerSecond: Int = 1) {
        self.connect = connect
        self.total = total
        self.stallSeconds = stallSeconds
        self.stallBytesPerSecond = stallBytesPerSecond
    }
}
