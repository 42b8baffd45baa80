// Sending a message and showing its answer as it streams; cancelling it.

import { AnswerView } from './answer-view.js';
import { userTurn } from './history.js';
import { chosenModel } from './models.js';
import { announce, api, hideError, scrollToBottom, showError, state, ui, updateWelcome } from './page.js';
import { createSession, refreshSessions } from './sessions.js';
import { QueryStream } from './stream.js';

const CANCEL_GRACE_MS = 15000;

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
    ui.input.value = '';
    userElement = userTurn(text);
    answer = new AnswerView();
    answer.baseline = state.usage;
    ui.messages.append(userElement, answer.element);
    updateWelcome();
    scrollToBottom(true);
    stream = new QueryStream(api, {
      sessionId,
      lastSeq: state.lastSeq.get(sessionId) ?? null,
      onEvent: (event) => {
        answer.apply(event);
        if (event.type === 'usage') state.usage = event.usage;
      },
      onChunk: () => { answer.flush(); scrollToBottom(); },
      onReset: () => { answer.element.replaceWith((answer = freshAnswer(answer)).element); },
      onState: (connection, detail) => { if (state.stream === stream) setConnection(connection, detail); },
    });
    state.stream = stream;
    state.answer = answer;
    await stream.run(text, chosenModel());
    if (stream.lastSeq !== null) state.lastSeq.set(sessionId, stream.lastSeq);
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

function freshAnswer(old) {
  const answer = new AnswerView();
  answer.baseline = old.baseline;
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

function finishStream() {
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
