import Foundation

/// The one place a `Duration` becomes a number of seconds, milliseconds or nanoseconds.
/// `Duration` keeps seconds and attoseconds apart; done by hand at every call site, the
/// conversion was written eleven ways (and the wrong divisor is an easy slip).
extension Duration {
    /// Seconds, with the fraction.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole milliseconds, truncated toward zero.
    public var inMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// Whole nanoseconds, truncated toward zero.
    public var inNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// Seconds for a message to a person: at most three decimals, no trailing zeros (`1.5`, `60`).
    public var secondsText: String {
        ExpressionEvaluator.format((inSeconds * 1000).rounded() / 1000)
    }

    /// A `poll(2)` timeout: milliseconds rounded up, so a poll never wakes before the deadline;
    /// 0 once the duration is not positive; at most ten minutes (callers poll again).
    var pollMilliseconds: Int32 {
        guard self > .zero else { return 0 }
        return Int32(min(inMilliseconds + 1, 600_000))
    }
}
