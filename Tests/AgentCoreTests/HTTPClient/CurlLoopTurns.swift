/// The process has one curl thread (`HTTPClient.shared`). A test that times how tokens arrive
/// over it and a test that loads it with hundreds of streams must not overlap: under that load
/// the timed stream's tokens wait in its socket and are read in one burst, which looks exactly
/// like the buffering the timing test exists to catch. Both take turns here.
///
/// Threading: an actor; `exclusively` holds the turn across the whole body.
actor CurlLoopTurns {
    static let shared = CurlLoopTurns()
    private var taken = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    static func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        await shared.take()
        do {
            let result = try await body()
            await shared.give()
            return result
        } catch {
            await shared.give()
            throw error
        }
    }

    private func take() async {
        guard taken else {
            taken = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func give() {
        if waiting.isEmpty {
            taken = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
