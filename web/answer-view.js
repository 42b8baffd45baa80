// One assistant answer in the transcript: thinking (collapsed), text, tool cards, the
// ending status and the usage footer. It applies API events in order; the stream layer has
// already dropped duplicates. Text is rendered on flush(), once per network chunk.

import { ApprovalCard } from './approval-card.js';
import { el } from './dom.js';
import { renderMarkdown } from './markdown.js';
import { ToolCard } from './tool-card.js';
import { usageFooter } from './usage.js';

const ENDINGS = {
  completed: '',
  cancelled: 'Cancelled.',
  max_iterations: 'Stopped: the agent reached its step limit.',
  interrupted: 'Interrupted: the server stopped while answering.',
  awaiting_approval: 'Waiting for your decision on the tool call above.',
};

export class AnswerView {
  constructor(doc = document, { live = true } = {}) {
    this.doc = doc;
    this.blocks = [];
    this.cards = new Map();
    this.approvals = new Map();
    /** Set by chat.js: called when the user approves or rejects a waiting call. */
    this.onDecide = () => {};
    this.thinking = new Map();
    this.dirty = new Set();
    this.content = el(doc, 'div', { className: 'answer-content' });
    if (live) {
      this.content.setAttribute('aria-live', 'polite');
      this.content.setAttribute('aria-busy', 'true');
    }
    this.statusLine = el(doc, 'p', { className: 'answer-status', hidden: true });
    this.footer = el(doc, 'footer', { className: 'usage', hidden: true });
    this.element = el(doc, 'li', { className: 'turn assistant', dataset: { state: live ? 'waiting' : 'completed' } },
      el(doc, 'div', { className: 'turn-role' }, 'Assistant'),
      el(doc, 'div', { className: 'turn-body' },
        this.content,
        el(doc, 'p', { className: 'typing', 'aria-hidden': 'true' }, el(doc, 'span'), el(doc, 'span'), el(doc, 'span')),
        this.statusLine, this.footer));
  }

  get state() { return this.element.dataset.state; }
  set state(value) { this.element.dataset.state = value; }

  /** Applies one API event (either stream flavour; the events log may carry both). */
  apply(event) {
    if (this.state === 'waiting') this.state = 'streaming';
    switch (event.type) {
      case 'thinking_start': this.thinkingBlock(event.think_id); break;
      case 'thinking_delta': this.appendThinking(event.think_id, event.delta ?? ''); break;
      case 'thinking_end': this.endThinking(event.think_id, event.timestamp); break;
      case 'thinking': this.reconcileThinking(event.content ?? ''); break;
      case 'text_delta': this.appendText(event.delta ?? ''); break;
      case 'text': this.reconcileText(event.content ?? ''); break;
      case 'step_start': this.card(event.step_id).start(event); break;
      case 'tool_call': this.card(event.tool_call_id).call(event); break;
      case 'tool_result': this.card(event.tool_call_id).result(event); break;
      case 'step_complete': this.card(event.step_id).complete(event); break;
      case 'hidden': this.note(event.content ?? ''); break;
      case 'approval_request': this.approval(event); break;
      case 'final': this.final(event); break;
      case 'usage': this.usage(event.usage); break;
      case 'error': this.error(event); break;
      default: break; // a newer server's event: nothing to show
    }
  }

  /** Renders text changed since the last flush. */
  flush() {
    for (const block of this.dirty) block.body.replaceChildren(renderMarkdown(block.text, this.doc));
    this.dirty.clear();
  }

  textBlock() {
    const last = this.blocks.at(-1);
    if (last?.kind === 'text') return last;
    const body = el(this.doc, 'div', { className: 'answer-text markdown' });
    return this.addBlock({ kind: 'text', text: '', body, element: body });
  }

  appendText(delta) {
    if (!delta) return;
    const block = this.textBlock();
    block.text += delta;
    this.dirty.add(block);
  }

  /** Whole-turn text (step stream, replays, final): fills what deltas missed, never doubles it. */
  reconcileText(content) {
    if (!content) return;
    const block = this.textBlock();
    if (block.text === content) return;
    block.text = content;
    this.dirty.add(block);
  }

  thinkingBlock(id) {
    const existing = this.thinking.get(id);
    if (existing) return existing;
    const summary = el(this.doc, 'summary', {}, 'Thinking…');
    const body = el(this.doc, 'div', { className: 'thinking-text' });
    const details = el(this.doc, 'details', { className: 'thinking', dataset: { thinking: 'open' } }, summary, body);
    const block = this.addBlock({ kind: 'thinking', text: '', body, summary, element: details, started: Date.now() });
    this.thinking.set(id ?? `anon-${this.thinking.size}`, block);
    return block;
  }

  appendThinking(id, delta) {
    const block = this.thinkingBlock(id);
    block.text += delta;
    block.body.textContent = block.text;
  }

  endThinking(id) {
    this.finishThinking(this.thinkingBlock(id));
  }

  finishThinking(block) {
    const seconds = (Date.now() - block.started) / 1000;
    block.summary.textContent = block.whole || seconds < 0.05 ? 'Thought' : `Thought for ${seconds.toFixed(1)} s`;
    block.element.dataset.thinking = 'done';
  }

  /** Whole thinking text (step stream, replays, history): extends the last block or adds one. */
  reconcileThinking(content) {
    if (!content) return;
    const last = [...this.thinking.values()].at(-1);
    const continues = last && content.trimEnd().startsWith(last.text.trimEnd());
    const block = continues ? last : this.thinkingBlock(`whole-${this.thinking.size}`);
    block.text = content;
    block.body.textContent = content;
    if (block !== last) {
      block.whole = true;
      this.finishThinking(block);
    }
  }

  card(id) {
    let card = this.cards.get(id);
    if (!card) {
      card = new ToolCard(id, this.doc);
      this.cards.set(id, card);
      this.addBlock({ kind: 'tool', card, element: card.element });
    }
    return card;
  }

  approval(event) {
    if (this.approvals.has(event.tool_call_id)) return;
    const card = new ApprovalCard(event, this.doc, (chosen, approve, reason) => this.onDecide(chosen, approve, reason));
    this.approvals.set(event.tool_call_id, card);
    this.addBlock({ kind: 'approval', card, element: card.element });
  }

  /** Waiting calls the user has not decided yet. */
  undecidedApprovals() {
    return [...this.approvals.values()].filter((card) => card.pending);
  }

  /** A new message rejects what waits (the server does so too). */
  closeApprovals(text) {
    for (const card of this.approvals.values()) card.close(text);
    if (this.state === 'awaiting_approval') this.end('completed', text);
  }

  /** The turn goes on after the last decision: the answer streams again in this view. */
  resume() {
    this.state = 'streaming';
    this.statusLine.hidden = true;
    this.content.setAttribute('aria-busy', 'true');
  }

  note(content) {
    this.addBlock({ kind: 'note', element: el(this.doc, 'p', { className: 'answer-note' }, content) });
  }

  addBlock(block) {
    this.blocks.push(block);
    this.content.append(block.element);
    return block;
  }

  final({ content, status }) {
    // `content` is the last turn's text. Deltas normally delivered it already; fill in only
    // what they missed (a replay without deltas, an ending that streamed nothing).
    const last = this.blocks.at(-1);
    if (content && last?.kind === 'text') {
      if (content.startsWith(last.text)) this.reconcileText(content);
    } else if (content && !this.blocks.some((block) => block.kind === 'text' && block.text.trim() === content.trim())) {
      this.reconcileText(content);
    }
    this.end(status || 'completed', ENDINGS[status] ?? `Ended: ${status}.`);
  }

  error({ error, code }) {
    const cancelled = code === 'cancelled';
    this.end(cancelled ? 'cancelled' : 'error', cancelled ? 'Cancelled.' : `Error${code ? ` (${code})` : ''}: ${error ?? 'unknown'}`);
  }

  /** Marks the answer ended; `message` explains a non-normal ending. */
  end(state, message) {
    this.flush();
    this.state = state;
    if (state !== 'awaiting_approval') {
      for (const card of this.approvals.values()) card.close('No longer waiting for a decision.');
    }
    for (const card of this.cards.values()) card.settleUnfinished();
    for (const block of this.thinking.values()) {
      if (block.element.dataset.thinking === 'open') block.element.dataset.thinking = 'done';
      if (block.summary.textContent === 'Thinking…') block.summary.textContent = 'Thought';
    }
    this.statusLine.textContent = message || '';
    this.statusLine.hidden = !message;
    this.content.setAttribute('aria-busy', 'false');
  }

  /** The stream is over; if no final/error came (a lost connection), say so. */
  settle(reason) {
    this.flush();
    if (this.state === 'waiting' || this.state === 'streaming' || this.state === 'cancelling') {
      this.end('incomplete', reason || 'The answer did not finish.');
    }
  }

  setCancelling() {
    if (this.state === 'waiting' || this.state === 'streaming') {
      this.state = 'cancelling';
      this.statusLine.textContent = 'Cancelling…';
      this.statusLine.hidden = false;
    }
  }

  usage(usage) {
    if (!usage) return;
    this.footer.replaceChildren(...usageFooter(this.doc, usage, this.baseline));
    this.footer.hidden = false;
  }
}
