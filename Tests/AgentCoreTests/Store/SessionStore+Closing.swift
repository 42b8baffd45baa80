@testable import AgentCore

extension SessionStore {
    /// Runs `body` with this store, then closes it, whatever `body` does.
    func closing<T>(after body: (Self) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await close()
            return result
        } catch {
            await close()
            throw error
        }
    }
}
