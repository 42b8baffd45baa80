// libFuzzer entry point over the FastCGI guard's record validation (FastCGIRequestParser), built by
// `make fuzz` from this file, FastCGIRecord.swift and FastCGIRequestParser.swift alone.
//
// Beyond "never traps, never hangs, never allocates without bound" (a Swift overflow or bounds trap,
// ASan and libFuzzer's -rss_limit_mb/-timeout catch those), each input checks that:
// - the outcome is the same whatever the split: the input is also fed in pieces whose size comes
//   from its first byte, as a connection's reads would cut it;
// - nothing is consumed beyond what was given, and a head is only reported once per request;
// - an accepted head's params, encoded again, parse back to the same params.

/// Small enough that the cap is hit often, and by the inputs libFuzzer grows.
private let limits = FastCGIRequestParser.Limits(maxParamsBytes: 4096)

private struct Outcome: Equatable {
    var heads: [FastCGIRequestParser.Head] = []
    var bodyBytes = 0
    var bodyChecksum: UInt64 = 0
    var completed = 0
    var failure: FastCGIRequestParser.Failure?
    var consumed = 0
}

private func run(_ input: UnsafeRawBufferPointer, chunk: Int) -> Outcome {
    var parser = FastCGIRequestParser(limits: limits)
    var outcome = Outcome()
    var pending: [UInt8] = []
    var offset = 0
    while offset < input.count {
        let end = min(input.count, offset + chunk)
        pending += input[offset..<end]
        offset = end
        while !pending.isEmpty {
            let step = pending.withUnsafeBytes { buffer in
                Result { () throws(FastCGIRequestParser.Failure) in
                    try parser.parse(buffer) { body in
                        outcome.bodyBytes += body.count
                        for byte in body { outcome.bodyChecksum = outcome.bodyChecksum &* 31 &+ UInt64(byte) }
                    }
                }
            }
            switch step {
            case .failure(let failure):
                outcome.failure = failure
                // How far a failing input got depends on the split; the verdict must not.
                outcome.consumed = 0
                return outcome
            case .success(let (consumed, progress)):
                precondition(consumed >= 0 && consumed <= pending.count, "consumed \(consumed) of \(pending.count)")
                outcome.consumed += consumed
                pending.removeFirst(consumed)
                switch progress {
                case .needMore:
                    precondition(pending.isEmpty, "needMore with \(pending.count) bytes unconsumed")
                case .head(let head): outcome.heads.append(head)
                case .inputComplete: outcome.completed += 1
                }
                if progress == .needMore { break }
            }
        }
    }
    precondition(outcome.completed <= outcome.heads.count, "a request completed without a head")
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFastCGIParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let whole = run(input, chunk: max(1, size))
    let chunk = size == 0 ? 1 : Int(input[0] % 17) + 1
    let split = run(input, chunk: chunk)
    precondition(whole == split, "feeding in \(chunk)-byte pieces changed the outcome")
    for head in whole.heads {
        let pairs = head.params.map { (name: Array($0.key.utf8), value: Array($0.value.utf8)) }
        let again = try? FastCGIRequestParser.decodePairs(FastCGIRecord.encodePairs(pairs))
        precondition(again?.params == head.params, "re-encoded params did not parse back")
    }
    return 0
}
