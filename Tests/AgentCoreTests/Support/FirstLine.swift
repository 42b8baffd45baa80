import Foundation

/// Reads the first line a child process prints (fixtures print their port first), on a plain
/// thread: the read blocks, and blocking belongs off the cooperative pool.
func readFirstLine(of handle: FileHandle) async -> String {
    await withCheckedContinuation { continuation in
        Thread {
            var bytes: [UInt8] = []
            while let byte = try? handle.read(upToCount: 1), let first = byte.first, first != 0x0A { bytes.append(first) }
            continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
        }.start()
    }
}
