// Runs one query over POST /agent/query-stream-delta and keeps following it when the
// connection drops: GET /sessions/{id}/events?after=<last seq> (plus Last-Event-ID) replays
// what was missed and follows the live query. Events are deduplicated by `seq`, so a
// replay that overlaps what already arrived adds nothing twice. `stream=delta` asks the
// replay for the same event kinds as the delta stream. No DOM here.

import { ApiError } from './api.js';
import { SSEParser } from './sse.js';

const RETRY_DELAYS_MS = [250, 1000, 2000, 4000, 8000, 8000, 8000];

export class QueryStream {
  /**
   * @param {import('./api.js').Api} api
   * @param {object} options
   * @param {string} options.sessionId
   * @param {number|null} options.lastSeq  last seq of this session already shown (null: unknown,
   *   -1: the session has no events yet)
   * @param {(event: object) => void} options.onEvent  each new event, in order
   * @param {() => void} options.onChunk  after each network chunk (time to repaint)
   * @param {() => void} options.onReset  a replay is switching to a later query (see follow())
   * @param {(state: string, detail?: object) => void} options.onState
   */
  constructor(api, { sessionId, lastSeq = null, onEvent, onChunk = () => {}, onReset = () => {}, onState = () => {} }) {
    this.api = api;
    this.sessionId = sessionId;
    this.lastSeq = lastSeq;
    this.onEvent = onEvent;
    this.onChunk = onChunk;
    this.onReset = onReset;
    this.onState = onState;
    this.queryId = null;
    this.terminal = null;
    this.sawUsage = false;
    this.controller = new AbortController();
    this.stopped = false;
  }

  get finished() {
    return this.terminal !== null && this.sawUsage;
  }

  /** Sends the message (on `model` when given) and follows the answer to its end. Rejects with ApiError when the
   *  server refuses the query (4xx/5xx before streaming) or the stream cannot be resumed. */
  async run(message, model = null) {
    this.onState('connecting');
    let response;
    const body = { message, session_id: this.sessionId, stream: true };
    if (model) body.model = model;
    try {
      response = await this.api.stream('POST', 'agent/query-stream-delta', {
        body,
        signal: this.controller.signal,
      });
    } catch (error) {
      if (error instanceof ApiError || this.stopped) throw error;
      throw new ApiError(`Cannot reach the server: ${error.message}`);
    }
    this.onState('streaming');
    await this.consume(response).catch((error) => this.noteDrop(error));
    await this.follow();
  }

  /** Sends the last decisions on a paused turn (POST /sessions/{id}/approvals) and follows the
   *  continuation, which the server streams like a query. */
  async decide(decisions) {
    this.onState('connecting');
    let response;
    try {
      response = await this.api.stream('POST', `sessions/${encodeURIComponent(this.sessionId)}/approvals`, {
        body: { decisions }, query: { stream: 'delta' }, signal: this.controller.signal,
      });
    } catch (error) {
      if (error instanceof ApiError || this.stopped) throw error;
      throw new ApiError(`Cannot reach the server: ${error.message}`);
    }
    this.onState('streaming');
    await this.consume(response).catch((error) => this.noteDrop(error));
    await this.follow();
  }

  /** Resumes until the query's terminal event and usage have arrived. */
  async follow() {
    let attempt = 0;
    while (!this.stopped && !(this.terminal && (this.sawUsage || this.ended))) {
      if (attempt >= RETRY_DELAYS_MS.length) {
        throw new ApiError('Lost the connection to the answer and could not get it back. The answer may still finish on the server: pick the session again to see it.');
      }
      this.onState('reconnecting', { attempt: attempt + 1 });
      await sleep(RETRY_DELAYS_MS[attempt], this.controller.signal);
      attempt++;
      if (this.stopped) break;
      // Without a known seq nor query id, the replay starts at the session's beginning: follow
      // every query in it and keep the last one, which is ours (see accept()).
      this.provisional = this.queryId === null && this.lastSeq === null;
      const after = Math.max(this.lastSeq ?? 0, 0);
      const before = this.lastSeq;
      try {
        const response = await this.api.stream('GET', `sessions/${encodeURIComponent(this.sessionId)}/events`, {
          query: { after, stream: 'delta' }, headers: { 'Last-Event-ID': String(after) }, signal: this.controller.signal,
        });
        this.onState('streaming');
        this.ended = false;
        await this.consume(response);
        if (this.provisional && this.ended) break; // the replay ran to its end: that is all there is
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof ApiError && error.status === 404) throw error; // the session is gone
        this.noteDrop(error);
      }
      if (this.lastSeq !== before) attempt = 0; // progress: the connection works, keep trying
    }
    this.onState('idle');
  }

  /** Reads one SSE response to its end. Sets `ended` when the server closed it normally. */
  async consume(response) {
    this.ended = false;
    const reader = response.body.getReader();
    const parser = new SSEParser({
      onEvent: (frame) => this.accept(frame),
      onComment: (text) => { if (text.trim() === 'done') this.ended = true; },
    });
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feedBytes(value);
        this.onChunk();
        if (this.ended) break;
      }
      parser.end();
      this.onChunk();
      if (!this.ended && !this.terminal) throw new Error('the stream ended before the answer did');
      this.ended = true;
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  accept(frame) {
    let event;
    try {
      event = JSON.parse(frame.data);
    } catch {
      console.warn('agent-fcgi: ignoring an SSE frame that is not JSON', frame.data);
      return;
    }
    const seq = Number.isFinite(event.seq) ? event.seq : Number.parseInt(frame.id ?? '', 10);
    if (Number.isFinite(seq) && this.lastSeq !== null && seq <= this.lastSeq) return; // seen already
    if (event.query_id && this.queryId && event.query_id !== this.queryId) {
      if (!this.provisional) return; // a later query on this session: not this answer
      this.terminal = null;
      this.sawUsage = false;
      this.onReset();
    }
    if (Number.isFinite(seq)) this.lastSeq = seq;
    if (event.query_id) this.queryId = event.query_id;
    if (event.type === 'final' || event.type === 'error') this.terminal = event;
    if (event.type === 'usage') this.sawUsage = true;
    this.onEvent(event);
  }

  noteDrop(error) {
    if (!this.stopped) console.info('agent-fcgi: stream interrupted, resuming:', error?.message ?? error);
  }

  /** Asks the server to cancel; the stream then ends with final{cancelled} or error{cancelled}. */
  cancel() {
    return this.api.cancel(this.sessionId);
  }

  /** Stops reading locally (the query itself goes on, per the server's on_disconnect). */
  stop() {
    this.stopped = true;
    this.controller.abort();
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
