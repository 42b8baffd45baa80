import CPostgres
import Foundation

/// Pipelining: several statements sent at once, one round trip for all of them.
extension PostgresConnection {
    /// Sends every step at once and waits once (libpq pipeline mode): one round trip instead of
    /// one per statement. Steps run in order; after the first failure the rest are skipped and
    /// that failure is thrown. Returns each step's rows.
    @available(*, noasync)
    func pipeline(_ steps: [PostgresPipelineStep], operation: String) throws(PostgresError) -> [PostgresRows] {
        let handle = try open(operation)
        for step in steps { if case .prepared(let statement, _) = step { try prepare(statement, on: handle, operation: operation) } }
        guard PQenterPipelineMode(handle) == 1 else { throw connectionError(operation) }
        defer { PQexitPipelineMode(handle) }
        for step in steps {
            let sent: Int32
            switch step {
            case .command(let sql):
                sent = PQsendQueryParams(handle, sql, 0, nil, nil, nil, nil, 0)
            case .prepared(let statement, let parameters):
                let texts = try Self.texts(parameters, operation: operation)
                defer { texts.forEach { free($0) } }
                sent = texts.map { UnsafePointer($0) }.withUnsafeBufferPointer {
                    PQsendQueryPrepared(handle, statement.name, Int32(texts.count), $0.baseAddress, nil, nil, 0)
                }
            }
            guard sent == 1 else { throw abandonPipeline(operation) }
        }
        guard PQpipelineSync(handle) == 1 else { throw abandonPipeline(operation) }
        roundTrips += 1
        var rows: [PostgresRows] = []
        var failure: PostgresError?
        for _ in steps {
            // Each step yields its result, then NULL.
            var stepRows: PostgresRows?
            while let result = PQgetResult(handle) {
                let status = PQresultStatus(result)
                if status == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                } else if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK {
                    answered += 1
                    stepRows = PostgresRows(result)
                } else {
                    if failure == nil { failure = error(from: result, operation: operation) }
                    PQclear(result)
                }
            }
            if let stepRows { rows.append(stepRows) }
            if isBroken { break }
        }
        // The sync's own result ends the pipeline.
        while !isBroken, let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if let failure { throw failure }
        guard rows.count == steps.count else { throw connectionError(operation) }
        return rows
    }

    /// A pipeline that could not be sent whole leaves results pending that nobody will read:
    /// the connection counts as broken from then on (the pool replaces it) rather than being
    /// reused in that state.
    private func abandonPipeline(_ operation: String) -> PostgresError {
        var error = connectionError(operation)
        error.connectionLost = true
        abandoned = true
        return error
    }
}

/// One statement of a `PostgresConnection.pipeline`.
enum PostgresPipelineStep {
    /// Transaction control and other parameterless SQL (`BEGIN`, `COMMIT`).
    case command(String)
    case prepared(PostgresStatement, [PostgresValue])
}
