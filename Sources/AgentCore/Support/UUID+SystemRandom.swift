import Foundation

extension UUID {
    /// A random (version 4) UUID from `SystemRandomNumberGenerator`, which reads `getrandom(2)`
    /// and needs no file descriptor.
    ///
    /// Why not `UUID()`: on Linux, Foundation's `UUID()` reads `/dev/urandom`, and when the
    /// process is out of descriptors (EMFILE, thousands of streams against `LimitNOFILE`) it
    /// returns the *same* UUID every time (measured: 16,000 calls, one value). Session, query
    /// and subscriber ids made that way collide, and every new session fails.
    public static func systemRandom() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = (raw[6] & 0x0F) | 0x40  // version 4
            raw[8] = (raw[8] & 0x3F) | 0x80  // RFC 4122 variant
            return UUID(uuid: (raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
                               raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]))
        }
    }
}
