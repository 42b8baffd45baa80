import AgentTestSupport
import Foundation
import Testing
@testable import AgentCore

/// Builders for the session-level vocabulary the contract is written in.
enum Contract {
    static let start = StoreFixtures.start

    static func header(_ id: String, owner: String? = nil, createdAt: Date = start,
                       systemPrompt: String? = "be brief", model: String? = nil) -> SessionHeader {
        SessionHeader(id: id, owner: owner, createdAt: createdAt, systemPrompt: systemPrompt, model: model)
    }

    /// A turn's commit as the contract tests write it: usage and last use always given (the
    /// defaults when not), and the running-query marker set to `running` or, when nil, cleared.
    static func commit(history: HistoryChange = .unchanged, events: [StampedEvent] = [],
                       usage: SessionUsage = SessionUsage(), clearedUsage: SessionUsage? = nil,
                       lastUsedAt: Date = start, running: String? = nil) -> TurnCommit {
        TurnCommit(history: history, events: events, usage: usage, clearedUsage: clearedUsage, lastUsedAt: lastUsedAt,
                   query: running.map { .running(queryId: $0) } ?? .finished)
    }

    /// A step commit of query `queryId`, fenced as a session holding its lease writes it: the
    /// version after the query's start, and one event with `seq`.
    static func fencedStep(of queryId: String, on sessionId: String, startedAt version: Int64, seq: Int64 = 1) -> TurnCommit {
        var commit = commit(events: [StoreFixtures.event(seq, session: sessionId)], running: queryId)
        commit.queryId = queryId
        commit.baseVersion = version + 1
        return commit
    }
}
