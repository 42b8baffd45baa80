// Sending a message and showing its answer as it streams; cancelling it.

import { AnswerView } from './answer-view.js';
import { userTurn } from './history.js';
import { chosenModel } from './models.js';
import { announce, api, hideError, scrollToBottom, showError, state, ui, updateWelcome } from './page.js';
import { createSession, hooks, refreshSessions } from './sessions.js';
import { QueryStream } from './stream.js';

const CANCEL_GRACE_MS = 15000;
/** How long a decision waits for a paused answer's stream to read its last frames. */
const STREAM_END_GRACE_MS = 5000;
/** Who waits for the current stream to be let go (`streamFinished`). */
const streamFinishWaiters = [];
/** The last answer that ended waiting for approvals, until something else happens. */
let waitingAnswer = null;

/** A session picked while its last turn waits for approvals (GET /sessions/{id}): its cards,
 *  ready to decide, under the history. */
hooks.showPending = (pending) => {
  // The history shows a call without a result as unfinished; these are not: they wait.
  const waiting = new Set(pending.map((call) => call.tool_call_id));
  for (const card of [...ui.messages.querySelectorAll('.tool-card')]) {
    if (!waiting.has(card.dataset.toolCallId)) continue;
    const turn = card.closest('li.turn');
    card.remove();
    if (turn && !turn.querySelector('.answer-content')?.children.length) turn.remove();
  }
  const answer = new AnswerView(document, { live: false });
  answer.baseline = state.usage;
  answer.onDecide = (card, approve, reason) => decide(answer, card, approve, reason);
  for (const call of pending) {
    answer.apply({ type: 'approval_request', tool_call_id: call.tool_call_id, tool: call.tool, args: call.args });
    if (call.decision) answer.approvals.get(call.tool_call_id)?.decided(call.decision.approve, call.decision.reason);
  }
  answer.end('awaiting_approval', 'Waiting for your decision on the tool call above.');
  ui.messages.append(answer.element);
  waitingAnswer = answer;
};

export async function send() {
  const text = ui.input.value.trim();
  if (!text) return;
  if (state.stream) {
    announce('Still answering. Press Escape to cancel the answer first.');
    return;
  }
  hideError();
  setBusy(true);
  let userElement = null;
  let answer = null;
  let stream = null;
  try {
    const sessionId = state.sessionId ?? await createSession();
    await state.historyLoad; // never rejects; the transcript must be in place before the new turn
    waitingAnswer?.closeApprovals('Rejected: you sent a new message instead.');
    waitingAnswer = null;
    ui.input.value = '';
    userElement = userTurn(text);
    answer = new AnswerView();
    answer.baseline = state.usage;
    answer.onDecide = (card, approve, reason) => decide(answer, card, approve, reason);
    ui.messages.append(userElement, answer.element);
    updateWelcome();
    scrollToBottom(true);
    stream = followAnswer(sessionId, () => answer, (next) => { answer = next; });
    await stream.run(text, chosenModel());
    if (stream.lastSeq !== null) state.lastSeq.set(sessionId, stream.lastSeq);
    if (answer.state === 'awaiting_approval') waitingAnswer = answer;
    answer.settle(stream.stopped ? 'Stopped following this answer.' : 'The stream ended without a final answer.');
    scrollToBottom();
  } catch (error) {
    if (answer && answer.state === 'waiting') {
      // Refused before anything streamed: take the turn back and give the text back.
      userElement?.remove();
      answer.element.remove();
      if (!ui.input.value) ui.input.value = text;
      updateWelcome();
    } else {
      answer?.settle(error.message);
    }
    showError(error);
  } finally {
    // A session switch may already have let go of this stream and started another.
    if (!stream || state.stream === stream) finishStream();
  }
}

/** A QueryStream that feeds the answer view `current()` (replaced through `replace` when a
 *  replay switches to a later query), made the page's current stream. */
function followAnswer(sessionId, current, replace) {
  const stream = new QueryStream(api, {
    sessionId,
    lastSeq: state.lastSeq.get(sessionId) ?? null,
    onEvent: (event) => {
      current().apply(event);
      if (event.type === 'usage') state.usage = event.usage;
    },
    onChunk: () => { current().flush(); scrollToBottom(); },
    onReset: () => {
      const fresh = freshAnswer(current());
      current().element.replaceWith(fresh.element);
      replace(fresh);
    },
    onState: (connection, detail) => { if (state.stream === stream) setConnection(connection, detail); },
  });
  state.stream = stream;
  state.answer = current();
  return stream;
}

/** The user approved or rejected a waiting tool call. Decisions go one by one; the one that
 *  leaves nothing waiting gets the continuation back as a stream, shown in the same answer. */
export async function decide(answer, card, approve, reason) {
  // The answer shows its approval cards as soon as its `final` arrives; the stream then still
  // reads `usage` and its end. A click in between waits for those instead of being refused.
  if (state.stream?.terminal) await streamFinished(STREAM_END_GRACE_MS);
  if (state.stream) {
    announce('Still answering. Wait for the answer, or cancel it, before deciding.');
    card.reopen();
    return;
  }
  const sessionId = state.sessionId;
  const decision = { tool_call_id: card.id, approve, reason: reason || null };
  hideError();
  if (answer.undecidedApprovals().some((other) => other !== card)) {
    try {
      await api.decide(sessionId, [decision]);
      card.decided(approve, reason);
      announce(`${approve ? 'Approved' : 'Rejected'}; other calls still wait for you.`);
    } catch (error) {
      card.reopen();
      showError(error);
    }
    return;
  }
  setBusy(true);
  let stream = null;
  try {
    card.decided(approve, reason);
    answer.resume();
    stream = followAnswer(sessionId, () => answer, (next) => { answer = next; });
    await stream.decide([decision]);
    if (stream.lastSeq !== null) state.lastSeq.set(sessionId, stream.lastSeq);
    waitingAnswer = answer.state === 'awaiting_approval' ? answer : null;
    answer.settle(stream.stopped ? 'Stopped following this answer.' : 'The stream ended without a final answer.');
    scrollToBottom();
  } catch (error) {
    if (!stream || stream.lastSeq === state.lastSeq.get(sessionId)) {
      card.reopen();
      answer.end('awaiting_approval', 'The decision was not taken; try again.');
    } else {
      answer.settle(error.message);
    }
    showError(error);
  } finally {
    if (!stream || state.stream === stream) finishStream();
  }
}

function freshAnswer(old) {
  const answer = new AnswerView();
  answer.baseline = old.baseline;
  answer.onDecide = old.onDecide;
  state.answer = answer;
  return answer;
}

export async function cancel() {
  const { stream, answer } = state;
  if (!stream) return;
  ui.cancel.disabled = true;
  ui.input.focus();
  answer?.setCancelling();
  announce('Cancelling the answer.');
  try {
    await stream.cancel();
  } catch (error) {
    showError(error);
  }
  // The server confirms with final{cancelled}; stop waiting if it never does.
  setTimeout(() => {
    if (state.stream === stream && !stream.terminal) {
      stream.stop();
      answer?.end('cancelled', 'Cancelled (the server did not confirm).');
    }
  }, CANCEL_GRACE_MS);
}

export function stopStream(reason) {
  if (!state.stream) return;
  state.stream.stop();
  state.answer?.settle(reason);
  finishStream();
}

/** Resolves when the current stream is let go (`finishStream`), or after `ms` at the latest. */
function streamFinished(ms) {
  return new Promise((resolve) => {
    streamFinishWaiters.push(resolve);
    setTimeout(resolve, ms);
  });
}

function finishStream() {
  for (const resolve of streamFinishWaiters.splice(0)) resolve();
  state.stream = null;
  state.answer = null;
  setBusy(false);
  setConnection('idle');
  if (state.sessionId) refreshSessions();
}

function setBusy(busy) {
  document.body.dataset.busy = String(busy);
  ui.send.disabled = busy;
  ui.cancel.disabled = !busy;
  if (!busy && document.activeElement === document.body) ui.input.focus();
}

function setConnection(connection, detail = {}) {
  ui.connection.dataset.state = connection;
  const labels = {
    idle: '', connecting: 'Sending…', streaming: 'Answering…',
    reconnecting: `Connection lost — reconnecting… (attempt ${detail.attempt ?? 1})`,
  };
  ui.connection.textContent = labels[connection] ?? connection;
}
