import Foundation

extension AgentSession {
    /// Starts a query now, or queues it behind the running one (policy `queue`).
    /// Throws `SessionError.busy` under `reject`, or when the queue is full.
    public func submit(message: String, runner: any QueryRunner, defaultSystemPrompt: String?) throws -> QuerySubscription {
        try submit(input: QueryInput(text: message), runner: runner, defaultSystemPrompt: defaultSystemPrompt)
    }

    /// The same with the whole input; a query that names no model uses the session's.
    public func submit(input: QueryInput, runner: any QueryRunner, defaultSystemPrompt: String?) throws -> QuerySubscription {
        if isRetired { throw SessionRetired() }
        if running != nil || !queued.isEmpty {
            switch settings.concurrencyPolicy {
            case .reject:
                throw SessionError.busy(id: id, runningQueryId: running?.queryId, reason: "a query is running")
            case .queue where queued.count >= settings.maxQueuePerSession:
                throw SessionError.busy(id: id, runningQueryId: running?.queryId,
                                        reason: "\(queued.count) queries already queued")
            case .queue:
                break
            }
        }
        let queryId = "q-" + UUID.systemRandom().uuidString.lowercased()
        let subscriberId = UUID.systemRandom()
        // Unbounded on purpose: the session never waits for a reader (a slow client must not
        // slow the query or other readers). Back-pressure stops at the relay task, which waits in
        // `EventStream.send`; what this buffer can hold is bounded by the query's own length.
        let (events, continuation) = AsyncStream<StampedEvent>.makeStream(bufferingPolicy: .unbounded)
        var input = input
        if input.options.model == nil { input.options.model = model }
        let pending = PendingQuery(queryId: queryId, input: input, systemPrompt: systemPrompt ?? defaultSystemPrompt,
                                   runner: runner, subscriberId: subscriberId, subscriber: continuation)
        let resultBox = QueryResultBox()
        resultWaiters[queryId] = resultBox
        if running == nil {
            start(pending)
        } else {
            queued.append(pending)
            publishInfo()
        }
        return QuerySubscription(
            sessionId: id, queryId: queryId, events: events,
            onClientGone: { [weak self] in
                guard let self else { return }
                Task { await self.clientGone(queryId: queryId, subscriberId: subscriberId) }
            },
            result: { await resultBox.value() })
    }

    private func start(_ pending: PendingQuery) {
        var query = RunningQuery(queryId: pending.queryId, task: nil, subscribers: [pending.subscriberId: pending.subscriber],
                                 historyAtStart: history)
        running = query
        lastUsedAt = Date()
        publishInfo()
        let queryId = pending.queryId
        let runner = pending.runner
        let input = pending.input
        let systemPrompt = pending.systemPrompt
        query.task = Task {
            // The manager checked the store moments ago, but it can fail in between: a turn
            // whose running marker cannot be written could not be saved either, so the model
            // is not called for it. Taking the lease may also find this copy stale and reload it,
            // so everything the run starts from is read after it. An idle session dropped its
            // history (`AgentSession+History`): it is read back first.
            let newTitle = self.title == nil && input.decisions == nil ? SessionTitle.from(message: input.message.content) : nil
            var refused = await self.loadHistoryForQuery(queryId: queryId)
            if refused == nil { refused = await self.acquireLease(queryId: queryId, title: newTitle) }
            let leaseTaken = refused == nil
            if refused == nil, let decisions = input.decisions { refused = self.stillWaiting(decided: decisions) }
            if let refusal = refused {
                let code: AgentErrorCode = switch refusal {
                case .conflict, .busy: .cancelled
                default: .internalError
                }
                let event = AgentEvent.error(message: refusal.description, code: code)
                self.stamp(event, queryId: queryId)
                let base = (systemPrompt.map { [ChatMessage.system($0)] } ?? []) + self.history
                await self.finish(queryId: queryId, outcome: QueryOutcome(history: base, usage: self.usage, terminal: event),
                                  refusal: refusal, leaseTaken: leaseTaken)
                return
            }
            if let newTitle, self.title == nil {
                self.title = newTitle
                self.publishInfo()
            }
            let baseHistory = (systemPrompt.map { [ChatMessage.system($0)] } ?? []) + self.history
            let baseUsage = self.usage
            self.running?.startUsage = baseUsage
            self.running?.historyAtStart = self.history
            let outcome = await runner.run(
                context: QueryContext(sessionId: self.id, owner: self.owner, queryId: queryId,
                                      clearedUsage: self.clearedUsage),
                history: baseHistory, input: input, usage: baseUsage,
                emit: { event in await self.emit(event, queryId: queryId) },
                checkpoint: { checkpoint in try await self.checkpoint(checkpoint, queryId: queryId) })
            await self.finish(queryId: queryId, outcome: outcome)
        }
        running = query
    }

    /// Loads the history the query builds on; returns why that failed, or nil.
    private func loadHistoryForQuery(queryId: String) async -> SessionError? {
        do {
            try await loadHistory()
        } catch let error as SessionError {
            if case .notFound = error {
                return .conflict(id: id, reason: "the session was deleted before the query started; nothing was kept")
            }
            return error
        } catch {
            return .storeUnavailable(reason: String(describing: error))
        }
        if running?.queryId == queryId { running?.historyAtStart = history }
        return nil
    }
    private func emit(_ event: AgentEvent, queryId: String) async {
        stamp(event, queryId: queryId)
        // Bounds what a crash can take from the live stream, which crash recovery relies on
        // to number its `interrupted` event (EventLogLimits); and keeps every uncommitted event
        // among those held in memory, so a resuming follower finds the older ones in the
        // store. While the store fails, this is retried once per bound's worth of events.
        let bound = min(EventLogLimits.maxUncommittedEvents, max(1, settings.recentEventsInMemory))
        if uncommittedEvents.count % bound == 0 {
            try? await commit(runningQueryId: queryId)
        }
    }

    /// A step's end: its history and usage are committed, or the turn is rolled back and the
    /// run ends (the thrown error's text, which the stream's `error` event carries, says what was kept).
    private func checkpoint(_ checkpoint: QueryCheckpoint, queryId: String) async throws {
        history = Self.withoutLeadingSystemPrompt(checkpoint.history)
        usage = checkpoint.usage
        pendingApprovals = checkpoint.pendingApprovals
        lastUsedAt = Date()
        if checkpoint.endsRun, running?.queryId == queryId {
            // Written with the query's end (`finish`): one commit, one wait for the store, fewer.
            // Until it is in, nobody is shown what follows (`stamp`), as a commit here would have.
            running?.heldEvents = []
            return
        }
        do {
            try await commit(runningQueryId: queryId)
        } catch {
            rollBackToCommitted()
            let notSaved = turnNotSaved(error, historyAtStart: running?.historyAtStart ?? committedHistory)
            if running?.queryId == queryId { running?.notSaved = notSaved }
            throw notSaved
        }
    }

    private func finish(queryId: String, outcome: QueryOutcome, refusal: SessionError? = nil, leaseTaken: Bool = true) async {
        let query = running?.queryId == queryId ? running : nil
        var failure = refusal ?? query?.notSaved
        let turnHistory = Self.withoutLeadingSystemPrompt(outcome.history)
        // A turn already rolled back stays rolled back, even if the store works again now.
        if failure == nil {
            history = turnHistory
            usage = outcome.usage
            pendingApprovals = outcome.pendingApprovals
        }
        lastUsedAt = Date()
        stamp(.usage(usage), queryId: queryId)
        var persistenceError: String?
        var terminal = outcome.terminal
        if running?.queryId == queryId { running?.ending = true }
        do {
            try await commit(runningQueryId: nil, endingQueryId: leaseTaken ? queryId : nil)
            // Everything is in the store now, which serves resumption from here on as it does
            // for a session loaded back from it; an idle session then holds only its history.
            if uncommittedEvents.isEmpty { recentEvents = [] }
        } catch {
            persistenceError = String(describing: error)
            rollBackToCommitted()
            // Only the closing events may be missing: the last step's commit saved the history
            // (unless that step was deferred to this commit).
            if failure == nil, let query, committedHistory != turnHistory {
                failure = turnNotSaved(error, historyAtStart: query.historyAtStart)
            }
        }
        if let ended = await releaseHeldEvents(queryId: queryId, committed: persistenceError == nil, failure: failure,
                                               endingQueryId: leaseTaken ? queryId : nil) {
            terminal = ended.terminal
            persistenceError = ended.persistenceError
        }
        if failure == nil, let reason = query?.cancelReason, Self.isCancellation(outcome.terminal) {
            failure = .conflict(id: id, reason: "query cancelled: \(reason)")
        }
        var startUsage: SessionUsage?
        if let running, running.queryId == queryId {
            for continuation in running.subscribers.values { continuation.finish() }
            startUsage = running.startUsage
        }
        running = nil
        resultWaiters.removeValue(forKey: queryId)?.resolve(
            QueryResult(queryId: queryId, terminal: terminal, usage: usage,
                        persistenceError: persistenceError, failure: failure, startUsage: startUsage,
                        pendingApprovals: committedPendingApprovals))
        finishFollowersIfIdle()
        startNextQueued()
        dropHistoryIfIdle()
    }

    private func startNextQueued() {
        guard running == nil, !queued.isEmpty else {
            publishInfo()
            return
        }
        let next = queued.removeFirst()
        start(next)
    }

    private func clientGone(queryId: String, subscriberId: UUID) {
        if var query = running, query.queryId == queryId {
            query.subscribers.removeValue(forKey: subscriberId)?.finish()
            if settings.onDisconnect == .cancel, !query.cancelRequested {
                query.cancelRequested = true
                query.task?.cancel()
            }
            running = query
        } else if let index = queued.firstIndex(where: { $0.queryId == queryId }) {
            if settings.onDisconnect == .cancel {
                abandonQueued(at: index, reason: "the client went away before the query started")
            } else {
                queued[index].subscriber.finish()
            }
        }
    }

    /// Ends a queued query that never ran with an `error` event, so its stream stays well-formed.
    func abandonQueued(at index: Int, reason: String) {
        let pending = queued.remove(at: index)
        let error = AgentEvent.error(message: "query cancelled: \(reason)", code: .cancelled)
        let stamped = stamp(error, queryId: pending.queryId)
        let usageEvent = stamp(.usage(usage), queryId: pending.queryId)
        pending.subscriber.yield(stamped)
        pending.subscriber.yield(usageEvent)
        pending.subscriber.finish()
        resultWaiters.removeValue(forKey: pending.queryId)?.resolve(
            QueryResult(queryId: pending.queryId, terminal: error, usage: usage, persistenceError: nil,
                        failure: .conflict(id: id, reason: "query cancelled: \(reason)")))
        publishInfo()
    }

    /// Cancels the running query (idempotent). Returns whether one was running.
    @discardableResult
    public func cancelRunning() -> Bool {
        guard var query = running else { return false }
        query.cancelRequested = true
        query.task?.cancel()
        running = query
        return true
    }

    /// `POST /sessions/{id}/clear`: cancels what runs, then empties the history and resets
    /// `usage` to zero, as the reference server does. What was used moves to `clearedUsage`, so
    /// the lifetime total (and the budget that counts it) never goes down; the event sequence
    /// goes on, since `seq` is never reused. Throws `notFound` when a DELETE took the session
    /// meanwhile, `storeUnavailable` when the store cannot take the write (the history and usage
    /// are then left as they were).
    public func clear() async throws {
        guard !isRetired else { throw SessionError.notFound(id: id) }
        // Another responder may have added to the session since this copy was read: the usage
        // set aside must be the store's.
        if running == nil, queued.isEmpty, (try? await refresh()) == .some(nil) { throw SessionError.notFound(id: id) }
        await stopAllQueries(reason: "the session was cleared")
        guard !isRetired else { throw SessionError.notFound(id: id) }
        // The change is computed against the stored history, so it must be in memory. Should a
        // query be submitted meanwhile, it runs first (it waits in `queued` for none: it starts),
        // and the clear then empties the history it left, as if the clear had come after it.
        try await loadHistory()
        await stopAllQueries(reason: "the session was cleared")
        guard !isRetired else { throw SessionError.notFound(id: id) }
        // No suspension between the stop and here: nothing can start on the old history.
        history = []
        pendingApprovals = []
        clearedUsage = clearedUsage.adding(usage)
        usage = SessionUsage()
        lastUsedAt = Date()
        do {
            try await commit(runningQueryId: nil)
            dropHistoryIfIdle()
        } catch {
            rollBackToCommitted()
            if case StoreError.sessionNotFound = error { throw SessionError.notFound(id: id) }
            if case StoreError.leaseLost = error {
                throw SessionError.conflict(id: id, reason: "not cleared: \(error)")
            }
            if let storeError = error as? StoreError, !storeError.isStorageFailure {
                throw SessionError.storeFailed(reason: "clearing failed (\(storeError)); the history was kept")
            }
            throw SessionError.storeUnavailable(reason: "clearing failed (\(error)); the history was kept")
        }
    }

    static func withoutLeadingSystemPrompt(_ messages: [ChatMessage]) -> [ChatMessage] {
        guard let first = messages.first, first.role == .system else { return messages }
        return Array(messages.dropFirst())
    }
}

/// Thrown when a request reaches a session that was evicted or deleted meanwhile; the manager
/// looks the session up again.
struct SessionRetired: Error {}
